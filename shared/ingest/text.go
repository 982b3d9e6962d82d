package ingest

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
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
