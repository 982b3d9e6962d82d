// Package sentiment scores the sentiment of short texts, such as residents' feedback, with a
// rule-based model: VADER (Hutto & Gilbert, 2014), reimplemented here for speed, and a Civic
// variant tuned for municipal feedback.
//
// An [Analyzer] is built once with [New] (1-3 ms: the embedded lexicons are parsed
// into a word table) and is then safe for concurrent use. [Analyzer.Compound] is the allocation-free
// path for batch scoring; [Analyzer.Score] also returns the label and the terms that moved the
// score most, for analysts asking "why". [Default] returns a shared Civic analyzer built on first
// use. [Analyzer.Scan] is for a caller that reads the same text for more than sentiment (the
// scorer's topics, keyphrases and places): it also hands back the text's words, each with its
// index in the analyzer's word table, to which [WithWords] adds the caller's own words.
//
// In [VADER] mode the compound score reproduces the reference Python vaderSentiment 3.3.x
// (including its quirks, such as how "but" reweights repeated valences), so scores are
// comparable with published VADER figures. [Civic] mode, the default, adds phrases, complaint
// patterns and sarcasm cues common in feedback about city services ("still waiting", "nobody
// came", "finally fixed", "love waiting 50 minutes").
package sentiment

import (
	"fmt"
	"math"
	"sync"

	"github.com/civicpulse/civicpulse/shared/score/internal/wordmap"
)

// Mode selects the rule set of an Analyzer.
type Mode uint8

const (
	// Civic is VADER extended for municipal feedback; it is the zero Mode.
	Civic Mode = iota
	// VADER reproduces the reference Python vaderSentiment 3.3.x compound score.
	VADER
)

