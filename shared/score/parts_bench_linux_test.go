package score

import (
	"encoding/json"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
)

func samplePosts(b testing.TB) []string {
	files, err := sample.Generate(sample.DefaultSeed)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasPrefix(f.Key, "inbox/twitter/") {
			continue
		}
		var page struct {
			Data []struct {
				Text string `json:"text"`
			} `json:"data"`
		}
		if err := json.Unmarshal(f.Data, &page); err != nil {
			b.Fatal(err)
		}
		for _, d := range page.Data {
			out = append(out, d.Text)
		}
	}
	return out
}

func partCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuLoop runs f b.N times on a locked thread and reports CPU ns per op.
func cpuLoop(b *testing.B, f func(i int)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	i := 0
	var c0 time.Duration
	for b.Loop() {
		if i == 0 {
			c0 = partCPU()
		}
		f(i)
		i++
	}
	b.ReportMetric(float64(partCPU()-c0)/float64(i), "cpu-ns/op")
}

// BenchmarkParts splits BenchmarkScorer by stage, to see where the time goes: each stage
// after "scan" (sentiment, which also finds the plain words) runs on top of "tokens".
func BenchmarkParts(b *testing.B) {
	ps := samplePosts(b)
	s := New(config.DefaultTopics(), WithPlaces("Downtown", "East End", "Northside", "Riverside", "Westgate"))
	w := new(work)
	b.Run("scan", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			s.sentiment.Scan(ps[i%len(ps)], &w.sent)
		})
	})
	b.Run("tokens", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			s.scan(w, ps[i%len(ps)])
		})
	})
	b.Run("topics", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			toks, _ := s.scan(w, ps[i%len(ps)])
			w.strs, _ = s.topics.matchTokens(w.strs[:0], toks)
		})
	})
	b.Run("keyphrases", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			toks, lower := s.scan(w, ps[i%len(ps)])
			w.scratch = w.scratch[:0]
			w.strs = appendKeyphrases(w.strs[:0], &w.scratch, lower, toks)
		})
	})
	b.Run("places", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			toks, _ := s.scan(w, ps[i%len(ps)])
			w.scratch = w.scratch[:0]
			w.strs = s.places.appendPlaces(w.strs[:0], &w.scratch, ps[i%len(ps)], toks)
		})
	})
	b.Run("all", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			s.Score(ps[i%len(ps)])
		})
	})
}
