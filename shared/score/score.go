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
	sentiment *sentiment.Analyzer
	topics    *Matcher
	places    *Gazetteer
	districts *Districts
	// lex is what the topics and places know of words, over the sentiment analyzer's word
	// table: the words sentiment reads are looked up once for both.
	lex     lexicon
	version string
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
	topicMatcher, gazetteer := NewMatcher(topics), NewGazetteer(o.places...)
	words := lexiconWords(topicMatcher, gazetteer)
	keys := make([]string, 0, len(words))
	for w := range words {
		keys = append(keys, w)
	}
	an := sentiment.New(sentiment.Civic, sentiment.WithWords(keys...))
	return &Scorer{
		lex:       indexLexicon(an.Words(), words, topicMatcher),
		sentiment: an,
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
	w := works.Get().(*work)
	toks, lower := s.scan(w, text)
	c := w.sent.Compound
	r := Result{Sentiment: c, SentimentLabel: Label(c)}
	strs, primary := s.topics.matchTokens(w.strs[:0], toks)
	nTopics := len(strs)
	scratch := w.scratch[:0]
	strs = appendKeyphrases(strs, &scratch, lower, toks)
	nPhrases := len(strs) - nTopics
	strs = s.places.appendPlaces(strs, &scratch, text, toks)
	nPlaces := len(strs) - nTopics - nPhrases
	// One allocation holds every list of the result, and another the bytes of the terms,
	// keyphrases and places, which may point into w's buffers (the lower-cased text, scratch,
	// the sentiment's phrases). Topics are the matcher's own strings.
	terms := w.sent.Terms
	if n := len(terms) + len(strs); n > 0 {
		all := make([]string, n)
		copy(all, terms)
		copy(all[len(terms):], strs[nTopics:])
		copy(all[n-nTopics:], strs[:nTopics])
		copyOut(all[:n-nTopics])
		r.SentimentTerms, all = cut(all, len(terms))
		r.Keyphrases, all = cut(all, nPhrases)
		r.Places, all = cut(all, nPlaces)
		r.Topics, _ = cut(all, nTopics)
	}
	r.PrimaryTopic = primary
	if cap(toks) <= maxPooledTokens && cap(strs) <= maxPooledTokens && cap(scratch) <= maxPooledBytes && cap(w.lower) <= maxPooledBytes {
		clear(strs)
		w.strs, w.scratch = strs[:0], scratch
		works.Put(w)
	}
	return r
}

// copyOut copies the bytes of strs to one new allocation and points strs at it.
func copyOut(strs []string) {
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	if n == 0 {
		return
	}
	b := make([]byte, 0, n)
	for i, s := range strs {
		b = append(b, s...)
		strs[i] = bytesToString(b[len(b)-len(s):])
	}
}

// scan scores the sentiment of text into w.sent and splits it into annotated tokens, which
// index the lower-cased text it returns.
func (s *Scorer) scan(w *work, text string) ([]token, string) {
	s.sentiment.Scan(text, &w.sent)
	lower, buf := lowerInto(w.lower[:0], text)
	w.lower = buf
	toks := s.wordTokens(lower, w.sent.Words, w.toks[:0])
	s.lex.annotate(toks)
	w.toks = toks[:0]
	return toks, lower
}

// cut splits the first n strings off all: nil when n is 0, and capped, so that appending to
// one list cannot write over the next.
func cut(all []string, n int) (head, rest []string) {
	if n == 0 {
		return nil, all
	}
	return all[:n:n], all[n:]
}

// wordTokens splits a lower-cased text into tokens, taking the plain words sentiment found
// (and looked up) as they are and splitting only the rest.
func (s *Scorer) wordTokens(lower string, words []sentiment.Word, toks []token) []token {
	pos, brk := 0, false
	for _, w := range words {
		start, end := int(w.Start), int(w.End)
		for pos < start && (lower[pos] == ' ' || lower[pos] == '\t') {
			pos++
		}
		if pos < start {
			toks, brk = appendTokens(lower, pos, start, brk, toks)
		}
		info := &noInfo
		if w.Key >= 0 {
			info = s.lex.info(int(w.Key))
		}
		toks = append(toks, token{start: w.Start, end: w.End, lower: lower[start:end], brk: brk})
		toks[len(toks)-1].setInfo(info)
		brk, pos = false, end
	}
	toks, _ = appendTokens(lower, pos, len(lower), brk, toks)
	return toks
}

// work holds one call's buffers between calls: reusing them costs less than growing fresh
// ones. The buffers keep their last text alive until reused, which is why huge ones are
// dropped.
type work struct {
	sent sentiment.Scan
	toks []token
	strs []string // topics, keyphrases and places, before they are copied out
	// lower holds the lower-cased text and scratch the names and phrases written out, which
	// copyOut copies before w is reused.
	lower, scratch []byte
}

var works = sync.Pool{New: func() any { return &work{toks: make([]token, 0, 64)} }}

const (
	maxPooledTokens = 1024
	maxPooledBytes  = 64 << 10
)

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
