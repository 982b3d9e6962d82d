package score

import (
	"slices"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
)

// Matcher finds the topics of a text by the keyword rules of a taxonomy. It is compiled once:
// each text is split into words once and each word is looked up in a map from first word
// (or first three letters of a prefix pattern) to the patterns that can start there, so the
// cost per text grows with its length, not with the size of the taxonomy. A Matcher is safe
// for concurrent use.
type Matcher struct {
	ids    []string
	exact  map[string][]int // first word -> patterns
	prefix map[string][]int // first three letters of a first word ending in * -> patterns
	// byPrefix is prefix as a table indexed by three letters a-z (prefixIndex): an array read
	// per word instead of a map lookup. Stems with other characters stay in the map only.
	byPrefix    [26 * 26 * 26]uint16 // index+1 into prefixLists
	prefixLists [][]int
	pats        []pattern
	lex         lexicon
}

type pattern struct {
	words   []patWord
	topic   int
	weight  float64
	exclude bool
}

type patWord struct {
	w      string
	prefix bool // w* : any word starting with w
}

// minPrefix is the shortest stem a prefix pattern may have; shorter ones ("ca*") match too
// much to be meant and are taken as whole words.
const minPrefix = 3

// NewMatcher compiles a taxonomy. Keywords and exclusions are words or phrases, split into
// words as texts are (hyphens and punctuation separate words); a word ending in * matches
// any word it starts. A keyword of one word weighs 1, a phrase 2, unless Weights says
// otherwise.
func NewMatcher(topics []config.Topic) *Matcher {
	m := &Matcher{exact: map[string][]int{}, prefix: map[string][]int{}}
	for ti, t := range topics {
		m.ids = append(m.ids, t.ID)
		seen := map[string]bool{}
		add := func(k string, weight float64, exclude bool) {
			p := compilePattern(k)
			if len(p.words) == 0 {
				return
			}
			p.topic, p.exclude, p.weight = ti, exclude, weight
			if p.weight == 0 {
				p.weight = 1
				if len(p.words) > 1 {
					p.weight = 2
				}
			}
			i := len(m.pats)
			m.pats = append(m.pats, p)
			if first := p.words[0]; first.prefix {
				m.prefix[first.w[:minPrefix]] = append(m.prefix[first.w[:minPrefix]], i)
			} else {
				m.exact[first.w] = append(m.exact[first.w], i)
			}
		}
		for _, k := range t.Keywords {
			seen[k] = true
			add(k, t.Weights[k], false)
		}
		ws := make([]string, 0, len(t.Weights))
		for k := range t.Weights {
			if !seen[k] {
				ws = append(ws, k)
			}
		}
		slices.Sort(ws) // map order must not change the compiled matcher
		for _, k := range ws {
			add(k, t.Weights[k], false)
		}
		for _, k := range t.Exclude {
			add(k, 0, true)
		}
	}
	for stem, pats := range m.prefix {
		if k, ok := prefixIndex(stem); ok && len(m.prefixLists) < 1<<16-1 {
			m.prefixLists = append(m.prefixLists, pats)
			m.byPrefix[k] = uint16(len(m.prefixLists))
		}
	}
	m.lex = newLexicon(m, nil)
	return m
}

func compilePattern(k string) pattern {
	var p pattern
	for _, f := range strings.Fields(k) {
		star := strings.HasSuffix(f, "*")
		for _, tk := range tokenize(strings.TrimSuffix(f, "*"), nil) {
			p.words = append(p.words, patWord{w: tk.lower})
		}
		if star && len(p.words) > 0 && len(p.words[len(p.words)-1].w) >= minPrefix {
			p.words[len(p.words)-1].prefix = true
		}
	}
	return p
}

// prefixIndex is the table index of a word's first three letters, when they are a-z.
func prefixIndex(w string) (int, bool) {
	a, b, c := w[0]-'a', w[1]-'a', w[2]-'a'
	if a >= 26 || b >= 26 || c >= 26 {
		return 0, false
	}
	return int(a)*676 + int(b)*26 + int(c), true
}

// maxHits bounds the keyword hits read from one text: resolving overlaps is quadratic in
// them, and by then a huge text's topics are plain.
const maxHits = 256

// hit is one pattern matched at tokens [start, end).
type hit struct {
	pat        int
	start, end int
}

// Match returns the topics a text mentions, in taxonomy order, and the primary topic: the one
// whose keywords weigh most (the first in taxonomy order on a tie). No keyword means no topic:
// the matcher never guesses.
func (m *Matcher) Match(text string) (topics []string, primary string) {
	var buf [64]token
	toks := tokenize(text, buf[:0])
	m.lex.annotate(toks)
	return m.matchTokens(nil, toks)
}

