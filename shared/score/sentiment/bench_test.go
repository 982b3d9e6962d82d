package sentiment_test

import (
	"testing"

	"github.com/civicpulse/civicpulse/shared/score/sentiment"
)

// posts are short residents' posts of typical length (60-140 bytes).
var posts = []string{
	"Still waiting for someone to fix the pothole on Elm Street, reported it in March.",
	"Thank you for fixing the streetlight so quickly! The crew was great 👍",
	"When is trash pickup on Maple Avenue?",
	"The bus was late AGAIN, waited 40 minutes in the rain. Not acceptable.",
	"Love the new bike lanes on Market Street, but drivers keep parking in them.",
	"Nobody came to pick up the bulk trash even though I scheduled it two weeks ago.",
	"Great job city... not.",
	"The park restrooms are filthy and locked half the time :(",
}

func benchmark(b *testing.B, fn func(string)) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		fn(posts[n%len(posts)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
}

func BenchmarkCompound(b *testing.B) {
	for _, mode := range []sentiment.Mode{sentiment.Civic, sentiment.VADER} {
		a := sentiment.New(mode)
		b.Run(mode.String(), func(b *testing.B) { benchmark(b, func(s string) { a.Compound(s) }) })
	}
}

func BenchmarkScore(b *testing.B) {
	for _, mode := range []sentiment.Mode{sentiment.Civic, sentiment.VADER} {
		a := sentiment.New(mode)
		b.Run(mode.String(), func(b *testing.B) { benchmark(b, func(s string) { a.Score(s) }) })
	}
}

func BenchmarkInit(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sentiment.New(sentiment.Civic)
	}
}
