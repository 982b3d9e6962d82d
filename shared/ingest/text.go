package ingest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// DecodeText turns an export's bytes into UTF-8: a UTF-8 or UTF-16 byte-order mark is honoured
// and removed, and bytes that are not valid UTF-8 are read as Windows-1252, which is what
// Excel writes. It never fails: invalid input never stops a file.
func DecodeText(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err == nil {
			return out
		}
	case len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0:
		// UTF-16 without a byte-order mark, as some tools write it: ASCII then NUL.
		if out, err := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder().Bytes(b); err == nil {
			return out
		}
	case len(b) >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0:
		if out, err := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder().Bytes(b); err == nil {
			return out
		}
	}
	if utf8.Valid(b) {
		return b
	}
	// Mixed files exist: keep valid UTF-8 sequences, read each invalid byte as Windows-1252.
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/8)
	dec := charmap.Windows1252.DecodeByte
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out.WriteRune(dec(b[0]))
			b = b[1:]
			continue
		}
		out.Write(b[:size])
		b = b[size:]
	}
	return out.Bytes()
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

// textReader reads r as DecodeText and then loneCRToLF would give it, a buffer at a time:
// a CSV export is parsed as it arrives rather than held whole. A byte-order mark or UTF-16
// is recognised from the first four bytes, as DecodeText recognises them.
func textReader(r io.Reader) io.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	b, _ := br.Peek(4) // a short or failed peek leaves the error to the first Read
	var dec transform.Transformer
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		dec = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0:
		dec = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case len(b) >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0:
		dec = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	}
	if dec != nil {
		return transform.NewReader(br, transform.Chain(dec, lineText{}))
	}
	return transform.NewReader(br, lineText{})
}

// lineText is DecodeText's Windows-1252 fallback and loneCRToLF as a transform: valid UTF-8
// passes as it is, a byte that is not valid UTF-8 is read as Windows-1252, and a CR that no
// LF follows becomes LF.
type lineText struct{ transform.NopResetter }

func (lineText) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst == len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			if c == '\r' {
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
