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

// A reader that folds rows without their text and offers those MayQuote lets through as
// quotes gets the Document of the rows folded whole, with TightenQuotes after each offer or
// without; with it, MayQuote lets fewer rows through.
func TestTightenQuotesKeepsTheDocument(t *testing.T) {
	city, err := config.Load(strings.NewReader(`
name: Quoteville
timezone: America/Chicago
fiscal_year_start_month: 7
districts: [{id: north}]
sources: [{id: x, format: twitter}]
kpis:
  - {id: net_roads, label: Net roads, kind: net_sentiment, filter: {topic: roads}, target: 0, direction: higher, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := kpi.Quarter{FY: 2027, Q: 1}
	r := rand.New(rand.NewPCG(5, 6))
	topics := []string{"roads", "parks", "water"}
	var rows []table.ScoredFeedback
	for i := range 20000 {
		f := table.Feedback{ID: fmt.Sprintf("r%05d", i), Source: "x", Channel: table.ChannelSocial,
			CreatedAt: time.Date(2026, time.Month(7+r.IntN(3)), 1+r.IntN(28), 12, 0, 0, 0, time.UTC),
			Text:      fmt.Sprintf("resident %d wrote %s about the state of the streets", i, strings.Repeat("at length ", r.IntN(4)))}
		if r.IntN(3) == 0 {
			f.Engagement = new(int64(r.IntN(3)))
		}
		s := table.Scores{Sentiment: float64(r.IntN(201)-100) / 100, SentimentLabel: "neutral",
			Topics: []string{topics[r.IntN(len(topics))]}}
		if r.IntN(4) == 0 {
			s.Topics = append(s.Topics, topics[r.IntN(len(topics))])
		}
		rows = append(rows, table.Scored(f, s))
	}
	document := func(c *kpi.Computer) []byte {
		b, err := json.Marshal(c.Document(time.Unix(0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	whole := kpi.NewComputer(city, q, kpi.UniqueIDs())
	whole.AddFeedback(rows)
	want := document(whole)
	if !bytes.Contains(want, []byte(`"quotes"`)) {
		t.Fatal("the fixture quotes nothing: the test would prove little")
	}
	admitted := map[bool]int{}
	for _, tighten := range []bool{false, true} {
		c := kpi.NewComputer(city, q, kpi.UniqueIDs())
		for i := range rows {
			folded := rows[i]
			folded.ID, folded.Text = "", ""
			if c.FoldRow(&folded) {
				admitted[tighten]++
				c.AddQuotes(rows[i : i+1])
				if tighten {
					c.TightenQuotes(&rows[i])
				}
			}
		}
		if got := document(c); !bytes.Equal(got, want) {
			t.Errorf("tighten %v: got %s; want %s", tighten, got, want)
		}
	}
	if admitted[true] >= admitted[false] {
		t.Errorf("MayQuote let %d rows through with TightenQuotes, %d without: want fewer", admitted[true], admitted[false])
	}
	t.Logf("rows let through: %d without TightenQuotes, %d with", admitted[false], admitted[true])
}
