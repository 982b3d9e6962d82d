package score

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// token is one word of a text: its byte span in the text and its lower-case form.
type token struct {
	start, end int    // byte offsets in the original text
	lower      string // lower-cased; a trailing possessive 's is dropped
	brk        bool   // punctuation other than a space, hyphen or apostrophe precedes it
	apos       bool   // has an inner apostrophe: a contraction (don't, it's)
	info       wordInfo
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
	brk := false
	for i := 0; i < len(lower); {
		c := lower[i]
		if c < utf8.RuneSelf {
			if isWordByte(c) {
				j := i + 1
				apos := false
				for j < len(lower) {
					d := lower[j]
					if isWordByte(d) {
						j++
						continue
					}
					if d == '\'' && j+1 < len(lower) && isWordByte(lower[j+1]) {
						j += 2
						apos = true
						continue
					}
					if d >= utf8.RuneSelf {
						r, n := utf8.DecodeRuneInString(lower[j:])
						if unicode.IsLetter(r) || unicode.IsDigit(r) {
							j += n
							continue
						}
						if r == '’' && j+n < len(lower) && isWordByte(lower[j+n]) {
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
		r, n := utf8.DecodeRuneInString(lower[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			j := i + n
			for j < len(lower) {
				r2, n2 := utf8.DecodeRuneInString(lower[j:])
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
	return toks, lower
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
	return token{start: i, end: j, lower: w, brk: brk, apos: apos}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// lowerSameLen lower-cases s keeping every byte offset: ASCII fast path, and non-ASCII
// letters whose lower case has another length are left as they are.
func lowerSameLen(s string) string {
	upper, ascii := false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		b := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return bytesToString(b)
	}
	b := make([]byte, 0, len(s))
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
	return bytesToString(b)
}

// bytesToString hands a buffer that is never written again to a string without copying it,
// as strings.Builder does.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
