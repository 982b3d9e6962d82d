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

var chicago, _ = time.LoadLocation("America/Chicago")

func TestCalendar(t *testing.T) {
	july := kpi.Calendar{FiscalYearStartMonth: 7, Location: chicago}
	jan := kpi.Calendar{FiscalYearStartMonth: 1, Location: chicago}
	tests := []struct {
		cal  kpi.Calendar
		at   time.Time
		want string
	}{
		{july, time.Date(2026, 9, 30, 23, 30, 0, 0, chicago), "2027-Q1"}, // 04:30 UTC on 1 Oct
		{july, time.Date(2026, 10, 1, 0, 0, 0, 0, chicago), "2027-Q2"},
		{july, time.Date(2026, 7, 1, 0, 0, 0, 0, chicago), "2027-Q1"},
		{july, time.Date(2026, 6, 30, 12, 0, 0, 0, chicago), "2026-Q4"},
		{july, time.Date(2026, 1, 15, 0, 0, 0, 0, chicago), "2026-Q3"},
		{jan, time.Date(2026, 1, 1, 0, 0, 0, 0, chicago), "2026-Q1"},
		{jan, time.Date(2026, 12, 31, 23, 59, 0, 0, chicago), "2026-Q4"},
	}
	for _, tt := range tests {
		if got := tt.cal.Of(tt.at.UTC()).String(); got != tt.want {
			t.Errorf("Of(%v, fy start %d) = %s; want %s", tt.at, tt.cal.FiscalYearStartMonth, got, tt.want)
		}
	}
	// Bounds and Of agree at every quarter boundary.
	for _, cal := range []kpi.Calendar{july, jan, {FiscalYearStartMonth: 10, Location: time.UTC}} {
		q := kpi.Quarter{FY: 2026, Q: 1}
		for range 12 {
			start, end := cal.Bounds(q)
			if got := cal.Of(start); got != q {
				t.Errorf("Of(start of %s) = %s", q, got)
			}
			if got := cal.Of(end.Add(-time.Second)); got != q {
				t.Errorf("Of(end of %s) = %s", q, got)
			}
			if got := cal.Of(end); got != q.Add(1) {
				t.Errorf("Of(after %s) = %s; want %s", q, got, q.Add(1))
			}
			q = q.Add(1)
		}
	}
}

func TestParseQuarter(t *testing.T) {
	for _, s := range []string{"2027-Q1", "1999-Q4"} {
		q, err := kpi.ParseQuarter(s)
		if err != nil || q.String() != s {
			t.Errorf("ParseQuarter(%q) = %v, %v", s, q, err)
		}
	}
	for _, s := range []string{"2027-Q5", "2027Q1", "27-Q1", "2027-Q1x", ""} {
		if _, err := kpi.ParseQuarter(s); err == nil {
			t.Errorf("ParseQuarter(%q) succeeded; want error", s)
		}
	}
	if got := (kpi.Quarter{FY: 2027, Q: 1}).Add(-5).Label(); got != "Q4 FY2025" {
		t.Errorf("Add(-5).Label() = %s; want Q4 FY2025", got)
	}
}

