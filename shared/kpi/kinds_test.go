package kpi_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

func TestRake(t *testing.T) {
	margins := []config.Margin{
		{Variable: "district", Shares: map[string]float64{"a": 0.6, "b": 0.4}},
		{Variable: "age", Shares: map[string]float64{"young": 0.5, "old": 0.5}},
	}
	// Six respondents: district a is under-represented, the old over-represented; one has no
	// age band.
	base := []float64{1, 1, 1, 1, 2, 1}
	cats := [][]string{{"a", "young"}, {"a", "old"}, {"b", "old"}, {"b", "old"}, {"b", "young"}, {"a", ""}}
	w := kpi.Rake(base, cats, margins, 5)
	sum := func(pred func(i int) bool) (s float64) {
		for i := range w {
			if pred(i) {
				s += w[i]
			}
		}
		return s
	}
	total := sum(func(int) bool { return true })
	if math.Abs(total-7) > 1e-9 {
		t.Errorf("weights sum to %v; want the base total 7", total)
	}
	if got := sum(func(i int) bool { return cats[i][0] == "a" }) / total; math.Abs(got-0.6) > 1e-9 {
		t.Errorf("district a has %v of the weight; want 0.6", got)
	}
	// The unknown age keeps its observed share (1/7); young and old split the rest evenly.
	if got, want := sum(func(i int) bool { return cats[i][1] == "young" }), (7.0-w[5])/2; math.Abs(got-want) > 1e-9 {
		t.Errorf("young weight %v; want %v", got, want)
	}

	// Trimming caps every weight at trim times the mean, keeping the total.
	skewed := []config.Margin{{Variable: "district", Shares: map[string]float64{"a": 0.9, "b": 0.1}}}
	base = make([]float64, 20)
	cats = make([][]string, 20)
	for i := range cats {
		cats[i] = []string{"b"}
	}
	cats[0][0] = "a" // one respondent stands for 90% of the population
	w = kpi.Rake(base, cats, skewed, 3)
	total = 0
	for _, x := range w {
		total += x
		if x > 3*20.0/20*(1+1e-9) {
			t.Errorf("weight %v above the cap of 3× the mean", x)
		}
	}
	if math.Abs(total-20) > 1e-9 || math.Abs(w[0]-3) > 1e-9 {
		t.Errorf("trimmed weights: total %v, first %v; want 20 and the cap 3", total, w[0])
	}
}

