package kpi_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// A reader that folds rows without their id and text, and reads those only for the rows
// MayQuote keeps, gets exactly the document of the complete rows, whatever the batch size:
// the same figures, quotes and emerging topics.
func TestDeferredTextEqualsWholeRows(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	r := rand.New(rand.NewPCG(5, 6))
	fb, _ := lake(c, r, 30000, 0)
	for i := range fb {
		switch i % 7 {
		case 0:
			fb[i].Text = "too short to quote" // never a candidate, whatever its rank
		case 1:
			// Ties on engagement and sentiment at the top leave the id to decide.
			top := int64(19)
			fb[i].Engagement, fb[i].Sentiment = &top, 0.875
		}
	}
	r.Shuffle(len(fb), func(i, j int) { fb[i], fb[j] = fb[j], fb[i] }) // a later tie may have a smaller id
	whole := kpi.NewComputer(c, q)
	whole.AddFeedback(fb)
	want := docJSON(t, whole)
	if !bytes.Contains(want, []byte(`"quotes"`)) {
		t.Fatal("the fixture quotes nothing: the test would prove little")
	}
	for _, batch := range []int{1, 7, 500, len(fb)} {
		comp := kpi.NewComputer(c, q, kpi.UniqueIDs()) // rows without ids cannot be told apart
		var asked int
		for lo := 0; lo < len(fb); lo += batch {
			rows := fb[lo:min(lo+batch, len(fb))]
			bare := make([]table.ScoredFeedback, len(rows))
			for i, row := range rows {
				row.ID, row.Text = "", ""
				bare[i] = row
			}
			var full []table.ScoredFeedback
			if batch == 1 { // as the pipeline folds: a row at a time, learning MayQuote on the way
				if comp.FoldRow(&bare[0]) {
					full = append(full, rows[0])
				}
			} else {
				comp.AddFeedback(bare)
				for i := range bare {
					if comp.MayQuote(&bare[i]) {
						full = append(full, rows[i])
					}
				}
			}
			asked += len(full)
			comp.AddQuotes(full)
		}
		if asked == 0 || asked > len(fb)/2 {
			t.Errorf("batch %d: MayQuote kept %d of %d rows; want some, and not most", batch, asked, len(fb))
		}
		if got := docJSON(t, comp); !bytes.Equal(got, want) {
			t.Errorf("batch %d: document differs from that of the complete rows\n%s", batch, firstDiff(got, want))
		}
	}
}
