// Package score reads resident text: its sentiment (a VADER compound score in [-1, 1], a
// label and the words that moved it), its topics (multi-label, from the city's keyword
// taxonomy, with a primary topic), its keyphrases (normalized 1–3-word noun phrases, for
// emerging topics) and the places it names (streets, parks, the city's districts); and it
// places a lat/lon in a district by point-in-polygon over the city's GeoJSON.
//
// It knows nothing of files or buckets: text in, scores out. Build one Scorer per taxonomy
// and reuse it; it is safe for concurrent use.
package score

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score/sentiment"
)

// Sentiment labels; the thresholds are VADER's: compound >= 0.05 is positive, <= -0.05
// negative.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// engineVersion names the sentiment engine and the text rules (keyphrases, places); bump it
// when they change, so rows scored before are known to be stale.
const engineVersion = "civic-1+text-2"

// Result is the scores of one text.
type Result struct {
	Sentiment      float64  `json:"sentiment"`
	SentimentLabel string   `json:"sentiment_label"`
	SentimentTerms []string `json:"sentiment_terms"`
	Topics         []string `json:"topics"`
	PrimaryTopic   string   `json:"primary_topic"`
	Keyphrases     []string `json:"keyphrases"`
	Places         []string `json:"places"`
}

// Scorer scores texts.
type Scorer struct {
	sentiment func(string) (float64, []string)
	topics    *Matcher
	places    *Gazetteer
	districts *Districts
	lex       lexicon // the topics' and places' words, looked up once per word
	version   string
}

// Option configures a Scorer.
type Option func(*options)

type options struct {
	places    []string
	districts *Districts
}

// WithPlaces adds the city's own place names (its districts, neighbourhoods, landmarks) to
// the gazetteer.
func WithPlaces(names ...string) Option {
	return func(o *options) { o.places = append(o.places, names...) }
}

// WithDistricts lets the scorer place points in districts (see Scorer.District).
func WithDistricts(d *Districts) Option {
	return func(o *options) { o.districts = d }
}

// New returns a scorer for a taxonomy.
func New(topics []config.Topic, opts ...Option) *Scorer {
	var o options
	for _, f := range opts {
		f(&o)
	}
	h := sha256.New()
	for _, t := range topics {
		ws := make([]string, 0, len(t.Weights))
		for k, w := range t.Weights {
			ws = append(ws, fmt.Sprintf("%s=%g", k, w))
		}
		slices.Sort(ws)
		fmt.Fprintf(h, "%s\x00%q\x00%q\x00%q\n", t.ID, t.Keywords, t.Exclude, ws)
	}
	fmt.Fprintf(h, "places\x00%q\n", o.places)
	if o.districts != nil {
		fmt.Fprintf(h, "districts\x00%s\n", o.districts.digest)
	}
	an := sentiment.New(sentiment.Civic)
	topicMatcher, gazetteer := NewMatcher(topics), NewGazetteer(o.places...)
	return &Scorer{
		lex:       newLexicon(topicMatcher, gazetteer),
		sentiment: an.CompoundTerms,
		topics:    topicMatcher,
		places:    gazetteer,
		districts: o.districts,
		version:   engineVersion + "+city-" + hex.EncodeToString(h.Sum(nil)[:4]),
	}
}

// Version identifies the engine, the taxonomy, the place names and the district polygons: rows
// scored under another version are stale.
func (s *Scorer) Version() string { return s.version }

// Score scores one text.
func (s *Scorer) Score(text string) Result {
	c, terms := s.sentiment(text)
	bp := tokenBufs.Get().(*[]token)
	toks, lower := lowerTokens(text, (*bp)[:0])
	s.lex.annotate(toks)
	topics, primary := s.topics.matchTokens(toks)
	r := Result{
		Sentiment: c, SentimentLabel: Label(c), SentimentTerms: terms,
		Topics: topics, PrimaryTopic: primary,
		Keyphrases: keyphrases(lower, toks), Places: s.places.places(text, toks),
	}
	if cap(toks) <= maxPooledTokens {
		*bp = toks[:0]
		tokenBufs.Put(bp)
	}
	return r
}

// tokenBufs holds token buffers between calls: reusing one costs less than zeroing a fresh
// one on the stack. A buffer keeps its last text's words alive until reused, which is why
// huge ones are dropped.
var tokenBufs = sync.Pool{New: func() any { b := make([]token, 0, 64); return &b }}

const maxPooledTokens = 1024

// District returns the district that contains a point, when the scorer has district
// polygons.
func (s *Scorer) District(lat, lon float64) (string, bool) {
	return s.districts.Locate(lat, lon)
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
