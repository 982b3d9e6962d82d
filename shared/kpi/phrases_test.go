package kpi_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// manyPhrases is a city with a long list of emerging topics, and rows of the five quarters
// it compares over (and of one before) with keyphrases from a vocabulary of thousands, a skewed
// few common, many rising this quarter, some written in other cases or spacing, listed twice,
// empty, or of bytes that are no text.
func manyPhrases(t testing.TB, r *rand.Rand, n int) (*config.City, []table.ScoredFeedback) {
	c := allKinds(t)
	c.Emerging.Top, c.Emerging.MinCount = 25, 3
	loc := c.Location()
	start := time.Date(2025, 4, 1, 0, 0, 0, 0, loc) // a quarter before the baseline
	cur := time.Date(2026, 7, 1, 0, 0, 0, 0, loc)
	span := int64(time.Date(2026, 10, 1, 0, 0, 0, 0, loc).Sub(start))
	odd := []string{"", "  ", "Lead  Pipes", "lead pipes", "a\x00b", "a", "café crème", "Café Crème", "\xff\xfe", "zz top"}
	phrase := func(now bool) string {
		if r.IntN(20) == 0 {
			return odd[r.IntN(len(odd))]
		}
		i := int(r.ExpFloat64() * 600)
		if now && r.IntN(3) == 0 {
			i = 7 * r.IntN(400) // rising: every seventh phrase
		}
		if i%5 == 1 {
			return fmt.Sprintf("Phrase %d", i) // counted as "phrase i"
		}
		return fmt.Sprintf("phrase %d", i)
	}
	fb := make([]table.ScoredFeedback, n)
	for i := range fb {
		at := start.Add(time.Duration(r.Int64N(span))).Truncate(time.Millisecond).UTC()
		eng := r.Int64N(30)
		f := table.Feedback{ID: fmt.Sprintf("p%07d", i), Source: "x", Channel: table.ChannelSocial, CreatedAt: at,
			Engagement: &eng, Text: fmt.Sprintf("resident %d wrote at length about a phrase of the city", i)}
		a := fmt.Sprintf("author%04d", r.IntN(3000))
		f.AuthorKey = &a
		s := table.Scores{SentimentLabel: "neutral", Sentiment: float64(r.IntN(9))/4 - 1}
		for range r.IntN(6) {
			p := phrase(!at.Before(cur))
			s.Keyphrases = append(s.Keyphrases, p)
			if r.IntN(10) == 0 {
				s.Keyphrases = append(s.Keyphrases, p) // listed twice, counted once
			}
		}
		fb[i] = table.Scored(f, s)
	}
	return c, fb
}

// Keyphrase counts spilled to temporary files (PhraseMemory) and merged back give exactly the
// emerging topics, counts and quotes of counts kept in one map, on any split of the rows and
// whichever parts spilled.
func TestSpilledPhrasesEqualMemory(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	c, fb := manyPhrases(t, r, 12000)
	q := kpi.Quarter{FY: 2027, Q: 1}
	whole := kpi.NewComputer(c, q)
	whole.AddFeedback(fb)
	want := docJSON(t, whole)
	doc := whole.Document(time.Unix(0, 0))
	if len(doc.Emerging) != c.Emerging.Top || len(doc.Emerging[0].Quotes) == 0 {
		t.Fatalf("the fixture has %d emerging topics, the first with %d quotes; want %d with quotes: the test would prove little",
			len(doc.Emerging), len(doc.Emerging[0].Quotes), c.Emerging.Top)
	}
	cases := []struct {
		name   string
		parts  int
		memory []int // PhraseMemory of each part, in turn; 0 for the default
		spills bool  // whether some part must spill
	}{
		{"default memory", 1, []int{0}, false},
		{"one part spilling", 1, []int{3000}, true},
		{"parts all spilling", 3, []int{3000, 20000, 3000}, true},
		{"spilling and not", 4, []int{0, 5000, 0, 2000}, true},
		{"one spilling after others", 3, []int{0, 0, 4000}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			open := openSpillFiles(t)
			parts := make([]*kpi.Computer, tc.parts)
			for i := range parts {
				opts := []kpi.Option{kpi.UniqueIDs(), kpi.DeferPhraseQuotes()}
				if m := tc.memory[i%len(tc.memory)]; m > 0 {
					opts = append(opts, kpi.PhraseMemory(m))
				}
				parts[i] = kpi.NewComputer(c, q, opts...)
			}
			for i := range fb {
				parts[r.IntN(len(parts))].FoldRow(&fb[i])
				if i == len(fb)/2 {
					parts[0].Document(time.Unix(0, 0)) // read halfway: the counts read must not stay
				}
			}
			var records int64
			for _, p := range parts {
				n, _ := p.PhraseSpills()
				records += n
			}
			for _, o := range parts[1:] {
				if err := parts[0].Merge(o); err != nil {
					t.Fatalf("merge: %v", err)
				}
			}
			comp := parts[0]
			if n, _ := comp.PhraseSpills(); tc.spills != (records > 0) || n < records {
				t.Fatalf("%d records spilled by the parts, %d after merging; want some: %v, and none lost", records, n, tc.spills)
			}
			// Before the second pass: the same topics, without quotes.
			early := comp.Document(time.Unix(0, 0)).Emerging
			if len(early) != len(doc.Emerging) {
				t.Fatalf("%d emerging topics before quoting; want %d", len(early), len(doc.Emerging))
			}
			for i, e := range early {
				w := doc.Emerging[i]
				w.Quotes = nil
				if fmt.Sprint(e) != fmt.Sprint(w) {
					t.Errorf("emerging topic %d before quoting: got %+v; want %+v", i, e, w)
				}
			}
			if !comp.QuotePhrases() {
				t.Fatal("QuotePhrases: no phrase emerges; want some")
			}
			for lo := 0; lo < len(fb); lo += 500 {
				comp.AddQuotes(fb[lo:min(lo+500, len(fb))])
			}
			if err := comp.Err(); err != nil {
				t.Fatalf("Err() = %v; want nil", err)
			}
			if got := docJSON(t, comp); !bytes.Equal(got, want) {
				t.Errorf("document differs from the one of counts in memory\n%s", firstDiff(got, want))
			}
			closeAll(t, open, parts)
		})
	}
}

