package sentiment

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/civicpulse/civicpulse/shared/score/internal/wordmap"
)

// token is one whitespace-separated word of the text, as VADER's SentiText sees it.
type token struct {
	lo, hi  int32 // lower-case form in scratch.low
	e       entry // dictionary entry of the lower-case form (may be rewritten by Civic phrases)
	upper   bool  // Python's str.isupper() on the token
	negated bool  // VADER's negated(): in the negation list or contains "n't"
	span    uint8 // Civic: tokens in the phrase this token starts; 0 inside a phrase
	key     int32 // index of the lower-case form in Analyzer.words, or -1
	ctx     bool  // Civic: counts only when the text complains elsewhere
}

// scratch holds one call's buffers; Analyzers pool them so that scoring does not allocate.
type scratch struct {
	text  []byte    // text with emoji replaced by their descriptions, when it has any
	low   []byte    // lower-case tokens, each followed by a space
	toks  []token   // tokens of text
	sent  []float64 // valence of each token
	amp   float64   // punctuation emphasis of the text
	civic bool      // scoring in Civic mode
	// words collects the plain words of the text for Analyzer.Scan; nil otherwise.
	words   *[]Word
	splices []splice // where s.text has emoji descriptions
}

func (s *scratch) word(i int) []byte { return s.low[s.toks[i].lo:s.toks[i].hi] }

func (s *scratch) is(i int, w string) bool { return string(s.word(i)) == w }

// run scores text into s and returns the compound score.
func (a *Analyzer) run(s *scratch, text string) float64 {
	s.civic = a.mode == Civic
	if isASCII(text) {
		a.tokenize(s, text) // no emoji: tokens index text itself
	} else {
		a.expandEmoji(s, text)
		a.tokenize(s, unsafe.String(unsafe.SliceData(s.text), len(s.text)))
		if s.words != nil {
			s.mapWords()
		}
	}
	if a.mode == Civic {
		a.matchPhrases(s)
	}
	n := len(s.toks)
	s.sent = slices.Grow(s.sent[:0], n)[:n]
	capDiff := s.capDifferential()
	for i := range s.toks {
		t := &s.toks[i]
		switch {
		case t.e.flags&fBoost != 0:
			s.sent[i] = 0
		case i < n-1 && t.e.word == wKind && s.toks[i+1].e.word == wOf:
			s.sent[i] = 0
		default:
			s.sent[i] = s.valence(i, capDiff)
		}
	}
	if a.mode == Civic {
		a.civicRules(s, text)
	}
	s.butCheck()
	s.amp = punctuationEmphasis(text)
	return s.compound(s.sum())
}

// expandEmoji writes text to s.text with each emoji replaced by its description, exactly as
// Python VADER's polarity_scores does (a space before the description unless one precedes it,
// none after), and records where in s.splices.
func (a *Analyzer) expandEmoji(s *scratch, text string) {
	dst := s.text[:0]
	s.splices = s.splices[:0]
	prevSpace := true
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			prevSpace = c == ' '
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if d, ok := a.emoji[r]; ok && size > 1 {
			at := len(dst)
			if !prevSpace {
				dst = append(dst, ' ')
			}
			dst = append(dst, d...)
			s.splices = append(s.splices, splice{at: int32(at), n: int32(len(dst) - at), cut: int32(size)})
		} else {
			dst = append(dst, text[i:i+size]...)
		}
		prevSpace = false
		i += size
	}
	s.text = dst
}

// splice is an emoji description in s.text: n bytes at offset at, in place of cut bytes of
// the text.
type splice struct{ at, n, cut int32 }