func TestKindsByHand(t *testing.T) {
	c, err := config.Load(strings.NewReader(`
name: Handville
timezone: UTC
fiscal_year_start_month: 1
kpis:
  - {id: ttc, label: Close, kind: time_to_close, target: 2, direction: lower, owner: o}
  - {id: uniq, label: Uniq, kind: unique_contributors, target: 2, direction: higher, owner: o}
  - {id: sov, label: Sov, kind: share_of_voice, filter: {topic: roads}, target: 0.5, direction: higher, owner: o}
  - {id: nps, label: NPS, kind: nps, filter: {question: rec}, target: 0, direction: higher, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := kpi.Quarter{FY: 2026, Q: 3}
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	var rows []table.ScoredFeedback
	// Service requests closed after 1, 2, 3, 4 and 10 days; one still open; one closed before
	// it was opened (a data error, left out); one social post.
	for i, d := range []float64{1, 2, 3, 4, 10, -1, -2} {
		f := table.Feedback{ID: string(rune('a' + i)), Channel: table.ChannelServiceRequest, CreatedAt: at}
		if d != -1 {
			closed := at.Add(time.Duration(d * 24 * float64(time.Hour)))
			f.ClosedAt = &closed
		}
		author := []string{"x", "y", "x", "z", "", "", ""}[i]
		if author != "" {
			f.AuthorKey = &author
		}
		var topics []string
		if i < 3 {
			topics = []string{"roads"}
		}
		rows = append(rows, table.Scored(f, table.Scores{Topics: topics}))
	}
	rows = append(rows, table.Scored(table.Feedback{ID: "s", Channel: table.ChannelSocial, CreatedAt: at}, table.Scores{}))
	comp := kpi.NewComputer(c, q)
	comp.AddFeedback(rows)
	var ans []table.SurveyAnswer
	for i, v := range []float64{10, 9, 8, 7, 6, 0, 10, 3} { // 3 promoters, 3 detractors of 8
		ans = append(ans, table.SurveyAnswer{ResponseID: string(rune('a' + i)), QuestionID: "rec", AnswerValue: &v,
			ScaleMin: ptr(0.0), ScaleMax: ptr(10.0), Weight: 1, SubmittedAt: at})
	}
	comp.AddAnswers(ans)
	doc := comp.Document(time.Unix(0, 0))
	ttc, uniq, sov, nps := doc.KPIs[0], doc.KPIs[1], doc.KPIs[2], doc.KPIs[3]
	// quantile_cont: median of 1,2,3,4,10 is 3; p90 at position 3.6 is 4 + 0.6·6 = 7.6.
	if ttc.N != 5 || *ttc.Value != 3 || math.Abs(*ttc.P90-7.6) > 1e-12 || ttc.Unit != kpi.UnitDays {
		t.Errorf("time_to_close = %v p90 %v n %d; want 3, 7.6, 5", *ttc.Value, *ttc.P90, ttc.N)
	}
	if *ttc.CILow > 3 || *ttc.CIHigh < 3 {
		t.Errorf("median interval [%v, %v] does not hold the median", *ttc.CILow, *ttc.CIHigh)
	}
	if *uniq.Value != 3 || uniq.N != 4 {
		t.Errorf("unique contributors = %v (n %d); want 3 (n 4)", *uniq.Value, uniq.N)
	}
	if *sov.Value != 3.0/8 || sov.N != 8 {
		t.Errorf("share of voice = %v (n %d); want 3/8 (n 8)", *sov.Value, sov.N)
	}
	if *nps.Value != 0 || nps.N != 8 || *nps.NEff != 8 {
		t.Errorf("nps = %v (n %d, n_eff %v); want 0 (n 8, n_eff 8)", *nps.Value, nps.N, *nps.NEff)
	}
	for _, k := range doc.KPIs {
		if k.Test == "" || k.Trend[7].Value == nil {
			t.Errorf("%s: test %q, trend %+v", k.ID, k.Test, k.Trend[7])
		}
	}
}

// Mood's median test flags a shift of the median and not a change of spread alone.
func TestTimeToCloseChange(t *testing.T) {
	c, err := config.Load(strings.NewReader(`
name: Medianville
timezone: UTC
kpis: [{id: ttc, label: Close, kind: time_to_close, target: 2, direction: lower, owner: o}]
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := kpi.Quarter{FY: 2026, Q: 3}
	run := func(prev, cur func(i int) float64) kpi.Result {
		comp := kpi.NewComputer(c, q)
		var rows []table.ScoredFeedback
		for qi, f := range []func(int) float64{prev, cur} {
			at := time.Date(2026, time.Month(4+3*qi), 2, 0, 0, 0, 0, time.UTC)
			for i := range 200 {
				closed := at.Add(time.Duration(f(i) * 24 * float64(time.Hour)))
				rows = append(rows, table.Scored(table.Feedback{ID: string(rune(qi)) + string(rune(i+1000)),
					Channel: table.ChannelServiceRequest, CreatedAt: at, ClosedAt: &closed}, table.Scores{}))
			}
		}
		comp.AddFeedback(rows)
		return comp.Document(time.Unix(0, 0)).KPIs[0]
	}
	base := func(i int) float64 { return float64(i%40) / 4 }
	if r := run(base, func(i int) float64 { return base(i) + 3 }); !r.ChangeSignificant {
		t.Errorf("a 3-day shift of the median: p = %v; want significant", *r.PValue)
	}
	if r := run(base, func(i int) float64 { return base((i + 7) % 200) }); r.ChangeSignificant {
		t.Errorf("the same values: p = %v; want no significant change", *r.PValue)
	}
}

// The KPI settings this package relies on are validated by config.Load with the line.
func TestKPIConfigErrors(t *testing.T) {
	head := "name: X\ntimezone: UTC\ndistricts: [{id: north}, {id: south}]\n"
	tests := []struct{ name, yaml, want string }{
		{"nps without question", head + "kpis:\n  - {id: n, label: N, kind: nps, target: 0, direction: higher, owner: o}\n", `city.yaml:5: kpi "n": filter.question: required`},
		{"question on feedback kind", head + "kpis:\n  - {id: n, label: N, kind: volume, filter: {question: q}, target: 0, direction: higher, owner: o}\n", `city.yaml:5: kpi "n": filter.question`},
		{"time to close on social", head + "kpis:\n  - {id: t, label: T, kind: time_to_close, filter: {channel: social}, target: 3, direction: lower, owner: o}\n", `city.yaml:5: kpi "t": filter.channel "social"`},
		{"share above 1", head + "kpis:\n  - {id: s, label: S, kind: share_of_voice, target: 20, direction: lower, owner: o}\n", `city.yaml:5: kpi "s": target 20`},
		{"margins not summing to 1", head + "survey_weighting:\n  margins:\n    - {variable: district, shares: {north: 0.5, south: 0.3}}\n", `city.yaml:6: survey_weighting margin "district": shares sum to 0.8000`},
		{"unknown district", head + "survey_weighting:\n  margins:\n    - {variable: district, shares: {north: 0.5, west: 0.5}}\n", `city.yaml:6: survey_weighting margin district: "west"`},
		{"trim too small", head + "survey_weighting: {trim: 0.5}\n", "survey_weighting.trim 0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(strings.NewReader(tt.yaml), "city.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error containing %q", err, tt.want)
			}
		})
	}
}
