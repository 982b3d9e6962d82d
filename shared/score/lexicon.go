package score

// Every word of a text is looked up once, in one map that merges what each reader needs to
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

type lexicon map[string]wordInfo

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
	lex := lexicon{}
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
	return lex
}

// annotate looks every token up.
func (lex lexicon) annotate(toks []token) {
	for i := range toks {
		toks[i].info = lex[toks[i].lower]
	}
}
