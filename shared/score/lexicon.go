package score

import "github.com/civicpulse/civicpulse/shared/score/internal/wordmap"

// Every word of a text is looked up once, in one table (wordmap) that merges what each reader needs to
// know of it (the keywords it starts, the place names it starts, whether it is a stop word or
// a street suffix): one lookup per word instead of one per reader.

// Word classes.
const (
	wordStop     uint8 = 1 << iota // ends a keyphrase
	wordWeak                       // not a keyphrase on its own
	wordStreet                     // a street-type suffix (streetSuffixes)
	wordLandmark                   // a kind of named public place (landmarkSuffixes)
	wordNameStop                   // begins a sentence or title rather than a name
)

type wordInfo struct {
	pats  []int        // Matcher patterns whose first word this is
	named []namedPlace // Gazetteer names that start with it
	class uint8
}

// noInfo is the info of a word no reader knows.
var noInfo wordInfo

// lexicon is a read-only table of words to what the readers know of them.
type lexicon struct {
	words *wordmap.Table
	infos []wordInfo // indexed by words.Index
}

// baseClasses is the class of every word the package's own lists name.
var baseClasses = func() map[string]uint8 {
	m := map[string]uint8{}
	for w := range stopWords {
		m[w] |= wordStop
	}
	for w := range weakAlone {
		m[w] |= wordWeak
	}
	for w := range streetSuffixes {
		m[w] |= wordStreet
	}
	for w := range landmarkSuffixes {
		m[w] |= wordLandmark
	}
	for w, stop := range nameStop {
		if stop {
			m[w] |= wordNameStop
		}
	}
	return m
}()

// newLexicon merges the word classes with a matcher's and a gazetteer's first words; either
// may be nil.
func newLexicon(m *Matcher, g *Gazetteer) lexicon {
	lex := map[string]wordInfo{}
	for w, c := range baseClasses {
		lex[w] = wordInfo{class: c}
	}
	if m != nil {
		for w, pats := range m.exact {
			wi := lex[w]
			wi.pats = pats
			lex[w] = wi
		}
	}
	if g != nil {
		for w, named := range g.named {
			wi := lex[w]
			wi.named = named
			lex[w] = wi
		}
	}
	keys := make([]string, 0, len(lex))
	for w := range lex {
		keys = append(keys, w)
	}
	infos := make([]wordInfo, len(keys))
	for i, w := range keys {
		infos[i] = lex[w]
	}
	return lexicon{words: wordmap.New(keys), infos: infos}
}

// annotate looks every token up.
func (lex lexicon) annotate(toks []token) {
	for i := range toks {
		if j := lex.words.Index(toks[i].lower); j >= 0 {
			toks[i].info = &lex.infos[j]
		} else {
			toks[i].info = &noInfo
		}
	}
}
