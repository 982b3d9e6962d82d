package score

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Gazetteer finds place names in text: streets ("Maple Ave", "5th Street"), named parks and
// landmarks ("Lincoln Park", "Union Square") and the city's own named places (district names
// and aliases). It works from street-type suffixes and capitalization rather than a trained
// named-entity recognizer, which takes "Lincoln Park" for a person. Names come out in one
// spelling ("Maple Ave." and "maple avenue" are both "Maple Avenue") so they can be counted.
type Gazetteer struct {
	named map[string][]namedPlace // first lower-case word -> names starting with it
	lex   lexicon
}

type namedPlace struct {
	words []string
	name  string
}

// NewGazetteer returns a gazetteer that also knows the given place names (matched
// case-insensitively, reported as given).
func NewGazetteer(names ...string) *Gazetteer {
	g := &Gazetteer{named: map[string][]namedPlace{}}
	for _, n := range names {
		var ws []string
		for _, tk := range tokenize(n, nil) {
			ws = append(ws, tk.lower)
		}
		if len(ws) > 0 {
			g.named[ws[0]] = append(g.named[ws[0]], namedPlace{ws, strings.TrimSpace(n)})
		}
	}
	g.lex = newLexicon(nil, g)
	return g
}

// Places returns the places a text names, in order of appearance, each once.
func (g *Gazetteer) Places(text string) []string {
	var buf [64]token
	toks := tokenize(text, buf[:0])
	g.lex.annotate(toks)
	return g.places(text, toks)
}

// maxNameWords is how many capitalized words before a suffix make one name.
const maxNameWords = 4

func (g *Gazetteer) places(text string, toks []token) []string {
	var buf [8]string
	return clone(g.appendPlaces(buf[:0], new([]byte), text, toks))
}

// appendPlaces appends the places of a text to dst. Names not in the text or the gazetteer as
// they are reported are written to scratch, which the caller must not reuse while they are in
// use.
func (g *Gazetteer) appendPlaces(dst []string, scratch *[]byte, text string, toks []token) []string {
	out := dst
	n0 := len(dst)
	add := func(p string) {
		if !contains(out[n0:], p) {
			out = append(out, p)
		}
	}
	for i := 0; i < len(toks); i++ {
		tk := &toks[i]
		// A configured name followed by a suffix is the start of a longer name: "Riverside
		// Park" is a park, not the Riverside district.
		if tk.has&hasNamed != 0 {
			if np, ok := g.namedAt(toks, i); ok && !suffixAt(toks, i+len(np.words)) {
				add(np.name)
				i += len(np.words) - 1
				continue
			}
		}
		if tk.class&(wordStreet|wordLandmark) == 0 {
			continue
		}
		if suffix, ok := streetSuffixes[tk.lower]; ok {
			// "St" and "Dr" also abbreviate words before a name ("St Mary", "Dr Smith"): a
			// street suffix must follow its name.
			if name, ok := nameBefore(scratch, text, toks, i, suffix, true); ok {
				add(name)
			}
		} else if suffix, ok := landmarkSuffixes[tk.lower]; ok && capitalized(text, *tk) {
			if name, ok := nameBefore(scratch, text, toks, i, suffix, false); ok {
				add(name)
			}
		}
	}
	return out
}

func suffixAt(toks []token, i int) bool {
	return i < len(toks) && !toks[i].brk && toks[i].class&(wordStreet|wordLandmark) != 0
}

func (g *Gazetteer) namedAt(toks []token, i int) (namedPlace, bool) {
	for _, np := range toks[i].info.named {
		if i+len(np.words) > len(toks) {
			continue
		}
		ok := true
		for j, w := range np.words {
			if toks[i+j].lower != w || j > 0 && toks[i+j].brk {
				ok = false
				break
			}
		}
		if ok {
			return np, true
		}
	}
	return namedPlace{}, false
}

