package kpi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// allKinds is a city with a KPI of every kind, filters of every sort, two raking margins and
// emerging topics.
func allKinds(t testing.TB) *config.City {
	t.Helper()
	c, err := config.Load(strings.NewReader(`
name: Mergeville
timezone: America/Chicago
fiscal_year_start_month: 7
districts: [{id: north}, {id: south}, {id: east}]
sources: [{id: x, format: twitter}, {id: sr, format: twitter}, {id: s, format: surveymonkey}]
survey_weighting:
  trim: 3
  margins:
    - {variable: district, shares: {north: 0.5, south: 0.3, east: 0.2}}
    - {variable: age, shares: {"18-34": 0.3, "35-64": 0.5, "65+": 0.2}}
emerging: {min_count: 5, top: 3}
kpis:
  - {id: net, label: Net, kind: net_sentiment, target: 0, direction: higher, owner: o}
  - {id: net_north, label: Net north, kind: net_sentiment, filter: {district: north}, target: 0, direction: higher, owner: o}
  - {id: vol, label: Roads, kind: volume, filter: {topic: roads, channel: social}, target: 50, direction: lower, owner: o}
  - {id: sov, label: Parks share, kind: share_of_voice, filter: {topic: parks}, target: 0.3, direction: higher, owner: o}
  - {id: uniq, label: Residents, kind: unique_contributors, filter: {source: x}, target: 100, direction: higher, owner: o}
  - {id: ttc, label: Days to close, kind: time_to_close, target: 5, direction: lower, owner: o, min_n: 10}
  - {id: sat, label: Sat, kind: satisfaction, filter: {question: satisfaction}, target: 0.6, direction: higher, owner: o}
  - {id: sat_east, label: Sat east, kind: satisfaction, filter: {question: satisfaction, district: east}, target: 0.6, direction: higher, owner: o}
  - {id: nps, label: NPS, kind: nps, filter: {question: recommend}, target: 0, direction: higher, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// lake makes real-looking rows over the eight quarters to FY2027 Q1 and one quarter outside:
// social posts and service requests with authors, districts, topics, keyphrases (one of them
// rising this quarter) and close times; survey responses with unequal base weights, skewed
// districts and age bands.
func lake(c *config.City, r *rand.Rand, nFeedback, nResponses int) ([]table.ScoredFeedback, []table.SurveyAnswer) {
	loc := c.Location()
	start := time.Date(2024, 4, 1, 0, 0, 0, 0, loc)
	end := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	span := int64(end.Sub(start))
	cur := time.Date(2026, 7, 1, 0, 0, 0, 0, loc)
	districts := []string{"north", "south", "east", ""}
	labels := []string{"positive", "neutral", "negative"}
	phrases := []string{"pothole", "bus stop", "Street Light", "dog park", "water main"}
	var fb []table.ScoredFeedback
	for i := range nFeedback {
		at := start.Add(time.Duration(r.Int64N(span))).Truncate(time.Millisecond).UTC()
		f := table.Feedback{ID: fmt.Sprintf("f%06d", i), Source: "x", Channel: table.ChannelSocial, CreatedAt: at,
			Text: fmt.Sprintf("resident number %d wrote about the city and its services today", i)}
		if eng := r.Int64N(20); eng > 0 {
			f.Engagement = &eng
		}
		if r.IntN(3) == 0 {
			f.Source, f.Channel = "sr", table.ChannelServiceRequest
			if r.IntN(4) > 0 {
				closed := at.Add(time.Duration(r.ExpFloat64() * float64(72*time.Hour))).Truncate(time.Millisecond)
				f.ClosedAt = &closed
			}
		}
		if r.IntN(8) > 0 {
			a := fmt.Sprintf("author%03d", r.IntN(500))
			f.AuthorKey = &a
		}
		if d := districts[r.IntN(len(districts))]; d != "" {
			f.District = &d
		}
		s := table.Scores{SentimentLabel: labels[r.IntN(3)], Sentiment: r.Float64()*2 - 1}
		for _, tp := range []string{"roads", "parks", "water"} {
			if r.IntN(3) == 0 {
				s.Topics = append(s.Topics, tp)
			}
		}
		for _, p := range phrases {
			if r.IntN(12) == 0 {
				s.Keyphrases = append(s.Keyphrases, p)
			}
		}
		if !at.Before(cur) && r.IntN(6) == 0 {
			s.Keyphrases = append(s.Keyphrases, "lead pipes", "Lead  Pipes") // rising; listed twice, counted once
		}
		fb = append(fb, table.Scored(f, s))
	}
	var ans []table.SurveyAnswer
	for i := range nResponses {
		at := start.Add(time.Duration(r.Int64N(span))).Truncate(time.Millisecond).UTC()
		d := []string{"north", "south", "south", "east", "east", "east", ""}[r.IntN(7)]
		var dp *string
		if d != "" {
			dp = &d
		}
		w := []float64{1, 1, 1.5, 2.5}[r.IntN(4)]
		age := []string{"18-34", "35-64", "65+", "65+", "prefer not to say"}[r.IntN(5)]
		sat, rec := float64(1+r.IntN(5)), float64(r.IntN(11))
		id := fmt.Sprintf("r%05d", i)
		base := table.SurveyAnswer{Source: "s", ResponseID: id, SurveyID: "s1", District: dp, Weight: w, SubmittedAt: at}
		a1, a2, a3 := base, base, base
		a1.QuestionID, a1.AnswerValue, a1.ScaleMin, a1.ScaleMax = "satisfaction", &sat, ptr(1.0), ptr(5.0)
		a2.QuestionID, a2.AnswerValue, a2.ScaleMin, a2.ScaleMax = "recommend", &rec, ptr(0.0), ptr(10.0)
		a3.QuestionID, a3.AnswerText = "age", age
		ans = append(ans, a1, a2, a3)
	}
	return fb, ans
}

func docJSON(t *testing.T, c *kpi.Computer) []byte {
	t.Helper()
	b, err := json.MarshalIndent(c.Document(time.Unix(0, 0)), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Partial aggregates of any split of the rows, merged in any order, give exactly the
// single-pass document: every kind, the trend, raked weights, topics, quotes, emerging topics.
func TestMergeEqualsSinglePass(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	r := rand.New(rand.NewPCG(3, 4))
	fb, ans := lake(c, r, 6000, 1500)
	whole := kpi.NewComputer(c, q)
	whole.AddFeedback(fb)
	whole.AddAnswers(ans)
	want := docJSON(t, whole)
	var doc kpi.Document
	json.Unmarshal(want, &doc)
	for _, k := range doc.KPIs {
		if k.Value == nil || k.Previous == nil {
			t.Fatalf("fixture gives %s no value or previous value: the test would prove little", k.ID)
		}
	}
	if len(doc.Emerging) == 0 || doc.Emerging[0].Phrase != "lead pipes" || len(doc.Emerging[0].Quotes) < 2 || doc.Emerging[0].BaselineShare != 0 {
		t.Fatalf("emerging = %+v; want lead pipes first, new this quarter, with quotes", doc.Emerging)
	}
	for _, e := range doc.Emerging[1:] {
		if e.Lift <= 1 || e.Count < 5 || e.BaselineShare == 0 {
			t.Errorf("emerging %+v: want lift above 1, at least 5 records, and a baseline", e)
		}
	}
	for trial := range 12 {
		parts := make([]*kpi.Computer, 1+r.IntN(8))
		fbs := make([][]table.ScoredFeedback, len(parts))
		as := make([][]table.SurveyAnswer, len(parts))
		for _, row := range fb {
			i := r.IntN(len(parts))
			fbs[i] = append(fbs[i], row)
		}
		for _, row := range ans {
			i := r.IntN(len(parts)) // answers of one response may land in different parts
			as[i] = append(as[i], row)
		}
		for i := range parts {
			parts[i] = kpi.NewComputer(c, q)
			r.Shuffle(len(fbs[i]), func(a, b int) { fbs[i][a], fbs[i][b] = fbs[i][b], fbs[i][a] })
			parts[i].AddFeedback(fbs[i])
			parts[i].AddAnswers(as[i])
			if trial%2 == 1 {
				parts[i].Finish() // sorted parts merge by another path
			}
		}
		r.Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
		// Merge as a tree would: pairs, then pairs of pairs.
		for len(parts) > 1 {
			var next []*kpi.Computer
			for i := 0; i < len(parts); i += 2 {
				if i+1 < len(parts) {
					if err := parts[i].Merge(parts[i+1]); err != nil {
						t.Fatal(err)
					}
				}
				next = append(next, parts[i])
			}
			parts = next
		}
		if got := docJSON(t, parts[0]); !bytes.Equal(got, want) {
			t.Fatalf("trial %d: merged document differs from the single pass\n%s", trial, firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: got %s; want %s", i+1, la[i], lb[i])
		}
	}
	return "lengths differ"
}

func TestMergeRefusesOtherQuarter(t *testing.T) {
	c := allKinds(t)
	a, b := kpi.NewComputer(c, kpi.Quarter{FY: 2027, Q: 1}), kpi.NewComputer(c, kpi.Quarter{FY: 2027, Q: 2})
	if err := a.Merge(b); err == nil {
		t.Error("merging aggregates of two quarters succeeded; want error")
	}
}
