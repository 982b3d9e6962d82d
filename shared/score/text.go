package score

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// token is one word of a text: its byte span in the text and its lower-case form.
type token struct {
	start, end int32     // byte offsets in the original text
	brk        bool      // punctuation other than a space, hyphen or apostrophe precedes it
	apos       bool      // has an inner apostrophe: a contraction (don't, it's)
	class      uint8     // info.class
	has        uint8     // hasPats, hasNamed, prefixed: what info holds, without reading it
	lower      string    // lower-cased; a trailing possessive 's is dropped
	info       *wordInfo // set by setInfo (nil before)
}

// What a token's info holds.
const (
	hasPats  uint8 = 1 << iota // topic patterns start at the word
	hasNamed                   // configured place names start at it
	prefixed                   // info.pats has the prefix patterns too (wordInfo.prefixed)
)

// setInfo gives the token what the readers know of its word.
func (tk *token) setInfo(info *wordInfo) {
	tk.info, tk.class, tk.has = info, info.class, 0
	if len(info.pats) > 0 {
		tk.has |= hasPats
	}
	if len(info.named) > 0 {
		tk.has |= hasNamed
	}
	if info.prefixed {
		tk.has |= prefixed
	}
}

// tokenize splits text into words of letters, digits and inner apostrophes. It lower-cases
// once for the whole text, so tokens are substrings and cost no allocation each.
func tokenize(text string, toks []token) []token {
	toks, _ = lowerTokens(text, toks)
	return toks
}

// lowerTokens is tokenize that also returns the lower-cased text the tokens index.
func lowerTokens(text string, toks []token) ([]token, string) {
	lower := lowerSameLen(text)
	toks, _ = appendTokens(lower, 0, len(lower), false, toks)
	return toks, lower
}

// appendTokens appends the tokens of lower[from:to], a lower-cased text, with offsets in
// lower; brk is whether punctuation precedes from since the last token, and the result
// whether punctuation ends the span after its last token.
func appendTokens(lower string, from, to int, brk bool, toks []token) ([]token, bool) {
	for i := from; i < to; {
		c := lower[i]
		if c < utf8.RuneSelf {
			if isWordByte(c) {
				j := i + 1
				apos := false
				for j < to {
					d := lower[j]
					if isWordByte(d) {
						j++
						continue
					}
					if d == '\'' && j+1 < to && isWordByte(lower[j+1]) {
						j += 2
						apos = true
						continue
					}
					if d >= utf8.RuneSelf {
						r, n := utf8.DecodeRuneInString(lower[j:to])
						if unicode.IsLetter(r) || unicode.IsDigit(r) {
							j += n
							continue
						}
						if r == '’' && j+n < to && isWordByte(lower[j+n]) {
							j += n + 1
							apos = true
							continue
						}
					}
					break
				}
				toks = append(toks, newToken(lower, i, j, brk, apos))
				brk = false
				i = j
				continue
			}
			switch c {
			case ' ', '\t', '-', '\'', '"', '*', '/', '&', '#', '@':
			default:
				brk = true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(lower[i:to])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			j := i + n
			for j < to {
				r2, n2 := utf8.DecodeRuneInString(lower[j:to])
				if r2 < utf8.RuneSelf && isWordByte(byte(r2)) || unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					j += n2
					continue
				}
				break
			}
			toks = append(toks, newToken(lower, i, j, brk, false))
			brk = false
			i = j
			continue
		}
		if !unicode.IsSpace(r) && r != '’' && r != '‘' && r != '“' && r != '”' {
			brk = true
		}
		i += n
	}
	return toks, brk
}

func newToken(lower string, i, j int, brk, apos bool) token {
	w := lower[i:j]
	if apos {
		if s, ok := strings.CutSuffix(w, "'s"); ok && s != "" {
			w = s
		} else if s, ok := strings.CutSuffix(w, "’s"); ok && s != "" {
			w = s
		}
		apos = strings.IndexByte(w, '\'') >= 0 || strings.Contains(w, "’")
	}
	return token{start: int32(i), end: int32(j), lower: w, brk: brk, apos: apos}
}

func isWordByte(c byte) bool { return wordBytes[c] }

// wordBytes marks the ASCII letters and digits: one load per byte instead of three ranges.
var wordBytes = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
	}
	return t
}()

// lowerSameLen lower-cases s keeping every byte offset: ASCII fast path eight bytes at a time,
// and non-ASCII letters whose lower case has another length are left as they are.
func lowerSameLen(s string) string {
	l, _ := lowerInto(nil, s)
	return l
}

// lowerInto is lowerSameLen writing to buf, grown as needed, unless s is lower case already:
// the result points into the returned buffer, or is s.
func lowerInto(buf []byte, s string) (string, []byte) {
	var any uint64 // high bit of a byte set: non-ASCII; 0x20 bit: an upper-case letter
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := load64(s[i:])
		any |= v&hiBits | upperBits(v)
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			any |= hiBits
		} else if c >= 'A' && c <= 'Z' {
			any |= 0x20
		}
	}
	if any&hiBits == 0 {
		if any == 0 {
			return s, buf
		}
		b := slices.Grow(buf[:0], len(s))[:len(s)]
		i := 0
		for ; i+8 <= len(s); i += 8 {
			v := load64(s[i:])
			binary.LittleEndian.PutUint64(b[i:], v|upperBits(v))
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return bytesToString(b), b
	}
	b := slices.Grow(buf[:0], len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if l := unicode.ToLower(r); l != r && r != utf8.RuneError && utf8.RuneLen(l) == n {
			b = utf8.AppendRune(b, l)
		} else {
			b = append(b, s[i:i+n]...) // as it was, invalid bytes too: offsets must not move
		}
		i += n
	}
	return bytesToString(b), b
}

const (
	ones   = 0x0101010101010101
	hiBits = 0x8080808080808080
)

// upperBits has 0x20 in each byte of v, all ASCII, that is an upper-case letter: v|upperBits(v)
// is v lower-cased.
func upperBits(v uint64) uint64 {
	ge := v + (0x80-'A')*ones   // high bit set where byte >= 'A'
	gt := v + (0x80-'Z'-1)*ones // high bit set where byte > 'Z'
	return (ge &^ gt &^ v & hiBits) >> 2
}

// load64 reads the first eight bytes of s, little-endian.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// bytesToString hands a buffer that is never written again to a string without copying it,
// as strings.Builder does.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
