package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/internal/socialgen"
	"github.com/civicpulse/civicpulse/shared/table"
)

// socialExport is an X v2 JSONL export of n posts with realistic text: most posts have no
// digits or '@', some have numbers, a few have PII.
func socialExport(n int) []byte { return socialgen.Export(n) }

// BenchmarkIngestSocial measures parse + redact + Parquet encode of one X export per op, on
// one core. records/s is per core; peak-heap-MB is the live heap's peak over all ops, which
// stays flat as the number of ops (total input) grows; it holds the export itself (the
// benchmark's input, in memory) and at most a row group per month of records. The whole
// ingest stage on one file, store included: BenchmarkIngestFile in shared/pipeline.
// Records stream from the parser to the writers as the ingest stage streams them
// (streamSocial). The 1M-record figure: go test -run '^$' -bench 'IngestSocial/file=10k' -benchtime 100x -cpu 1
func BenchmarkIngestSocial(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("file=%dk", n/1000), func(b *testing.B) {
			raw := socialExport(n)
			opts := ingest.Options{Source: config.Source{ID: "twitter", Format: "twitter"}, Location: time.UTC, IngestedAt: ingestTime}
			red := &ingest.Redactor{Key: []byte("secret"), PublicHandles: map[string]bool{"springfieldcity": true}}
			runtime.GC()
			stop := measure.HeapPeak()
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := measure.ProcessCPU()
			records := 0
			for b.Loop() {
				n, err := streamSocial(bytes.NewReader(raw), opts, red)
				if err != nil {
					b.Fatal(err)
				}
				records += n
			}
			b.StopTimer()
			cpu := measure.ProcessCPU() - cpu0
			peak := stop()
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			// Per CPU-second of the process: the per-core figure, true even on a busy machine.
			b.ReportMetric(float64(records)/cpu.Seconds(), "records/cpu-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(records), "records")
		})
	}
}

// streamSocial is the ingest stage's work on one export without the store: records stream
// from the parser, are redacted and go to a Parquet writer per month, which holds at most a
// row group. It returns the number of rows written.
func streamSocial(r io.Reader, opts ingest.Options, red *ingest.Redactor) (int, error) {
	writers := map[string]*table.Writer[table.Feedback]{}
	rows := 0
	var werr error
	_, err := ingest.Stream(r, "x.jsonl", opts, func(it *ingest.Item) {
		f := red.Feedback(it)
		w := writers[f.Month]
		if w == nil {
			w = table.NewWriter[table.Feedback](io.Discard)
			writers[f.Month] = w
		}
		if err := w.Add(f); err != nil && werr == nil {
			werr = err
		}
		rows++
	}, nil)
	if err != nil {
		return 0, err
	}
	for _, w := range writers {
		if err := w.Close(); err != nil && werr == nil {
			werr = err
		}
	}
	return rows, werr
}

// BenchmarkRedact is the redactor alone on the same texts.
func BenchmarkRedact(b *testing.B) {
	raw := socialExport(10_000)
	batch, _ := ingest.Parse(bytes.NewReader(raw), "x.jsonl", ingest.Options{Source: config.Source{ID: "t", Format: "twitter"}})
	r := &ingest.Redactor{Key: []byte("k")}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, it := range batch.Items {
			r.Text(it.Feedback.Text)
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
}
