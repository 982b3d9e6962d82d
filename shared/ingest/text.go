package ingest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// DecodeText turns an export's bytes into UTF-8: a UTF-8 or UTF-16 byte-order mark is honoured
// and removed, and bytes that are not valid UTF-8 are read as Windows-1252, which is what
// Excel writes. It never fails: invalid input never stops a file.
func DecodeText(b []byte) []byte {
	bom, utf16 := textEncoding(b)
	if utf16 != nil {
		if out, err := utf16.Bytes(b); err == nil {
			return out
		}
	}
	b = b[bom:]
	if utf8.Valid(b) {
		return b
	}
	// Mixed files exist: keep valid UTF-8 sequences, read each invalid byte as Windows-1252.
	out, _, _ := transform.Bytes(fixText{}, b) // fixText never fails
	return out
}

// textEncoding says how an export is encoded, from its first four bytes: UTF-8 after a
// byte-order mark of bom bytes, or UTF-16 (with a byte-order mark, or ASCII then NUL as some
// tools write it without one), read by the decoder it returns.
func textEncoding(head []byte) (bom int, utf16 *encoding.Decoder) {
	switch b := head; {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return 3, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return 0, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0:
		return 0, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case len(b) >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0:
		return 0, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	}
	return 0, nil
}

// CleanText NFC-normalizes text, drops control characters other than newlines and tabs, and
// trims surrounding space.
func CleanText(s string) string {
	if plainASCII(s) { // most text: nothing to normalize or drop
		return strings.TrimSpace(s)
	}
	s = norm.NFC.String(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return -1
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7F {
			return false
		}
	}
	return true
}

// textReader reads r as DecodeText would give it, with every CR that no LF follows made an LF
// (classic Mac OS and some Excel exports end lines so; encoding/csv would read it as data and
// run rows together), a buffer at a time: a CSV export is parsed as it arrives rather than
// held whole.
func textReader(r io.Reader) io.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head, _ := br.Peek(4) // a short or failed peek leaves the error to the first Read
	bom, utf16 := textEncoding(head)
	br.Discard(bom)
	if utf16 != nil {
		return transform.NewReader(br, transform.Chain(utf16, fixText{loneCR: true}))
	}
	return transform.NewReader(br, fixText{loneCR: true})
}

// fixText is DecodeText's Windows-1252 fallback as a transform: valid UTF-8 passes as it is,
// and a byte that is not valid UTF-8 is read as Windows-1252. With loneCR, a CR that no LF
// follows becomes LF.
type fixText struct {
	transform.NopResetter
	loneCR bool
}

func (t fixText) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst == len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			if c == '\r' && t.loneCR {
				switch {
				case nSrc+1 < len(src):
					if src[nSrc+1] != '\n' {
						c = '\n'
					}
				case !atEOF:
					return nDst, nSrc, transform.ErrShortSrc // is an LF next?
				default:
					c = '\n'
				}
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		if !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			r = charmap.Windows1252.DecodeByte(c)
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		if size > 1 {
			nDst += copy(dst[nDst:], src[nSrc:nSrc+size])
		} else {
			nDst += utf8.EncodeRune(dst[nDst:], r)
		}
		nSrc += size
	}
	return nDst, nSrc, nil
}
