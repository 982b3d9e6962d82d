package score_test

import (
	"bytes"
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
