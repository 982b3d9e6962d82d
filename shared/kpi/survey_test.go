package kpi_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Responses kept in bounded memory, spilled to temporary files and merged back, give exactly
// the document of responses kept in memory, on a single pass and on merged partials.
func TestSurveySpillEqualsInMemory(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	r := rand.New(rand.NewPCG(5, 6))
	_, ans := lake(c, r, 0, 600)
	// Late duplicates of answers, conflicting: the first answer of a question wins.
	for i := 0; i < len(ans); i += 7 {
		d := ans[i]
		v := 0.0
		d.AnswerValue, d.AnswerText = &v, "65+"
		ans = append(ans, d)
	}
	inMemory := kpi.NewComputer(c, q)
	inMemory.AddAnswers(ans)
	want := docJSON(t, inMemory)
	if inMemory.SurveySpills() != 0 {
		t.Fatalf("%d spills of %d answers at the default limit; want none", inMemory.SurveySpills(), len(ans))
	}
	for _, tc := range []struct {
		name  string
		limit int
		parts int
	}{
		{"every row apart, runs merged past the open-file cap", 1, 1},
		{"a few runs", 4 << 10, 1},
		{"small runs", 600, 1},
		{"partials", 2 << 10, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := openSpillFiles(t)
			parts := make([]*kpi.Computer, tc.parts)
			for i := range parts {
				parts[i] = kpi.NewComputer(c, q, kpi.SurveyLimit(tc.limit))
			}
			// Contiguous slices: each part folds its rows in the single pass's order.
			for i, p := range parts {
				p.AddAnswers(ans[i*len(ans)/len(parts) : (i+1)*len(ans)/len(parts)])
			}
			spills := 0
			for _, p := range parts {
				spills += p.SurveySpills()
			}
			for _, p := range parts[1:] {
				if err := parts[0].Merge(p); err != nil {
					t.Fatal(err)
				}
			}
			got := docJSON(t, parts[0])
			if err := parts[0].Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("limit %d: %d temporary files", tc.limit, spills)
			if spills == 0 {
				t.Errorf("limit %d: no spill; the test would prove little", tc.limit)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("limit %d: document differs from the in-memory one\n%s", tc.limit, firstDiff(got, want))
			}
			closeAll(t, open, parts)
		})
	}
}

// A response's rows, wherever they are, assemble by the single-map rules: quarter and base
// weight from its first row, district the first non-empty one, each question's first answer.
func TestSurveyAssemblyByHand(t *testing.T) {
	c, err := config.Load(bytes.NewReader([]byte(`
name: Handville
timezone: UTC
fiscal_year_start_month: 1
districts: [{id: north}, {id: south}]
survey_weighting:
  margins:
    - {variable: district, shares: {north: 0.5, south: 0.5}}
kpis:
  - {id: nps, label: NPS, kind: nps, filter: {question: rec}, target: 0, direction: higher, owner: o}
  - {id: nps_north, label: NPS north, kind: nps, filter: {question: rec, district: north}, target: 0, direction: higher, owner: o}
`)), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := kpi.Quarter{FY: 2026, Q: 3}
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	row := func(id string, v float64, district string, w float64) table.SurveyAnswer {
		a := table.SurveyAnswer{Source: "s", ResponseID: id, QuestionID: "rec", AnswerValue: &v,
			ScaleMin: ptr(0.0), ScaleMax: ptr(10.0), Weight: w, SubmittedAt: at}
		if district != "" {
			a.District = &district
		}
		return a
	}
	other := row("a", 3, "south", 1)
	other.QuestionID = "unrelated"
	rows := []table.SurveyAnswer{
		row("a", 10, "", 1),      // a: promoter, district still unknown
		row("b", 0, "south", 1),  // b: detractor in the south
		other,                    // a's district comes from a row of another question
		row("a", 0, "north", 9),  // a second answer to rec: ignored, and so are its district and weight
		row("c", 9, "north", 1),  // c: promoter in the north
		row("b", 10, "north", 1), // ignored
	}
	for _, limit := range []int{0, 1} {
		comp := kpi.NewComputer(c, q, kpi.SurveyLimit(limit))
		for i := range rows {
			comp.AddAnswers(rows[i : i+1])
		}
		doc := comp.Document(time.Unix(0, 0))
		if limit == 1 && comp.SurveySpills() == 0 {
			t.Errorf("limit 1: no spill")
		}
		// a (south) and b (south) share the south's half, c alone the north's half: weights
		// 0.75, 0.75, 1.5 of the total 3; promoters a and c, detractor b.
		nps, north := doc.KPIs[0], doc.KPIs[1]
		if want := (0.75 + 1.5 - 0.75) / 3; nps.N != 3 || math.Abs(*nps.Value-want) > 1e-12 {
			t.Errorf("limit %d: nps %v (n %d); want %v (n 3)", limit, *nps.Value, nps.N, want)
		}
		if north.N != 1 || *north.Value != 1 {
			t.Errorf("limit %d: nps north %v (n %d); want 1 (n 1)", limit, *north.Value, north.N)
		}
		if doc.Responses != 3 {
			t.Errorf("limit %d: %d responses; want 3", limit, doc.Responses)
		}
	}
}

// RakeCells of cells of identical respondents gives the weights Rake gives the respondents one
// by one, trimmed or not.
func TestRakeCells(t *testing.T) {
	margins := []config.Margin{
		{Variable: "district", Shares: map[string]float64{"a": 0.6, "b": 0.3, "c": 0.1}},
		{Variable: "age", Shares: map[string]float64{"young": 0.5, "old": 0.5}},
	}
	for _, tc := range []struct {
		name string
		trim float64
	}{{"untrimmed", 50}, {"trimmed", 1.5}} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			var base []float64
			var count []int64
			var cats [][]string
			for range 12 {
				base = append(base, []float64{1, 2, 0}[r.IntN(3)])
				count = append(count, int64(r.IntN(5)))
				cats = append(cats, []string{[]string{"a", "b", "b", "c", ""}[r.IntN(5)], []string{"young", "old", "old", "x"}[r.IntN(4)]})
			}
			count[0] = 3
			var ib []float64
			var icats [][]string
			for i, n := range count {
				for range n {
					ib = append(ib, base[i])
					icats = append(icats, cats[i])
				}
			}
			cw := kpi.RakeCells(base, count, cats, margins, tc.trim)
			iw := kpi.Rake(ib, icats, margins, tc.trim)
			total := 0.0
			for _, b := range ib {
				total += max(b, 0) + float64(b2i(b <= 0))
			}
			cap := tc.trim * total / float64(len(ib))
			j, capped := 0, false
			for i, n := range count {
				for range n {
					if math.Abs(cw[i]-iw[j]) > 1e-9*iw[j] {
						t.Errorf("cell %d: weight %v; one by one %v", i, cw[i], iw[j])
					}
					capped = capped || math.Abs(iw[j]-cap) < 1e-9
					j++
				}
			}
			if capped != (tc.trim < 2) {
				t.Errorf("trim %v: a weight at the cap %v: %v; want %v", tc.trim, cap, capped, tc.trim < 2)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