// A computer whose keyphrase counts cannot go to temporary files reports it (Err, Merge)
// rather than give a document without them.
func TestPhraseSpillError(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	r := rand.New(rand.NewPCG(13, 14))
	c, fb := manyPhrases(t, r, 3000)
	q := kpi.Quarter{FY: 2027, Q: 1}
	a := kpi.NewComputer(c, q, kpi.UniqueIDs(), kpi.DeferPhraseQuotes(), kpi.PhraseMemory(500))
	a.AddFeedback(fb)
	if a.Err() == nil {
		t.Fatal("Err() = nil after spilling into a missing directory; want an error")
	}
	b := kpi.NewComputer(c, q, kpi.UniqueIDs(), kpi.DeferPhraseQuotes())
	if err := b.Merge(a); err == nil {
		t.Error("Merge of a computer that lost keyphrase counts = nil; want an error")
	}
}

// The memory a computer that defers phrase quotes holds for keyphrase counts stays flat as
// their vocabulary grows: counts in one map took about 90 bytes a phrase, 35 MB more for the
// larger vocabulary here.
func TestPhraseMemoryFlat(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	at := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC) // in the quarter
	fold := func(t *testing.T, distinct int) (peak uint64) {
		runtime.GC()
		stop := measure.HeapPeak()
		comp := kpi.NewComputer(c, q, kpi.UniqueIDs(), kpi.DeferPhraseQuotes())
		row := table.ScoredFeedback{Source: "x", Channel: table.ChannelSocial, CreatedAt: at, SentimentLabel: "neutral"}
		for i := 0; i < distinct; i += 2 {
			row.Keyphrases = append(row.Keyphrases[:0], "word "+strconv.Itoa(i), "word "+strconv.Itoa(i+1))
			comp.FoldRow(&row)
		}
		doc := comp.Document(time.Unix(0, 0)) // reads every count back
		peak = stop()
		if records, _ := comp.PhraseSpills(); records == 0 || doc.Feedback != int64(distinct/2) {
			t.Fatalf("%d phrases: %d records spilled, %d feedback; want some and %d", distinct, records, doc.Feedback, distinct/2)
		}
		t.Logf("%d phrases: live heap peaked at %.1f MB", distinct, float64(peak)/(1<<20))
		return peak
	}
	small := fold(t, 60_000)
	large := fold(t, 400_000)
	if bound := uint64(8 << 20); large > small+bound {
		t.Errorf("live heap peaked at %.1f MB with 400000 phrases, %.1f MB with 60000; want at most %.0f MB more",
			float64(large)/(1<<20), float64(small)/(1<<20), float64(bound)/(1<<20))
	}
}

// BenchmarkFoldRowPhrases folds rows with keyphrases into a computer that defers their
// quotes, as the KPI stage does: per row, the phrases are normalized, deduplicated and
// counted.
func BenchmarkFoldRowPhrases(b *testing.B) {
	r := rand.New(rand.NewPCG(17, 18))
	c, fb := manyPhrases(b, r, 1<<15)
	comp := kpi.NewComputer(c, kpi.Quarter{FY: 2027, Q: 1}, kpi.UniqueIDs(), kpi.DeferPhraseQuotes())
	i := 0
	for b.Loop() {
		comp.FoldRow(&fb[i%len(fb)])
		i++
	}
}