func (m Mode) String() string {
	switch m {
	case Civic:
		return "civic"
	case VADER:
		return "vader"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Label is the sentiment class of a compound score.
type Label string

// Labels, with VADER's customary thresholds.
const (
	Positive Label = "positive" // compound >= 0.05
	Negative Label = "negative" // compound <= -0.05
	Neutral  Label = "neutral"
)

// LabelOf classifies a compound score: >= 0.05 positive, <= -0.05 negative, else neutral.
func LabelOf(compound float64) Label {
	switch {
	case compound >= 0.05:
		return Positive
	case compound <= -0.05:
		return Negative
	}
	return Neutral
}

// Term is a word or phrase that moved a score.
type Term struct {
	Text string // lower case, punctuation stripped; phrases are space-separated
	// Contribution is how much the compound score would fall if the term were neutral:
	// positive terms have positive contributions.
	Contribution float64
}

// MaxTerms is the most terms a Result carries.
const MaxTerms = 3

// Result is the sentiment of one text.
type Result struct {
	Compound float64 // in [-1, 1]
	Label    Label
	Terms    []Term // at most MaxTerms, largest |Contribution| first; nil when none
}

// Analyzer scores texts. It is immutable after New and safe for concurrent use.
type Analyzer struct {
	mode    Mode
	dict    map[string]entry // while building; then words and entries
	words   *wordmap.Table
	entries []entry // indexed by words.Index
	emoji   map[rune]string
	phrases [][]phrase // indexed by entry.phr-1; Civic only
	pool    sync.Pool  // *scratch
}

// Option configures an Analyzer.
type Option func(*options)

type options struct {
	words []string
}

// WithWords adds words, neutral, to the analyzer's word table, so that a caller reading the
// same text for other ends (the scorer's topics and places) finds its words by the index Scan
// gives them rather than by a lookup of its own (see Analyzer.Words).
func WithWords(words ...string) Option {
	return func(o *options) { o.words = append(o.words, words...) }
}

// New builds an Analyzer for mode. It panics only if the embedded lexicons are corrupt, which
// the package tests rule out.
func New(mode Mode, opts ...Option) *Analyzer {
	var o options
	for _, f := range opts {
		f(&o)
	}
	a, err := build(mode, o.words)
	if err != nil {
		panic("sentiment: " + err.Error())
	}
	return a
}

var defaultAnalyzer = sync.OnceValue(func() *Analyzer { return New(Civic) })

// Default returns a Civic Analyzer shared by the process, built on first call.
func Default() *Analyzer { return defaultAnalyzer() }

// Mode reports the rule set a was built with.
func (a *Analyzer) Mode() Mode { return a.mode }

// Compound returns the compound score of text, in [-1, 1]. It does not allocate once the
// Analyzer's scratch buffers have grown to fit the texts it sees.
func (a *Analyzer) Compound(text string) float64 {
	s := a.get()
	c := a.run(s, text)
	a.put(s)
	return c
}

// Score returns the compound score of text, its label and the terms that moved it most.
func (a *Analyzer) Score(text string) Result {
	s := a.get()
	c := a.run(s, text)
	r := Result{Compound: c, Label: LabelOf(c), Terms: s.terms(a.words, c)}
	a.put(s)
	return r
}

// CompoundTerms returns the compound score of text and the texts of Score's terms, in the
// same order; it allocates only the slice of terms.
func (a *Analyzer) CompoundTerms(text string) (float64, []string) {
	s := a.get()
	c := a.run(s, text)
	terms := s.termTexts(a.words, c)
	a.put(s)
	return c, terms
}

// Words returns the analyzer's word table: every lexicon word, function word and word added
// by WithWords, lower case. Word.Key indexes it.
func (a *Analyzer) Words() *wordmap.Table { return a.words }

// Word is a word of a scanned text made of ASCII letters and digits only, as VADER reads it
// (punctuation around it stripped, and none run together with the description VADER puts in
// place of an emoji): where it is in the text and its index in the word table.
type Word struct {
	Start, End int32 // byte offsets in the text
	Key        int32 // index of its lower-case form in Words(), or -1
}

// Scan is what Analyzer.Scan finds in a text. Its slices are reused from call to call: the
// texts of Terms too, which a caller keeping them past the next Scan with it must copy.
type Scan struct {
	Compound float64
	Terms    []string // CompoundTerms's terms
	Words    []Word   // the text's plain words, in order
	phrases  []byte   // the texts of the terms that are phrases
	s        *scratch // the analysis's buffers, kept with sc rather than pooled
}

// Scan scores text as CompoundTerms does, into sc, and collects its plain words: a caller
// that splits the same text into words can take these as they are and split only the rest.
// It does not allocate once sc's slices have grown.
func (a *Analyzer) Scan(text string, sc *Scan) {
	s := sc.s
	if s == nil {
		s = new(scratch)
	}
	sc.Words = sc.Words[:0]
	s.words = &sc.Words
	sc.Compound = a.run(s, text)
	s.words = nil
	sc.phrases = sc.phrases[:0]
	sc.Terms = s.appendTermTexts(sc.Terms[:0], &sc.phrases, a.words, sc.Compound)
	sc.s = nil
	if small(s) {
		sc.s = s
	}
}

func (a *Analyzer) get() *scratch {
	if s, ok := a.pool.Get().(*scratch); ok {
		return s
	}
	return new(scratch)
}

// put returns s to the pool unless a huge text grew it: one outlier should not pin megabytes.
func (a *Analyzer) put(s *scratch) {
	if small(s) {
		a.pool.Put(s)
	}
}

// small reports whether s is small enough to keep for the next call.
func small(s *scratch) bool {
	return cap(s.text) <= 1<<16 && cap(s.low) <= 1<<16 && cap(s.toks) <= 1<<12
}

// VADER's constants.
const (
	bIncr  = 0.293 // booster word
	bDecr  = -0.293
	cIncr  = 0.733 // ALL CAPS emphasis
	nScale = -0.74 // negation
	alpha  = 15    // normalisation
)

// normalize maps a sum of valences to [-1, 1] as VADER does.
func normalize(score float64) float64 {
	n := score / math.Sqrt(score*score+alpha)
	if n < -1 {
		return -1
	}
	if n > 1 {
		return 1
	}
	return n
}
