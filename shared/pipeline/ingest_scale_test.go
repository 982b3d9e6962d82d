package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/internal/socialgen"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// writeSocialExport writes an X v2 JSONL export of n posts (7 s apart from 2026-01-01, so a
// million span about three months) to w without holding it in memory.
func writeSocialExport(w io.Writer, n int) error { return socialgen.WriteExport(w, n) }

// scaleStore is a directory store whose inbox holds one generated export of n tweets.
func scaleStore(tb testing.TB, n int) (*store.Dir, *config.City) {
	tb.Helper()
	dir := tb.TempDir()
	p := filepath.Join(dir, "inbox", "tw", "export.jsonl")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := writeSocialExport(f, n); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := store.NewDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return st, &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
}

// BenchmarkIngestFile is the whole ingest stage on one inbox file of generated social posts
// in a directory store: hash, copy to raw/, parse, redact, dedupe against the id index,
// encode Parquet, write. peak-heap-MB is the live heap's peak during the run; it should not
// grow with the file.
//
//	go test -run '^$' -bench IngestFile -benchtime 1x -cpu 1 ./shared/pipeline
func BenchmarkIngestFile(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("records=%dk", n/1000), func(b *testing.B) {
			var cpu time.Duration
			var peak uint64
			records := 0
			for b.Loop() {
				b.StopTimer()
				st, city := scaleStore(b, n)
				runtime.GC()
				stop := measure.HeapPeak()
				cpu0 := measure.ProcessCPU()
				b.StartTimer()
				sum, err := pipeline.Ingest(context.Background(), st, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)})
				b.StopTimer()
				cpu += measure.ProcessCPU() - cpu0
				peak = max(peak, stop())
				if err != nil {
					b.Fatal(err)
				}
				if sum.Feedback != n {
					b.Fatalf("wrote %d rows; want %d", sum.Feedback, n)
				}
				records += sum.Feedback
				b.StartTimer()
			}
			b.ReportMetric(float64(records)/cpu.Seconds(), "records/cpu-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// TestIngestMemoryIsFlat ingests one export of 50,000 posts and one of 400,000 (56 MB): the
// live heap peaks about as high for both, and under 48 MB. Records stream from the parser to
// the Parquet writers, which hold a row group at most, and the batch's own ids are kept as
// stored ids are (a map of a few thousand, then sorted runs in files behind a Bloom filter
// outside the heap). Holding the file's records at once, as ingest once did, peaked near
// 600 MB for 200,000; a map of the batch's ids, as it did until stop 13, grew by 13 bytes a
// record (9 MB more live heap for the bigger file; now about 1.5 MB).
func TestIngestMemoryIsFlat(t *testing.T) {
	small, big, bound, growth := 50_000, 400_000, uint64(48<<20), uint64(3<<20)
	if raceEnabled {
		small, big = 5_000, 40_000 // the race detector is ten times slower
	}
	peaks := map[int]uint64{}
	for _, n := range []int{small, big} {
		// The median of three runs: on a busy machine one run's peak came out 3 MB high.
		peaks[n] = measure.Median(3, func() uint64 {
			st, city := scaleStore(t, n)
			runtime.GC()
			stop := measure.LivePeak()
			sum, err := pipeline.Ingest(context.Background(), st, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)})
			peak := stop()
			if err != nil {
				t.Fatal(err)
			}
			if sum.Feedback != n || sum.Duplicates != 0 || sum.Bad != 0 {
				t.Fatalf("ingest %+v; want %d rows", sum, n)
			}
			return peak
		})
		t.Logf("%d records: live heap peaked at %.1f MB (median of 3)", n, float64(peaks[n])/(1<<20))
	}
	if peaks[big] > bound {
		t.Errorf("live heap peaked at %.1f MB ingesting %d records; want under %d MB", float64(peaks[big])/(1<<20), big, bound>>20)
	}
	if !raceEnabled && peaks[big] > peaks[small]+growth {
		t.Errorf("live heap peaked at %.1f MB for %d records, %.1f MB for %d: want at most %d MB more",
			float64(peaks[big])/(1<<20), big, float64(peaks[small])/(1<<20), small, growth>>20)
	}
}
