package pipeline_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/pipeline"
)

// An export whose rows fall in many months, in any order of months, costs ingest about the
// memory of one whose rows are all in one month: one month's object is written at a time,
// the other months' rows wait on disk. A Parquet writer open for each month would hold its
// column buffers (over a megabyte each) all the while.
func TestIngestMemoryIgnoresMonthsOfAFile(t *testing.T) {
	const months, cycles, run = 8, 15, 100 // 12,000 rows
	// Collected often, the heap's peak is about what is live, which is what the writers hold.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	var interleaved, oneMonth [][3]int
	for c := range cycles {
		for m := range months {
			interleaved = append(interleaved, [3]int{1 + m, (m*cycles + c) * run, run})
		}
	}
	oneMonth = append(oneMonth, [3]int{1, 0, months * cycles * run})
	peaks := map[string]uint64{}
	for _, tc := range []struct {
		name   string
		runs   [][3]int
		months int
	}{
		{"one month", oneMonth, 1},
		{fmt.Sprintf("%d months back and forth", months), interleaved, months},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			city := &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
			export := monthsExport(tc.runs...)
			// The lower of two runs, each into a new store: what else the process does (other
			// tests' leftovers, the collector's pace) only adds to a peak.
			var sum pipeline.IngestSummary
			for try := range 2 {
				st := dirStore(t)
				if err := st.Put(ctx, "inbox/tw/x.jsonl", strings.NewReader(export)); err != nil {
					t.Fatal(err)
				}
				runtime.GC()
				stop := measure.HeapPeak()
				s, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)})
				peak := stop()
				if err != nil {
					t.Fatal(err)
				}
				if try == 0 || peak < peaks[tc.name] {
					peaks[tc.name] = peak
				}
				if try == 0 {
					sum = s
				}
			}
			if sum.Feedback != months*cycles*run {
				t.Fatalf("ingest stored %d rows; want %d", sum.Feedback, months*cycles*run)
			}
			if objs := len(sum.Objects); objs != tc.months {
				t.Errorf("ingest wrote %d objects %v; want one per month, %d", objs, sum.Objects, tc.months)
			}
			t.Logf("live heap peaked at %.1f MB", float64(peaks[tc.name])/(1<<20))
		})
	}
	one, many := peaks["one month"], peaks[fmt.Sprintf("%d months back and forth", months)]
	if !raceEnabled && many > one+(2<<20) {
		t.Errorf("live heap peaked at %.1f MB for %d months back and forth, %.1f MB for one month; want at most 2 MB more",
			float64(many)/(1<<20), months, float64(one)/(1<<20))
	}
}
