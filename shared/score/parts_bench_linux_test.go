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
	"github.com/civicpulse/civicpulse/shared/score/sentiment"
)

func samplePosts(b *testing.B) []string {
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

// BenchmarkParts splits BenchmarkScorer by stage, to see where the time goes.
func BenchmarkParts(b *testing.B) {
	ps := samplePosts(b)
	s := New(config.DefaultTopics(), WithPlaces("Downtown", "East End", "Northside", "Riverside", "Westgate"))
	an := sentiment.New(sentiment.Civic)
	b.Run("sentiment", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			an.Score(ps[i%len(ps)])
		})
	})
	b.Run("tokens", func(b *testing.B) {
		var buf [64]token
		cpuLoop(b, func(i int) {
			lowerTokens(ps[i%len(ps)], buf[:0])
		})
	})
	b.Run("annotate", func(b *testing.B) {
		var buf [64]token
		cpuLoop(b, func(i int) {
			toks, _ := lowerTokens(ps[i%len(ps)], buf[:0])
			s.lex.annotate(toks)
		})
	})
	b.Run("topics", func(b *testing.B) {
		var buf [64]token
		cpuLoop(b, func(i int) {
			toks, _ := lowerTokens(ps[i%len(ps)], buf[:0])
			s.lex.annotate(toks)
			s.topics.matchTokens(toks)
		})
	})
	b.Run("keyphrases", func(b *testing.B) {
		var buf [64]token
		cpuLoop(b, func(i int) {
			toks, lower := lowerTokens(ps[i%len(ps)], buf[:0])
			s.lex.annotate(toks)
			keyphrases(lower, toks)
		})
	})
	b.Run("places", func(b *testing.B) {
		var buf [64]token
		cpuLoop(b, func(i int) {
			toks, _ := lowerTokens(ps[i%len(ps)], buf[:0])
			s.lex.annotate(toks)
			s.places.places(ps[i%len(ps)], toks)
		})
	})
	b.Run("all", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			s.Score(ps[i%len(ps)])
		})
	})
}
