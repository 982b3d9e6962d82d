package kpi_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Author sets and close times that spill to temporary files give exactly the document of the
// in-memory ones (unique contributors, the median, p90 and interval of time to close, Mood's
// test against the previous quarter): in one pass and merged from parts, finished or not,
// with the spilled runs in memory or in files.
func TestSpilledAggregatesEqualInMemory(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	r := rand.New(rand.NewPCG(5, 6))
	fb, ans := lake(c, r, 6000, 300)
	whole := kpi.NewComputer(c, q)
	whole.AddFeedback(fb)
	whole.AddAnswers(ans)
	want := docJSON(t, whole)
	if recs, _ := whole.AggregateSpills(); recs != 0 {
		t.Fatalf("%d records spilled at the default limits; want none", recs)
	}
	for _, tc := range []struct {
		name                     string
		slots, durs, sorterBytes int
		parts                    int
		finish                   bool
	}{
		{"one pass, runs in memory", 64, 16, 0, 1, false},
		{"one pass, runs in files", 64, 16, 256, 1, false},
		{"merged parts", 64, 16, 256, 4, false},
		{"merged finished parts", 16, 5, 128, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kpi.SpillAggregates(t, tc.slots, tc.durs, tc.sorterBytes)
			open := openSpillFiles(t)
			parts := make([]*kpi.Computer, tc.parts)
			fbs := make([][]table.ScoredFeedback, tc.parts)
			for _, row := range fb {
				i := r.IntN(tc.parts)
				fbs[i] = append(fbs[i], row)
			}
			for i := range parts {
				parts[i] = kpi.NewComputer(c, q)
				parts[i].AddFeedback(fbs[i])
				if tc.finish {
					parts[i].Finish()
				}
			}
			parts[0].AddAnswers(ans)
			for _, p := range parts[1:] {
				if err := parts[0].Merge(p); err != nil {
					t.Fatal(err)
				}
			}
			got := docJSON(t, parts[0])
			if err := parts[0].Err(); err != nil {
				t.Fatal(err)
			}
			recs, files := parts[0].AggregateSpills()
			t.Logf("%d author hashes and close times spilled, in %d files", recs, files)
			if recs == 0 || tc.sorterBytes > 0 && files == 0 {
				t.Errorf("%d records spilled, %d files; the test would prove little", recs, files)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("document differs from the in-memory one\n%s", firstDiff(got, want))
			}
			closeAll(t, open, parts)
		})
	}
}

// BenchmarkAggregateMemory folds service requests of one quarter, half of them by new
// authors, and computes the document: unique contributors and time to close are the
// aggregates that grow with the rows. It reports the CPU time (making the rows included) and
// the heap's peak, which spilling holds near the limits however many the rows:
//
//	go test ./shared/kpi -run '^$' -bench AggregateMemory -benchtime 1x
func BenchmarkAggregateMemory(b *testing.B) {
	city, err := config.Load(strings.NewReader(`
name: Memville
timezone: America/Chicago
fiscal_year_start_month: 7
sources: [{id: sr, format: twitter}]
kpis:
  - {id: uniq, label: Residents, kind: unique_contributors, target: 100, direction: higher, owner: o}
  - {id: ttc, label: Days to close, kind: time_to_close, target: 5, direction: lower, owner: o}
`), "city.yaml")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 7, 1, 0, 0, 0, 0, city.Location())
	for _, n := range []int{2 << 20, 8 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("rows=%dM", n>>20), func(b *testing.B) {
			var peak uint64
			var cpu time.Duration
			for b.Loop() {
				r := rand.New(rand.NewPCG(1, 2))
				rows := make([]table.ScoredFeedback, 1<<12)
				closed := make([]time.Time, len(rows))
				runtime.GC()
				stop := measure.HeapPeak()
				cpu0 := measure.ProcessCPU()
				c := kpi.NewComputer(city, kpi.Quarter{FY: 2027, Q: 1}, kpi.UniqueIDs())
				for done := 0; done < n; done += len(rows) {
					for i := range rows {
						at := start.Add(time.Duration(r.Int64N(int64(80 * 24 * time.Hour)))).Truncate(time.Millisecond)
						closed[i] = at.Add(time.Duration(r.ExpFloat64() * float64(72*time.Hour))).Truncate(time.Millisecond)
						author := strconv.Itoa(r.IntN(n / 2))
						rows[i] = table.ScoredFeedback{Source: "sr", Channel: table.ChannelServiceRequest,
							CreatedAt: at, ClosedAt: &closed[i], AuthorKey: &author}
					}
					c.AddFeedback(rows)
				}
				doc := c.Document(time.Unix(0, 0))
				cpu += measure.ProcessCPU() - cpu0
				peak = max(peak, stop())
				if err := c.Err(); err != nil {
					b.Fatal(err)
				}
				if doc.KPIs[1].N != int64(n) || *doc.KPIs[0].Value < float64(n)/3 {
					b.Fatalf("n %d, unique %v; want %d rows of about %d authors", doc.KPIs[1].N, *doc.KPIs[0].Value, n, n*2/5)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// A computer whose author hashes, close times or survey responses cannot go to temporary
// files reports it (Err), and so does one it is merged into, rather than give a document
// without them.
func TestSpillErrorsReported(t *testing.T) {
	c := allKinds(t)
	q := kpi.Quarter{FY: 2027, Q: 1}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T)
		opts  []kpi.Option
	}{
		{"author hashes", func(t *testing.T) { kpi.SpillAggregates(t, 16, 1<<30, 128) }, nil},
		{"close times", func(t *testing.T) { kpi.SpillAggregates(t, 1<<21, 5, 128) }, nil},
		{"survey responses", func(t *testing.T) {}, []kpi.Option{kpi.SurveyLimit(64)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
			fb, ans := lake(c, rand.New(rand.NewPCG(21, 22)), 3000, 300)
			a := kpi.NewComputer(c, q, tc.opts...)
			a.AddFeedback(fb)
			a.AddAnswers(ans)
			a.Document(time.Unix(0, 0))
			if a.Err() == nil {
				t.Fatal("Err() = nil after spilling into a missing directory; want an error")
			}
			b := kpi.NewComputer(c, q, tc.opts...)
			b.Merge(a)
			b.Document(time.Unix(0, 0))
			if b.Err() == nil {
				t.Error("Err() of the computer merged into = nil; want the part's error")
			}
			closeAll(t, 0, []*kpi.Computer{a, b})
		})
	}
}
