package score

import "github.com/civicpulse/civicpulse/shared/score/internal/wordmap"

// Every word of a text is looked up once, in one table (wordmap) that merges what each reader
// needs to know of it (its sentiment, the keywords it starts, the place names it starts,
// whether it is a stop word or a street suffix): one lookup per word instead of one per
// reader. A Scorer's table is its sentiment analyzer's, to which New adds the words the
// topics and places know; sentiment.Analyzer.Scan hands the scorer each plain word with its
// index in that table, so that the scorer splits and looks up only the other words.

// Word classes.
const (
	wordStop     uint8 = 1 << iota // ends a keyphrase
	wordWeak                       // not a keyphrase on its own
	wordStreet                     // a street-type suffix (streetSuffixes)
	wordLandmark                   // a kind of named public place (landmarkSuffixes)
	wordNameStop                   // begins a sentence or title rather than a name
)

type wordInfo struct {
	// pats are the Matcher patterns that can start at this word: those whose first word it
	// is, then, when prefixed, those whose first word is a prefix it starts with.
	pats     []patRef
	prefixed bool
	named    []namedPlace // Gazetteer names that start with it
	class    uint8
}

// noInfo is the info of a word not in the lexicon's table; tableInfo that of a word in the
// table that no reader knows of, when the lexicon has a matcher.
var noInfo, tableInfo = wordInfo{}, wordInfo{prefixed: true}

// lexicon is a read-only table of words to what the readers know of them.
type lexicon struct {
	words  *wordmap.Table
	infoOf []uint32   // indexed by words.Index: 1 + index into infos, or 0 for a word no reader knows
	infos  []wordInfo // small, so that reading a word's info stays in cache
	// unknown is the info of a word of the table not in infos.
	unknown *wordInfo
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
	lex := lexiconWords(m, g)
	keys := make([]string, 0, len(lex))
	for w := range lex {
		keys = append(keys, w)
	}
	return indexLexicon(wordmap.New(keys), lex, m)
}

// lexiconWords is what the readers know of each word they know.
func lexiconWords(m *Matcher, g *Gazetteer) map[string]wordInfo {
	lex := map[string]wordInfo{}
	for w, c := range baseClasses {
		lex[w] = wordInfo{class: c}
	}
	if m != nil {
		for w := range m.exact {
			if _, ok := lex[w]; !ok {
				lex[w] = wordInfo{} // its patterns are indexLexicon's to add
			}
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

// indexLexicon is the lexicon of words over a table that holds each of them, and maybe others
// (the sentiment analyzer's, shared so that a word is looked up once for both). With a
// matcher, every word of the table also gets the prefix patterns it starts, so that matching
// a word of the table needs no lookup of its prefix.
func indexLexicon(t *wordmap.Table, words map[string]wordInfo, m *Matcher) lexicon {
	lex := lexicon{words: t, infoOf: make([]uint32, t.Len()), infos: make([]wordInfo, 0, len(words)), unknown: &noInfo}
	add := func(j int, wi wordInfo) {
		lex.infos = append(lex.infos, wi)
		lex.infoOf[j] = uint32(len(lex.infos))
	}
	for w, wi := range words {
		j := t.Index(w)
		if j < 0 {
			panic("score: lexicon word " + w + " not in its table")
		}
		if m != nil {
			wi.pats, wi.prefixed = m.startingAt(w), true
		}
		add(j, wi)
	}
	if m != nil {
		lex.unknown = &tableInfo
		for j := range t.Len() {
			if lex.infoOf[j] == 0 {
				if pats := m.startingAt(t.Key(j)); len(pats) > 0 {
					add(j, wordInfo{pats: pats, prefixed: true})
				}
			}
		}
	}
	return lex
}

// info is the info of the word of table index j.
func (lex lexicon) info(j int) *wordInfo {
	if k := lex.infoOf[j]; k > 0 {
		return &lex.infos[k-1]
	}
	return lex.unknown
}

// annotate looks up every token not looked up yet.
func (lex lexicon) annotate(toks []token) {
	for i := range toks {
		if toks[i].info != nil {
			continue
		}
		if j := lex.words.Index(toks[i].lower); j >= 0 {
			toks[i].setInfo(lex.info(j))
		} else {
			toks[i].setInfo(&noInfo)
		}
	}
}