// mapWords turns the offsets of s.words from s.text to the text, dropping the words that are
// not in the text (those of emoji descriptions).
func (s *scratch) mapWords() {
	words := *s.words
	out := words[:0]
	k, delta := 0, int32(0)
	for _, w := range words {
		for k < len(s.splices) && s.splices[k].at+s.splices[k].n <= w.Start {
			delta += s.splices[k].n - s.splices[k].cut
			k++
		}
		if k < len(s.splices) && s.splices[k].at < w.End {
			continue // in or across a description
		}
		w.Start, w.End = w.Start-delta, w.End-delta
		out = append(out, w)
	}
	*s.words = out
}

// isASCII reports whether text is all ASCII, eight bytes at a time.
func isASCII(text string) bool {
	i := 0
	for ; i+8 <= len(text); i += 8 {
		t := text[i : i+8]
		v := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		if v&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Classes of ASCII bytes, for tokenizing.
const (
	cSpace = 1 << iota // Python str.split() whitespace
	cPunct             // Python string.punctuation
	cUpper
	cLower
	cApos  // the apostrophe, also cPunct
	cDigit // 0-9
	cOther // control characters other than whitespace
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		switch {
		case c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f):
			t[c] = cSpace
		case c == '\'':
			t[c] = cPunct | cApos
		case (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~'):
			t[c] = cPunct
		case c >= 'A' && c <= 'Z':
			t[c] = cUpper
		case c >= 'a' && c <= 'z':
			t[c] = cLower
		case c >= '0' && c <= '9':
			t[c] = cDigit
		default:
			t[c] = cOther
		}
	}
	return t
}()

// tokenize splits b (the text with emoji expanded) on whitespace and strips punctuation as
// VADER's SentiText does.
func (a *Analyzer) tokenize(s *scratch, b string) {
	s.toks = s.toks[:0]
	s.low = s.low[:0]
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			if asciiClass[c]&cSpace != 0 {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(b[i:]); unicode.IsSpace(r) {
			i += size
			continue
		}
		start, ascii := i, true
		var seen uint8 // classes of the token's ASCII bytes
		for i < len(b) {
			c := b[i]
			if c < utf8.RuneSelf {
				class := asciiClass[c]
				if class&cSpace != 0 {
					break
				}
				seen |= class
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(b[i:])
			if unicode.IsSpace(r) {
				break
			}
			ascii = false
			i += size
		}
		a.addToken(s, b, start, i, ascii, seen)
	}
}

// addToken adds the token b[start:end]; seen is the classes of its ASCII bytes.
func (a *Analyzer) addToken(s *scratch, b string, start, end int, ascii bool, seen uint8) {
	w := b[start:end]
	// Strip leading and trailing punctuation unless that leaves two characters or fewer
	// (then it was likely an emoticon).
	l, r := 0, len(w)
	for l < r && w[l] < utf8.RuneSelf && asciiClass[w[l]]&cPunct != 0 {
		l++
	}
	for r > l && w[r-1] < utf8.RuneSelf && asciiClass[w[r-1]]&cPunct != 0 {
		r--
	}
	if (ascii && r-l > 2) || (!ascii && utf8.RuneCountInString(w[l:r]) > 2) {
		w = w[l:r]
		start += l
	}
	lo := len(s.low)
	apostrophe := false
	if ascii {
		if seen&cPunct != 0 { // maybe stripped: the classes of what is left
			seen = 0
			for k := range len(w) {
				seen |= asciiClass[w[k]]
			}
		}
		s.low = slices.Grow(s.low, len(w)+1)[:lo+len(w)]
		dst := s.low[lo:]
		copy(dst, w)
		if seen&cUpper != 0 {
			for k, c := range dst {
				if c-'A' < 26 {
					dst[k] = c + ('a' - 'A')
				}
			}
		}
		apostrophe = seen&cApos != 0
	} else {
		seen = 0
		for i := 0; i < len(w); {
			r, size := utf8.DecodeRuneInString(w[i:])
			if r == utf8.RuneError && size == 1 {
				s.low = append(s.low, w[i])
				i++
				continue
			}
			switch {
			case unicode.IsUpper(r):
				seen |= cUpper
			case unicode.IsLower(r) || unicode.IsTitle(r):
				seen |= cLower
			}
			apostrophe = apostrophe || r == '\''
			s.low = utf8.AppendRune(s.low, unicode.ToLower(r))
			i += size
		}
	}
	lw := s.low[lo:]
	var e entry
	key := int32(a.words.IndexBytes(lw))
	if key >= 0 {
		e = a.entries[key]
	}
	if s.words != nil && ascii && seen&^(cUpper|cLower|cDigit) == 0 {
		*s.words = append(*s.words, Word{Start: int32(start), End: int32(start + len(w)), Key: key})
	}
	s.toks = append(s.toks, token{
		lo: int32(lo), hi: int32(len(s.low)), e: e, key: key,
		upper:   seen&(cUpper|cLower) == cUpper,
		negated: e.flags&fNegate != 0 || (apostrophe && bytes.Contains(lw, []byte("n't"))),
		span:    1,
	})
	s.low = append(s.low, ' ')
}

// capDifferential reports whether some but not all tokens are ALL CAPS.
func (s *scratch) capDifferential() bool {
	caps := 0
	for i := range s.toks {
		if s.toks[i].upper {
			caps++
		}
	}
	d := len(s.toks) - caps
	return 0 < d && d < len(s.toks)
}

func (s *scratch) lex(i int) bool { return s.toks[i].e.flags&fLex != 0 }

// valence is VADER's sentiment_valence for token i.
func (s *scratch) valence(i int, capDiff bool) float64 {
	t := &s.toks[i]
	if t.e.flags&fLex == 0 {
		return 0
	}
	n := len(s.toks)
	v := t.e.val
	// "no" before a lexicon word negates it rather than counting itself.
	if t.e.word == wNo && i != n-1 && s.lex(i+1) {
		v = 0
	}
	if (i > 0 && s.toks[i-1].e.word == wNo) || (i > 1 && s.toks[i-2].e.word == wNo) ||
		(i > 2 && s.toks[i-3].e.word == wNo && (s.toks[i-1].e.word == wOr || s.toks[i-1].e.word == wNor)) {
		v = t.e.val * nScale
	}
	if t.upper && capDiff {
		if v > 0 {
			v += cIncr
		} else {
			v -= cIncr
		}
	}
	for k := range 3 {
		if i <= k || s.lex(i-k-1) {
			continue
		}
		sc := s.scalarIncDec(i-k-1, v, capDiff)
		if k == 1 && sc != 0 {
			sc *= 0.95
		}
		if k == 2 && sc != 0 {
			sc *= 0.9
		}
		v += sc
		v = s.negationCheck(v, k, i)
		if k == 2 {
			v = s.specialIdioms(v, i, s.civic)
		}
	}
	return s.leastCheck(v, i)
}

func (s *scratch) scalarIncDec(j int, v float64, capDiff bool) float64 {
	t := &s.toks[j]
	if t.e.flags&fBoost == 0 {
		return 0
	}
	sc := bIncr
	if t.e.flags&fDampen != 0 {
		sc = bDecr
	}
	if v < 0 {
		sc = -sc
	}
	if t.upper && capDiff {
		if v > 0 {
			sc += cIncr
		} else {
			sc -= cIncr
		}
	}
	return sc
}

func (s *scratch) wordID(i int) uint8 { return s.toks[i].e.word }

func (s *scratch) soOrThis(i int) bool { w := s.wordID(i); return w == wSo || w == wThis }

func (s *scratch) negationCheck(v float64, k, i int) float64 {
	switch k {
	case 0:
		if s.toks[i-1].negated {
			v *= nScale
		}
	case 1:
		switch {
		case s.wordID(i-2) == wNever && s.soOrThis(i-1):
			v *= 1.25
		case s.wordID(i-2) == wWithout && s.wordID(i-1) == wDoubt:
		case s.toks[i-2].negated:
			v *= nScale
		}
	case 2:
		// Python's precedence: (never and (so|this at i-2)) or (so|this at i-1).
		switch {
		case (s.wordID(i-3) == wNever && s.soOrThis(i-2)) || s.soOrThis(i-1):
			v *= 1.25
		case s.wordID(i-3) == wWithout && (s.wordID(i-2) == wDoubt || s.wordID(i-1) == wDoubt):
		case s.toks[i-3].negated:
			v *= nScale
		}
	}
	return v
}

// endsIdiom reports whether token i is the last word of a special case or booster n-gram.
func (s *scratch) endsIdiom(i int) bool {
	return i >= 0 && i < len(s.toks) && s.toks[i].e.flags&fIdiomEnd != 0
}

// seq reports whether the tokens from i on spell words.
func (s *scratch) seq(i int, words []string) bool {
	if i < 0 || i+len(words) > len(s.toks) {
		return false
	}
	for k, w := range words {
		if !s.is(i+k, w) {
			return false
		}
	}
	return true
}

// specialIdioms is VADER's _special_idioms_check, called only when i >= 3.
func (s *scratch) specialIdioms(v float64, i int, civic bool) float64 {
	// onezero, twoonezero, twoone, threetwoone, threetwo: the first that is an idiom wins.
	// VADER lets an idiom that ends before the word replace the word's valence ("bus stop,
	// thank you" scores "thank" 0); Civic only lets idioms that include the word do so.
	type span struct{ start, n int }
	spans := [...]span{{i - 1, 2}, {i - 2, 3}, {i - 2, 2}, {i - 3, 3}, {i - 3, 2}}
	head := spans[:]
	if civic {
		head = spans[:2]
	}
loop:
	for _, sp := range head {
		if !s.endsIdiom(sp.start + sp.n - 1) {
			continue
		}
		for _, c := range specialCases {
			if len(c.words) == sp.n && s.seq(sp.start, c.words) {
				v = c.val
				break loop
			}
		}
	}
	n := len(s.toks)
	for _, sp := range [...]span{{i, 2}, {i, 3}} {
		if n-1 > i+sp.n-2 && s.endsIdiom(sp.start+sp.n-1) {
			for _, c := range specialCases {
				if len(c.words) == sp.n && s.seq(sp.start, c.words) {
					v = c.val
				}
			}
		}
	}
	for _, sp := range [...]span{{i - 3, 3}, {i - 3, 2}, {i - 2, 2}} {
		if !s.endsIdiom(sp.start + sp.n - 1) {
			continue
		}
		for _, c := range multiBoosters {
			if len(c.words) == sp.n && s.seq(sp.start, c.words) {
				v += c.val
			}
		}
	}
	return v
}

func (s *scratch) leastCheck(v float64, i int) float64 {
	if i > 0 && !s.lex(i-1) && s.wordID(i-1) == wLeast {
		if i == 1 || (s.wordID(i-2) != wAt && s.wordID(i-2) != wVery) {
			v *= nScale
		}
	}
	return v
}

// maxQuirkTokens bounds the texts on which butCheck reproduces Python's list.index() quirk.
const maxQuirkTokens = 1000

// butCheck halves valences before the first "but" and multiplies those after it by 1.5,
// reproducing Python VADER's in-place list.index() loop, which rescales the first equal value
// rather than the current one when values repeat.
func (s *scratch) butCheck() {
	bi := -1
	for i := range s.toks {
		if s.wordID(i) == wBut {
			bi = i
			break
		}
	}
	if bi < 0 {
		return
	}
	sent := s.sent
	if len(sent) > maxQuirkTokens {
		// Reproducing the quirk costs O(n²); long texts get the rule as VADER means it.
		for i := range sent {
			if i < bi {
				sent[i] *= 0.5
			} else if i > bi {
				sent[i] *= 1.5
			}
		}
		return
	}
	for k := range sent {
		v := sent[k]
		if v == 0 {
			continue // 0 scaled is 0 wherever it lands
		}
		j := slices.Index(sent[:k+1], v)
		switch {
		case j < bi:
			sent[j] = v * 0.5
		case j > bi:
			sent[j] = v * 1.5
		}
	}
}

func (s *scratch) sum() float64 {
	var sum float64
	for _, v := range s.sent {
		sum += v
	}
	return sum
}

// compound is VADER's compound score of a valence sum, given s.amp.
func (s *scratch) compound(sum float64) float64 {
	if sum > 0 {
		sum += s.amp
	} else if sum < 0 {
		sum -= s.amp
	}
	return normalize(sum)
}

// punctuationEmphasis is VADER's boost for "!" (up to 4) and "?" (2 or more).
func punctuationEmphasis(text string) float64 {
	ep := min(strings.Count(text, "!"), 4)
	amp := float64(ep) * 0.292
	if qm := strings.Count(text, "?"); qm > 1 {
		if qm <= 3 {
			amp += float64(qm) * 0.18
		} else {
			amp += 0.96
		}
	}
	return amp
}

// topTerms finds the (at most MaxTerms) tokens or phrases whose removal would move the
// compound score most: their token indexes and contributions, largest first.
func (s *scratch) topTerms(compound float64, top *[MaxTerms]termAt) int {
	n := 0
	sum := s.sum()
	for i, v := range s.sent {
		if v == 0 {
			continue
		}
		c := compound - s.compound(sum-v)
		if c == 0 {
			continue
		}
		k := n
		for k > 0 && math.Abs(top[k-1].c) < math.Abs(c) {
			k--
		}
		if k >= MaxTerms {
			continue
		}
		if n < MaxTerms {
			n++
		}
		copy(top[k+1:n], top[k:n-1])
		top[k].i, top[k].c = i, c
	}
	return n
}

type termAt struct {
	i int
	c float64
}

// termText is the text of the term that token i starts: a dictionary key when it is one
// word, so that it costs no allocation.
func (s *scratch) termText(words *wordmap.Table, i int) string {
	t := &s.toks[i]
	if t.span <= 1 && t.key >= 0 {
		return words.Key(int(t.key))
	}
	last := i + max(int(t.span), 1) - 1
	return string(s.low[t.lo:s.toks[last].hi])
}

// terms returns the (at most MaxTerms) tokens or phrases whose removal would move the compound
// score most.
func (s *scratch) terms(words *wordmap.Table, compound float64) []Term {
	var top [MaxTerms]termAt
	n := s.topTerms(compound, &top)
	if n == 0 {
		return nil
	}
	out := make([]Term, n)
	for k := range n {
		out[k] = Term{Text: s.termText(words, top[k].i), Contribution: top[k].c}
	}
	return out
}

// termTexts is terms without the contributions.
func (s *scratch) termTexts(words *wordmap.Table, compound float64) []string {
	var buf [MaxTerms]string
	out := s.appendTermTexts(buf[:0], nil, words, compound)
	if len(out) == 0 {
		return nil
	}
	return append(make([]string, 0, len(out)), out...)
}

// appendTermTexts appends the texts of terms to dst; the texts of phrases are written to
// phrases, when not nil, rather than allocated.
func (s *scratch) appendTermTexts(dst []string, phrases *[]byte, words *wordmap.Table, compound float64) []string {
	var top [MaxTerms]termAt
	n := s.topTerms(compound, &top)
	for k := range n {
		i := top[k].i
		if t := &s.toks[i]; phrases != nil && t.span > 1 {
			b := *phrases
			start := len(b)
			b = append(b, s.low[t.lo:s.toks[i+int(t.span)-1].hi]...)
			*phrases = b
			dst = append(dst, unsafe.String(&b[start], len(b)-start))
			continue
		}
		dst = append(dst, s.termText(words, i))
	}
	return dst
}