func city(t *testing.T) *config.City {
	t.Helper()
	c, err := config.Load(strings.NewReader(`
name: Testville
timezone: America/Chicago
fiscal_year_start_month: 7
sources: [{id: x, format: twitter}, {id: s, format: surveymonkey}]
kpis:
  - {id: net, label: Net, kind: net_sentiment, target: 0, direction: higher, owner: cm, min_n: 10}
  - {id: roads_vol, label: Roads, kind: volume, filter: {topic: roads}, target: 5, direction: lower, owner: pw}
  - {id: sat, label: Sat, kind: satisfaction, filter: {question: satisfaction}, target: 0.5, direction: higher, owner: cm, min_n: 4}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fb(id string, at time.Time, label string, topics ...string) table.ScoredFeedback {
	return table.Scored(
		table.Feedback{ID: id, Source: "x", Channel: "social", CreatedAt: at, Text: "a resident wrote something about the city: " + id},
		table.Scores{SentimentLabel: label, Topics: topics})
}

func TestComputeByHand(t *testing.T) {
	c := city(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	comp := kpi.NewComputer(c, q)
	cur := time.Date(2026, 8, 1, 12, 0, 0, 0, chicago)
	prev := time.Date(2026, 5, 1, 12, 0, 0, 0, chicago)
	var rows []table.ScoredFeedback
	// This quarter: 12 positive, 4 negative, 4 neutral (net 0.4); 6 about roads.
	for i := range 20 {
		label := []string{"positive", "positive", "positive", "negative", "neutral"}[i%5]
		if i >= 15 {
			label = []string{"positive", "negative", "neutral", "positive", "positive"}[i-15]
		}
		var topics []string
		if i < 6 {
			topics = []string{"roads"}
		}
		rows = append(rows, fb(string(rune('a'+i)), cur, label, topics...))
	}
	// Last quarter: 10 negative.
	for i := range 10 {
		rows = append(rows, fb("p"+string(rune('a'+i)), prev, "negative", "roads"))
	}
	rows = append(rows, rows[0]) // a duplicate counts once
	comp.AddFeedback(rows)
	sat := func(id string, v float64) table.SurveyAnswer {
		return table.SurveyAnswer{Source: "s", ResponseID: id, QuestionID: "satisfaction", AnswerValue: &v,
			ScaleMin: ptr(1.0), ScaleMax: ptr(5.0), Weight: 1, SubmittedAt: cur}
	}
	comp.AddAnswers([]table.SurveyAnswer{sat("1", 5), sat("2", 4), sat("3", 2), sat("4", 1)})
	doc := comp.Document(time.Unix(0, 0))

	net := doc.KPIs[0]
	pos, neg := 0, 0
	for _, r := range rows[:20] {
		switch r.SentimentLabel {
		case "positive":
			pos++
		case "negative":
			neg++
		}
	}
	wantNet := float64(pos-neg) / 20
	if net.N != 20 || math.Abs(*net.Value-wantNet) > 1e-12 {
		t.Errorf("net = %v (n %d); want %v (n 20)", *net.Value, net.N, wantNet)
	}
	if *net.Previous != -1 || !net.ChangeSignificant || net.Status != kpi.StatusAtRisk && net.Status != kpi.StatusMet {
		t.Errorf("net previous %v significant %v status %s", *net.Previous, net.ChangeSignificant, net.Status)
	}
	vol := doc.KPIs[1]
	if *vol.Value != 6 || *vol.Previous != 10 || vol.Status != kpi.StatusAtRisk {
		t.Errorf("roads volume = %v prev %v status %s; want 6, 10, at_risk (interval straddles 5)", *vol.Value, *vol.Previous, vol.Status)
	}
	s := doc.KPIs[2]
	if *s.Value != 0.5 || s.N != 4 || s.Status != kpi.StatusAtRisk {
		t.Errorf("satisfaction = %v n %d status %s; want 0.5, 4, at_risk", *s.Value, s.N, s.Status)
	}
	if len(net.Trend) != kpi.Trend || net.Trend[7].Quarter != "2027-Q1" || net.Trend[6].N != 10 {
		t.Errorf("trend = %+v", net.Trend)
	}
	if doc.Feedback != 20 || doc.Responses != 4 || doc.Topics[0].ID != "roads" || doc.Topics[0].Volume != 6 {
		t.Errorf("doc totals: feedback %d responses %d topics %+v", doc.Feedback, doc.Responses, doc.Topics)
	}
}

func TestNoData(t *testing.T) {
	comp := kpi.NewComputer(city(t), kpi.Quarter{FY: 2027, Q: 1})
	comp.AddFeedback([]table.ScoredFeedback{fb("a", time.Date(2026, 8, 1, 0, 0, 0, 0, chicago), "positive")})
	doc := comp.Document(time.Unix(0, 0))
	if doc.KPIs[0].Status != kpi.StatusNoData || doc.KPIs[2].Status != kpi.StatusNoData {
		t.Errorf("statuses = %s, %s; want no_data (n below min_n)", doc.KPIs[0].Status, doc.KPIs[2].Status)
	}
}

func ptr[T any](v T) *T { return &v }