// matchTokens is Match of annotated tokens; it appends the topics to dst.
func (m *Matcher) matchTokens(dst []string, toks []token) (topics []string, primary string) {
	var hbuf [16]hit
	hits := hbuf[:0]
	for i := range toks {
		if len(hits) >= maxHits {
			break
		}
		tk := &toks[i]
		if tk.has&hasPats != 0 {
			for _, p := range tk.info.pats {
				if p.words == 1 || m.pats[p.pat].matchRest(toks, i) {
					hits = append(hits, hit{int(p.pat), i, i + int(p.words)})
				}
			}
		}
		if tk.has&prefixed == 0 && len(tk.lower) >= minPrefix {
			var cands []int
			if k, ok := prefixIndex(tk.lower); ok {
				if j := m.byPrefix[k]; j > 0 {
					cands = m.prefixLists[j-1]
				}
			} else {
				cands = m.prefix[tk.lower[:minPrefix]]
			}
			for _, pi := range cands {
				if m.pats[pi].matchAt(toks, i) {
					hits = append(hits, hit{pi, i, i + len(m.pats[pi].words)})
				}
			}
		}
	}
	if len(hits) == 0 {
		return dst, ""
	}
	var sbuf [16]float64
	scores := sbuf[:0]
	if len(m.ids) > len(sbuf) {
		scores = make([]float64, len(m.ids))
	} else {
		scores = sbuf[:len(m.ids)]
	}
	for hi, h := range hits {
		p := &m.pats[h.pat]
		if p.exclude || m.vetoed(hits, hi) || m.shadowed(hits, hi) {
			continue
		}
		scores[p.topic] += p.weight
	}
	best, bestScore := -1, 0.0
	for ti, s := range scores {
		if s > bestScore {
			best, bestScore = ti, s
		}
	}
	if best < 0 {
		return dst, ""
	}
	// Words that mostly name a location weigh under 1: they make a topic only when it is
	// the primary one.
	for ti, s := range scores {
		if s >= 1 || ti == best {
			dst = append(dst, m.ids[ti])
		}
	}
	return dst, m.ids[best]
}

// vetoed reports whether hit hi is cancelled: an exclusion of its topic overlaps it, or it
// lies inside a longer keyword of another topic ("construction noise" is noise, not housing).
func (m *Matcher) vetoed(hits []hit, hi int) bool {
	h := hits[hi]
	p := &m.pats[h.pat]
	for _, o := range hits {
		q := &m.pats[o.pat]
		if q.topic == p.topic {
			if q.exclude && o.start < h.end && h.start < o.end {
				return true
			}
			continue
		}
		if !q.exclude && o.start <= h.start && h.end <= o.end && o.end-o.start > h.end-h.start {
			return true
		}
	}
	return false
}

// shadowed reports whether hit hi is inside another keyword of its own topic ("street" in
// "street light"), which counts instead.
func (m *Matcher) shadowed(hits []hit, hi int) bool {
	h := hits[hi]
	p := &m.pats[h.pat]
	for oi, o := range hits {
		q := &m.pats[o.pat]
		if oi == hi || q.topic != p.topic || q.exclude || o.start > h.start || h.end > o.end {
			continue
		}
		if o.end-o.start > h.end-h.start || oi < hi {
			return !m.vetoed(hits, oi)
		}
	}
	return false
}

// patRef is a pattern that can start at a word, which matches there when it has one word.
type patRef struct {
	pat, words int32
}

// startingAt returns the patterns that can start at word w, in the order matchTokens tries
// them: those whose first word is w, then those whose first word is a prefix of w.
func (m *Matcher) startingAt(w string) []patRef {
	var pats []patRef
	add := func(pi int) { pats = append(pats, patRef{int32(pi), int32(len(m.pats[pi].words))}) }
	for _, pi := range m.exact[w] {
		add(pi)
	}
	if len(w) >= minPrefix {
		for _, pi := range m.prefix[w[:minPrefix]] {
			if strings.HasPrefix(w, m.pats[pi].words[0].w) {
				add(pi)
			}
		}
	}
	return pats
}

// matchRest is matchAt for a pattern known to match its first word at i.
func (p *pattern) matchRest(toks []token, i int) bool {
	if i+len(p.words) > len(toks) {
		return false
	}
	for j := 1; j < len(p.words); j++ {
		w := p.words[j]
		if toks[i+j].brk {
			return false // a phrase does not run across punctuation
		}
		tok := toks[i+j].lower
		if w.prefix {
			if !strings.HasPrefix(tok, w.w) {
				return false
			}
		} else if tok != w.w {
			return false
		}
	}
	return true
}

func (p *pattern) matchAt(toks []token, i int) bool {
	if i+len(p.words) > len(toks) {
		return false
	}
	for j, w := range p.words {
		tok := toks[i+j].lower
		if j > 0 && toks[i+j].brk {
			return false // a phrase does not run across punctuation
		}
		if w.prefix {
			if !strings.HasPrefix(tok, w.w) {
				return false
			}
		} else if tok != w.w {
			return false
		}
	}
	return true
}
