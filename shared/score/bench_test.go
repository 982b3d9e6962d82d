package score_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/score"
)

var (
	postsOnce sync.Once
	posts     []string
)

// realisticPosts returns the sample city's tweets, each also in variations (other streets,
// an added complaint or thanks, upper case, a hashtag), so a benchmark does not run on a few
// cached strings: about 100k distinct posts.
func realisticPosts(tb testing.TB) []string {
	postsOnce.Do(func() {
		files, err := sample.Generate(sample.DefaultSeed)
		if err != nil {
			tb.Fatal(err)
		}
		var base []string
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
				tb.Fatalf("%s: %v", f.Key, err)
			}
			for _, d := range page.Data {
				base = append(base, d.Text)
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		extras := []string{"", " Still waiting on 311.", " Thanks to the crew on 5th Street!", " #fixit", " This is ridiculous.",
			" Near Lincoln Park.", " Third time this month.", " Great job, city!"}
		for i := 0; len(posts) < 100_000; i++ {
			t := base[i%len(base)]
			if i >= len(base) {
				t += extras[r.IntN(len(extras))]
				if r.IntN(10) == 0 {
					t = strings.ToUpper(t)
				}
			}
			posts = append(posts, t)
		}
	})
	if len(posts) == 0 {
		tb.Fatal("no sample posts")
	}
	return posts
}

// BenchmarkScorer is the whole scorer (sentiment, topics, keyphrases, places) on one core.
func BenchmarkScorer(b *testing.B) {
	ps := realisticPosts(b)
	s := score.New(config.DefaultTopics(), score.WithPlaces("Downtown", "East End", "Northside", "Riverside", "Westgate"))
	var bytes int64
	for _, p := range ps[:1000] {
		bytes += int64(len(p))
	}
	b.SetBytes(bytes / 1000)
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	i := 0
	var cpu0 time.Duration
	for b.Loop() {
		if i == 0 {
			cpu0, _ = threadCPU()
		}
		s.Score(ps[i%len(ps)])
		i++
	}
	reportRates(b, i, cpu0)
}

// reportRates reports posts per wall second and, where the OS tells, per CPU second of the
// benchmark's thread: the per-core throughput, even on a machine busy with other work.
func reportRates(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
	if cpu1, ok := threadCPU(); ok && cpu1 > cpu0 {
		b.ReportMetric(float64(n)/(cpu1-cpu0).Seconds(), "posts/cpu-s")
	}
}

// BenchmarkTopics is the compiled matcher alone.
func BenchmarkTopics(b *testing.B) {
	ps := realisticPosts(b)
	m := score.NewMatcher(config.DefaultTopics())
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	i := 0
	var cpu0 time.Duration
	for b.Loop() {
		if i == 0 {
			cpu0, _ = threadCPU()
		}
		m.Match(ps[i%len(ps)])
		i++
	}
	reportRates(b, i, cpu0)
}

// BenchmarkNew is the cold start: parsing the taxonomy and building the scorer.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		score.New(config.DefaultTopics())
	}
}

func BenchmarkScore(b *testing.B) {
	s := score.New(config.DefaultTopics())
	text := "Third week in a row the trash pickup on Oak Street was missed, and the potholes are getting worse. Not happy!"
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.Score(text)
	}
}

func ExampleScorer_Score() {
	s := score.New(config.DefaultTopics(), score.WithPlaces("East End"))
	r := s.Score("Still waiting: the streetlights on Maple Ave in the East End have been out for weeks")
	fmt.Println(r.SentimentLabel, r.PrimaryTopic, r.Topics)
	fmt.Println(r.Places)
	fmt.Println(r.Keyphrases)
	// Output:
	// negative roads [roads]
	// [Maple Avenue East End]
	// [waiting streetlight maple ave east end]
}
