package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/table"
)

var socialTexts = []string{
	"The bus was late again this morning, third time this week",
	"Love the new bike lanes downtown! Great job everyone #BikeSpringfield",
	"Why does it take so long to fix a streetlight? Reported it weeks ago",
	"Route %d skipped my stop at %d:%02d, @SpringfieldCity please look into it",
	"Pothole at %d Maple Ave is swallowing cars, call me %03d-555-%04d",
	"Trash pickup missed on our block again. Who do I talk to?",
	"@neighbor_%d thanks for shoveling the sidewalk!",
	"Email me at resident%d@example.com about the permit, paid $%d already",
	"Parks department did an amazing job with the summer concerts",
	"Noise from the construction site starts at 6am every day, this is ridiculous",
}

// socialExport is an X v2 JSONL export of n tweets, 100 per page, with realistic text: most
// posts have no digits or '@', some have numbers, a few have PII.
func socialExport(n int) []byte {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	type tw struct {
		ID        string `json:"id"`
		Text      string `json:"text"`
		AuthorID  string `json:"author_id"`
		CreatedAt string `json:"created_at"`
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for p := 0; p < n; p += 100 {
		page := struct {
			Data []tw `json:"data"`
		}{}
		for i := p; i < min(p+100, n); i++ {
			text := socialTexts[r.IntN(len(socialTexts))]
			switch text {
			case socialTexts[3]:
				text = fmt.Sprintf(text, 1+r.IntN(99), 1+r.IntN(12), r.IntN(60))
			case socialTexts[4]:
				text = fmt.Sprintf(text, 1+r.IntN(9999), 200+r.IntN(700), r.IntN(10000))
			case socialTexts[6]:
				text = fmt.Sprintf(text, r.IntN(1000))
			case socialTexts[7]:
				text = fmt.Sprintf(text, r.IntN(1000), 10+r.IntN(500))
			}
			page.Data = append(page.Data, tw{ID: fmt.Sprint(1_000_000_000 + i), Text: text, AuthorID: fmt.Sprint(r.IntN(50000)),
				CreatedAt: base.Add(time.Duration(i) * 7 * time.Second).Format("2006-01-02T15:04:05.000Z")})
		}
		enc.Encode(page)
	}
	return buf.Bytes()
}

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
