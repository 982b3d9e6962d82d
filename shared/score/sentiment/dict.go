package sentiment

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/civicpulse/civicpulse/shared/score/internal/wordmap"
)

// The lexicons of VADER 3.3 (MIT licence, see data/LICENSE).
var (
	//go:embed data/vader_lexicon.txt
	vaderLexicon string
	//go:embed data/emoji_utf8_lexicon.txt
	emojiLexicon string
)

// entry is everything the rules need to know about one lower-case token.
type entry struct {
	val   float64 // lexicon valence, when flags&fLex
	flags uint8
	word  uint8  // function word the rules test for, or wNone
	phr   uint16 // 1 + index into Analyzer.phrases of the phrases starting here; 0 for none
}

const (
	fLex      uint8 = 1 << iota // in the lexicon
	fBoost                      // in VADER's booster dictionary
	fNegate                     // in VADER's negation list
	fFix                        // Civic: a repair word ("fixed"), neutral in "will be fixed"
	fIdiomEnd                   // last word of a special case or booster n-gram
	fDampen                     // with fBoost: the booster decrements (bDecr), not increments
)

// Function words the rules look for.
const (
	wNone uint8 = iota
	wNo
	wKind
	wOf
	wBut
	wLeast
	wAt
	wVery
	wNever
	wSo
	wThis
	wWithout
	wDoubt
	wOr
	wNor
	wNot
	// Civic only.
	wAgain
	wWait
	wTook
	wTimeUnit
	wIrrealis
)

var functionWords = map[string]uint8{
	"no": wNo, "kind": wKind, "of": wOf, "but": wBut, "least": wLeast, "at": wAt, "very": wVery,
	"never": wNever, "so": wSo, "this": wThis, "without": wWithout, "doubt": wDoubt, "or": wOr,
	"nor": wNor, "not": wNot,
}

var negations = []string{
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
	"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
	"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
	"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
	"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
	"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
	"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
}

var boosters = map[string]float64{
	"absolutely": bIncr, "amazingly": bIncr, "awfully": bIncr, "completely": bIncr,
	"considerable": bIncr, "considerably": bIncr, "decidedly": bIncr, "deeply": bIncr,
	"effing": bIncr, "enormous": bIncr, "enormously": bIncr, "entirely": bIncr,
	"especially": bIncr, "exceptional": bIncr, "exceptionally": bIncr, "extreme": bIncr,
	"extremely": bIncr, "fabulously": bIncr, "flipping": bIncr, "flippin": bIncr,
	"frackin": bIncr, "fracking": bIncr, "fricking": bIncr, "frickin": bIncr, "frigging": bIncr,
	"friggin": bIncr, "fully": bIncr, "fuckin": bIncr, "fucking": bIncr, "fuggin": bIncr,
	"fugging": bIncr, "greatly": bIncr, "hella": bIncr, "highly": bIncr, "hugely": bIncr,
	"incredible": bIncr, "incredibly": bIncr, "intensely": bIncr, "major": bIncr,
	"majorly": bIncr, "more": bIncr, "most": bIncr, "particularly": bIncr, "purely": bIncr,
	"quite": bIncr, "really": bIncr, "remarkably": bIncr, "so": bIncr, "substantially": bIncr,
	"thoroughly": bIncr, "total": bIncr, "totally": bIncr, "tremendous": bIncr,
	"tremendously": bIncr, "uber": bIncr, "unbelievably": bIncr, "unusually": bIncr,
	"utter": bIncr, "utterly": bIncr, "very": bIncr,
	"almost": bDecr, "barely": bDecr, "hardly": bDecr, "kinda": bDecr, "kindof": bDecr,
	"kind-of": bDecr, "less": bDecr, "little": bDecr, "marginal": bDecr, "marginally": bDecr,
	"occasional": bDecr, "occasionally": bDecr, "partly": bDecr, "scarce": bDecr,
	"scarcely": bDecr, "slight": bDecr, "slightly": bDecr, "somewhat": bDecr, "sorta": bDecr,
	"sortof": bDecr, "sort-of": bDecr,
}

