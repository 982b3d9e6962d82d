// Package score gives each piece of resident text its sentiment (a VADER compound score in
// [-1, 1] and a label) and its topics (multi-label, from the city's keyword taxonomy, with a
// primary topic). It knows nothing of files or buckets: text in, scores out.
package score

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	"github.com/jonreiter/govader"

	"github.com/civicpulse/civicpulse/shared/config"
)

// Sentiment labels; the thresholds are VADER's: compound >= 0.05 is positive, <= -0.05
// negative.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// lexiconVersion names the sentiment engine; bump it when the lexicon or rules change.
const lexiconVersion = "vader-govader-1"

// Result is the scores of one text.
type Result struct {
	Sentiment      float64  `json:"sentiment"`
	SentimentLabel string   `json:"sentiment_label"`
	Topics         []string `json:"topics"`
	PrimaryTopic   string   `json:"primary_topic"`
}

// Scorer scores texts. Build it once (it compiles the lexicon and taxonomy) and reuse it; it is
// safe for concurrent use.
type Scorer struct {
	vader   *govader.SentimentIntensityAnalyzer
	topics  *Matcher
	version string
}

// New returns a scorer for a taxonomy.
func New(topics []config.Topic) *Scorer {
	h := sha256.New()
	for _, t := range topics {
		fmt.Fprintf(h, "%s\x00%q\x00%q\n", t.ID, t.Keywords, t.Exclude)
	}
	return &Scorer{
		vader:   govader.NewSentimentIntensityAnalyzer(),
		topics:  NewMatcher(topics),
		version: lexiconVersion + "+topics-" + hex.EncodeToString(h.Sum(nil)[:4]),
	}
}

// Version identifies the lexicon and taxonomy: rows scored under another version are stale.
func (s *Scorer) Version() string { return s.version }

// Score scores one text.
func (s *Scorer) Score(text string) Result {
	c := s.vader.PolarityScores(text).Compound
	topics, primary := s.topics.Match(text)
	return Result{Sentiment: c, SentimentLabel: Label(c), Topics: topics, PrimaryTopic: primary}
}

// Label is the sentiment label of a compound score.
func Label(compound float64) string {
	switch {
	case compound >= 0.05:
		return Positive
	case compound <= -0.05:
		return Negative
	default:
		return Neutral
	}
}

// Matcher finds the topics of a text by keyword rules.
type Matcher struct {
	topics []compiledTopic
}

type compiledTopic struct {
	id       string
	keywords [][]string // words; a word ending in * matches by prefix
	exclude  [][]string
}

// NewMatcher compiles a taxonomy. Keywords and exclusions are words or phrases; hyphens and
// punctuation separate words, as in the text.
func NewMatcher(topics []config.Topic) *Matcher {
	m := &Matcher{}
	for _, t := range topics {
		ct := compiledTopic{id: t.ID}
		for _, k := range t.Keywords {
			if w := words(k); len(w) > 0 {
				ct.keywords = append(ct.keywords, w)
			}
		}
		for _, k := range t.Exclude {
			if w := words(k); len(w) > 0 {
				ct.exclude = append(ct.exclude, w)
			}
		}
		m.topics = append(m.topics, ct)
	}
	return m
}

// Match returns the topics a text mentions, in taxonomy order, and the primary topic: the one
// with the most keyword hits (the first in taxonomy order on a tie). No hit means no topic.
func (m *Matcher) Match(text string) (topics []string, primary string) {
	toks := words(text)
	best := 0
	for _, t := range m.topics {
		excluded := make([]bool, len(toks))
		for _, ex := range t.exclude {
			for i := range toks {
				if matchAt(toks, i, ex) {
					for j := i; j < i+len(ex); j++ {
						excluded[j] = true
					}
				}
			}
		}
		hits := 0
		for i := range toks {
			if excluded[i] {
				continue
			}
			for _, k := range t.keywords {
				if matchAt(toks, i, k) {
					hits++
					break
				}
			}
		}
		if hits > 0 {
			topics = append(topics, t.id)
			if hits > best {
				best, primary = hits, t.id
			}
		}
	}
	return topics, primary
}

func matchAt(toks []string, i int, pattern []string) bool {
	if i+len(pattern) > len(toks) {
		return false
	}
	for j, p := range pattern {
		tok := toks[i+j]
		if stem, ok := strings.CutSuffix(p, "*"); ok {
			if !strings.HasPrefix(tok, stem) {
				return false
			}
		} else if tok != p {
			return false
		}
	}
	return true
}

// words lower-cases s and splits it into words of letters, digits, apostrophes and a trailing
// "*" (for patterns).
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r == '*' || r > 0x7F && unicode.IsLetter(r))
	})
}