// nameBefore returns, written to scratch, the name in front of the suffix at toks[i] (up to
// maxNameWords capitalized words, or one ordinal or number-word for streets: "5th", "Third")
// followed by the suffix's spelling.
func nameBefore(scratch *[]byte, text string, toks []token, i int, suffix string, street bool) (string, bool) {
	if toks[i].brk || i == 0 {
		return "", false
	}
	b := *scratch
	start := len(b)
	if street && isOrdinal(toks[i-1].lower) {
		b = append(appendTitle(b, toks[i-1].lower), ' ')
		b = append(b, suffix...)
		*scratch = b
		return bytesToString(b[start:]), true
	}
	j := i
	for j > 0 && i-j < maxNameWords {
		p := toks[j-1]
		if !capitalized(text, p) || p.class&(wordStop|wordNameStop) != 0 {
			break
		}
		j--
		if p.brk {
			break
		}
	}
	if j == i {
		return "", false
	}
	for k := j; k < i; k++ {
		if k > j {
			b = append(b, ' ')
		}
		b = appendTitle(b, toks[k].lower)
	}
	b = append(append(b, ' '), suffix...)
	*scratch = b
	return bytesToString(b[start:]), true
}

func capitalized(text string, tk token) bool {
	r, _ := utf8.DecodeRuneInString(text[tk.start:])
	return unicode.IsUpper(r)
}

// appendTitle appends w with its first letter upper-cased.
func appendTitle(b []byte, w string) []byte {
	r, n := utf8.DecodeRuneInString(w)
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return append(append(b, byte(r)), w[n:]...)
	}
	return append(utf8.AppendRune(b, unicode.ToUpper(r)), w[n:]...)
}

func isOrdinal(w string) bool {
	if ordinalWords[w] {
		return true
	}
	n := len(w)
	if n < 3 || w[0] < '0' || w[0] > '9' {
		return false
	}
	switch w[n-2:] {
	case "st", "nd", "rd", "th":
	default:
		return false
	}
	for _, c := range w[:n-2] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var ordinalWords = map[string]bool{"first": true, "second": true, "third": true, "fourth": true, "fifth": true, "sixth": true, "seventh": true, "eighth": true, "ninth": true, "tenth": true, "eleventh": true, "twelfth": true}

// nameStop are capitalized words that begin a sentence or a title rather than a name.
var nameStop = map[string]bool{"main": false, "dear": true, "hey": true, "hi": true, "thanks": true, "mayor": true, "council": true, "city": false, "rt": true}

// streetSuffixes maps street types and their postal abbreviations to one spelling.
var streetSuffixes = map[string]string{
	"street": "Street", "st": "Street", "avenue": "Avenue", "ave": "Avenue", "av": "Avenue",
	"road": "Road", "rd": "Road", "boulevard": "Boulevard", "blvd": "Boulevard", "drive": "Drive",
	"dr": "Drive", "lane": "Lane", "ln": "Lane", "way": "Way", "place": "Place", "pl": "Place",
	"court": "Court", "ct": "Court", "parkway": "Parkway", "pkwy": "Parkway", "highway": "Highway",
	"hwy": "Highway", "terrace": "Terrace", "ter": "Terrace", "circle": "Circle", "cir": "Circle",
	"expressway": "Expressway", "expy": "Expressway", "turnpike": "Turnpike", "pike": "Pike",
	"trail": "Trail", "alley": "Alley", "crescent": "Crescent", "row": "Row",
}

// landmarkSuffixes are kinds of named public places; the name must be capitalized.
var landmarkSuffixes = map[string]string{
	"park": "Park", "playground": "Playground", "plaza": "Plaza", "square": "Square",
	"garden": "Garden", "gardens": "Gardens", "field": "Field", "beach": "Beach",
	"bridge": "Bridge", "library": "Library", "station": "Station", "pier": "Pier",
	"tunnel": "Tunnel", "green": "Green", "commons": "Commons", "center": "Center",
	"centre": "Centre", "pool": "Pool", "market": "Market", "hall": "Hall",
}
