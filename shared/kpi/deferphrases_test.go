package kpi_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// A reader that counts keyphrases without their quote candidates (DeferPhraseQuotes), folds
// and merges its parts, and then offers the rows of the quarter again to the phrases that
// emerge (QuotePhrases) gets exactly the document of a single pass of the complete rows.
func TestDeferPhraseQuotesEqualsSinglePass(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	r := rand.New(rand.NewPCG(7, 8))
	fb, _ := lake(c, r, 30000, 0)
	for i := range fb {
		if i%5 == 1 { // ties on engagement and sentiment leave the id to decide
			top := int64(19)
			fb[i].Engagement, fb[i].Sentiment = &top, 0.875
		}
	}
	r.Shuffle(len(fb), func(i, j int) { fb[i], fb[j] = fb[j], fb[i] })
	whole := kpi.NewComputer(c, q)
	whole.AddFeedback(fb)
	want := docJSON(t, whole)
	quoted := 0
	for _, e := range whole.Document(time.Unix(0, 0)).Emerging {
		quoted += len(e.Quotes)
	}
	if quoted == 0 {
		t.Fatal("the fixture quotes no emerging phrase: the test would prove little")
	}
	cases := []struct {
		parts int
		all   bool // the second pass offers every complete row, as a reader of whole rows does
	}{{1, false}, {3, false}, {3, true}}
	for _, tc := range cases {
		parts := tc.parts
		comps := make([]*kpi.Computer, parts)
		for i := range comps {
			comps[i] = kpi.NewComputer(c, q, kpi.UniqueIDs(), kpi.DeferPhraseQuotes())
		}
		// offer folds each row without its id and text, as the pipeline does, and passes the
		// complete rows fold asks for to AddQuotes.
		offer := func(comp *kpi.Computer, rows []table.ScoredFeedback, fold func(*table.ScoredFeedback) bool) {
			var full []table.ScoredFeedback
			for _, row := range rows {
				bare := row
				bare.ID, bare.Text = "", ""
				if fold(&bare) {
					full = append(full, row)
				}
			}
			comp.AddQuotes(full)
		}
		for i, comp := range comps {
			offer(comp, fb[i*len(fb)/parts:(i+1)*len(fb)/parts], comp.FoldRow)
		}
		for _, o := range comps[1:] {
			if err := comps[0].Merge(o); err != nil {
				t.Fatal(err)
			}
		}
		comp := comps[0]
		if !comp.QuotePhrases() {
			t.Fatalf("%d parts: no phrase emerges, but the single pass has %d quotes of emerging phrases", parts, quoted)
		}
		again := append([]table.ScoredFeedback(nil), fb...)
		r.Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] }) // any order
		for lo := 0; lo < len(again); lo += 100 {
			fold := comp.MayQuote
			if tc.all {
				fold = func(*table.ScoredFeedback) bool { return true }
			}
			offer(comp, again[lo:min(lo+100, len(again))], fold)
		}
		if got := docJSON(t, comp); !bytes.Equal(got, want) {
			t.Errorf("%d parts, all rows %v: document differs from the single pass\n%s", parts, tc.all, firstDiff(got, want))
		}
	}
}