// multiBoosters are the booster n-grams of VADER's dictionary, tested by the idiom check.
var multiBoosters = []ngram{
	{[]string{"just", "enough"}, bDecr},
	{[]string{"kind", "of"}, bDecr},
	{[]string{"sort", "of"}, bDecr},
}

// specialCases are VADER's SPECIAL_CASES idioms; a match replaces the valence.
// ("badass" is in VADER's table too but, being one word, can never match a bigram.)
var specialCases = []ngram{
	{[]string{"the", "shit"}, 3},
	{[]string{"the", "bomb"}, 3},
	{[]string{"bad", "ass"}, 1.5},
	{[]string{"bus", "stop"}, 0},
	{[]string{"yeah", "right"}, -2},
	{[]string{"kiss", "of", "death"}, -1.5},
	{[]string{"to", "die", "for"}, 3},
	{[]string{"beating", "heart"}, 3.1},
	{[]string{"broken", "heart"}, -2.9},
}

type ngram struct {
	words []string
	val   float64
}

// build parses the embedded lexicons and, for Civic, layers the civic rules on top.
func build(mode Mode, extra []string) (*Analyzer, error) {
	a := &Analyzer{mode: mode, dict: make(map[string]entry, 7700), emoji: make(map[rune]string, 3600)}
	if err := parseLines("vader_lexicon.txt", vaderLexicon, func(f []string) error {
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return err
		}
		e := a.dict[f[0]]
		e.val, e.flags = v, e.flags|fLex
		a.dict[f[0]] = e
		return nil
	}); err != nil {
		return nil, err
	}
	if err := parseLines("emoji_utf8_lexicon.txt", emojiLexicon, func(f []string) error {
		// Python VADER replaces emoji one code point at a time: longer keys never match.
		if r, n := utf8.DecodeRuneInString(f[0]); n == len(f[0]) && r >= utf8.RuneSelf {
			a.emoji[r] = f[1]
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// The lexicon of the release the reference scores come from (vaderSentiment 3.3.1) has two
	// lines the copy in data/ lacks; their values reproduce its scores on every reference row.
	for w, v := range map[string]float64{"heart": 3.2, "hearts": 3.3} {
		if _, ok := a.dict[w]; !ok {
			a.dict[w] = entry{val: v, flags: fLex}
		}
	}
	for w, v := range boosters {
		e := a.dict[w]
		e.flags |= fBoost
		switch v {
		case bIncr:
		case bDecr:
			e.flags |= fDampen
		default:
			return nil, fmt.Errorf("booster %q: increment %v is neither %v nor %v", w, v, bIncr, bDecr)
		}
		a.dict[w] = e
	}
	for _, w := range negations {
		e := a.dict[w]
		e.flags |= fNegate
		a.dict[w] = e
	}
	for _, g := range append(specialCases[:len(specialCases):len(specialCases)], multiBoosters...) {
		w := g.words[len(g.words)-1]
		e := a.dict[w]
		e.flags |= fIdiomEnd
		a.dict[w] = e
	}
	for w, id := range functionWords {
		e := a.dict[w]
		e.word = id
		a.dict[w] = e
	}
	if mode == Civic {
		if err := a.addCivic(); err != nil {
			return nil, err
		}
	}
	for _, w := range extra {
		if _, ok := a.dict[w]; !ok {
			a.dict[w] = entry{}
		}
	}
	keys := make([]string, 0, len(a.dict))
	for w := range a.dict {
		keys = append(keys, w)
	}
	a.words = wordmap.New(keys)
	a.entries = make([]entry, len(keys))
	for i, w := range keys {
		a.entries[i] = a.dict[w]
	}
	a.dict = nil
	return a, nil
}

// parseLines calls fn with the tab-separated fields of each non-empty line (at least two).
func parseLines(name, text string, fn func([]string) error) error {
	var fields [2]string
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		w, tail, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("parse %s: line %d: want at least 2 tab-separated fields", name, n)
		}
		v, _, _ := strings.Cut(tail, "\t")
		fields[0], fields[1] = w, v
		if err := fn(fields[:]); err != nil {
			return fmt.Errorf("parse %s: line %d: %w", name, n, err)
		}
	}
	return nil
}
