package score_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score"
)

func TestSentimentSign(t *testing.T) {
	s := score.New(config.DefaultTopics())
	tests := []struct{ text, want string }{
		{"Thank you for fixing the streetlight so quickly, great work!", score.Positive},
		{"The potholes on Maple Ave are terrible and dangerous.", score.Negative},
		{"The council meets on Tuesday.", score.Neutral},
		{"The park is not clean at all", score.Negative},
		{"I LOVE the new bike lanes!!!", score.Positive},
	}
	for _, tt := range tests {
		if got := s.Score(tt.text); got.SentimentLabel != tt.want {
			t.Errorf("Score(%q) = %+v; want %s", tt.text, got, tt.want)
		}
	}
}

func TestTopics(t *testing.T) {
	m := score.NewMatcher(config.DefaultTopics())
	tests := []struct {
		text    string
		topics  string
		primary string
	}{
		{"Huge pothole on 5th Street, and the streetlight is out", "roads", "roads"},
		{"Trash pickup missed again and rats everywhere", "sanitation", "sanitation"},
		{"Encampment by the river; the shelter is full", "homelessness", "homelessness"},
		{"Couldn't park my car near the library", "roads", "roads"},
		{"Nice day at the park, but the road to it is full of potholes and traffic", "roads parks", "roads"},
		{"Loud music all night", "noise", "noise"},
		{"Had a great afternoon", "", ""},
		{"A break-in on our block", "public_safety", "public_safety"},
	}
	for _, tt := range tests {
		topics, primary := m.Match(tt.text)
		if strings.Join(topics, " ") != tt.topics || primary != tt.primary {
			t.Errorf("Match(%q) = %v, %q; want [%s], %q", tt.text, topics, primary, tt.topics, tt.primary)
		}
	}
}

func TestVersionFollowsTaxonomy(t *testing.T) {
	a := score.New(config.DefaultTopics())
	topics := config.DefaultTopics()
	topics[0].Keywords = append(topics[0].Keywords, "asphalt")
	if b := score.New(topics); a.Version() == b.Version() {
		t.Errorf("version %s unchanged after a taxonomy change", a.Version())
	}
}

func TestScoreLinesKeepsOrder(t *testing.T) {
	s := score.New(config.DefaultTopics())
	in := `{"id":1,"text":"great park"}` + "\n" + `{"id":"b","text":"terrible potholes"}` + "\n\n" + `{"id":3,"text":"ok"}` + "\n"
	var out bytes.Buffer
	if err := score.ScoreLines(strings.NewReader(in), &out, s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines; want 3:\n%s", len(lines), out.String())
	}
	for i, want := range []string{`{"id":1,`, `{"id":"b",`, `{"id":3,`} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d = %s; want prefix %s", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[1], `"primary_topic":"roads"`) || !strings.Contains(lines[2], `"topics":[],"primary_topic":null`) {
		t.Errorf("topics not as expected:\n%s", out.String())
	}
	err := score.ScoreLines(strings.NewReader("{\"id\":1,\"text\":\"a\"}\nnot json\n"), &out, s)
	if err == nil || !strings.Contains(err.Error(), "stdin:2") {
		t.Errorf("bad line error = %v; want it to name stdin:2", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := score.New(config.DefaultTopics())
	want := s.Score("The bus was late again, awful")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := s.Score("The bus was late again, awful"); got.Sentiment != want.Sentiment {
					t.Errorf("got %v; want %v", got.Sentiment, want.Sentiment)
				}
			}
		}()
	}
	wg.Wait()
}

// A result shares no memory with the scorer's buffers: scoring other texts after it, here and
// on other goroutines, leaves it as it was.
func TestResultsOutliveLaterCalls(t *testing.T) {
	s := score.New(config.DefaultTopics(), score.WithPlaces("East End"))
	texts := []string{
		"Still waiting: the STREETLIGHTS on Maple Ave in the East End have been out for weeks",
		"Broken swings and overflowing bins at Lincoln Park, 5th Street side. Ugh!",
		"the city's new bike lanes on Third Avenue are great",
		"Café on Rue Saint-Denis: Potholes everywhere 😡 #fixit",
		"NO RESPONSE from 311 about the illegal dumping near Riverside Drive",
	}
	var first []score.Result
	for _, tx := range texts {
		first = append(first, s.Score(tx))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s.Score(strings.Repeat(texts[(g+i)%len(texts)], 1+i%3))
			}
		}()
	}
	wg.Wait()
	for i, tx := range texts {
		if got, want := fmt.Sprintf("%#v", first[i]), fmt.Sprintf("%#v", s.Score(tx)); got != want {
			t.Errorf("Score(%q) changed after later calls:\n got %s\nwant %s", tx, got, want)
		}
	}
}

// Score allocates the result's lists (one allocation) and the text of its keyphrases and
// places (another), nothing per word.
func TestScoreAllocatesTwiceNotMore(t *testing.T) {
	if raceEnabled {
		t.Skip("skip: sync.Pool drops items at random under the race detector")
	}
	s := score.New(config.DefaultTopics(), score.WithPlaces("East End"))
	for _, text := range []string{
		"Still waiting: the STREETLIGHTS on Maple Ave in the East End have been out for weeks 😡",
		"Thanks to the crew who cleaned Lincoln Park, great job!",
	} {
		s.Score(text)
		if n := testing.AllocsPerRun(100, func() { s.Score(text) }); n > 2 {
			t.Errorf("Score(%q) allocates %v times; want at most 2", text, n)
		}
	}
}
