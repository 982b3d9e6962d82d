package ingest

import (
	"bytes"
	"fmt"
	"time"
)

// The years a record's date may fall in. The lake's Parquet timestamps cannot hold a date
// past 2262 (a time.Time's UnixNano): one would be stored as another date without a word. A
// date outside these years is a vendor's or a typist's error, not when a resident wrote.
var (
	minDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkDate refuses a date outside the years 1900 to 2199.
func checkDate(t time.Time) error {
	if t.Before(minDate) || !t.Before(maxDate) {
		return fmt.Errorf("%s is out of range (years 1900 to 2199)", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// loneCRToLF ends lines at a CR that no LF follows, as classic Mac OS and some Excel
// exports write them; encoding/csv would read it as data and run rows together. It copies
// b only when it has such a CR.
func loneCRToLF(b []byte) []byte {
	i := bytes.IndexByte(b, '\r')
	for i >= 0 && i+1 < len(b) && b[i+1] == '\n' {
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			return b
		}
		i += 1 + j
	}
	if i < 0 {
		return b
	}
	out := bytes.Clone(b)
	for k := i; k < len(out); k++ {
		if out[k] == '\r' && (k+1 == len(out) || out[k+1] != '\n') {
			out[k] = '\n'
		}
	}
	return out
}

// isJSONSpace says whether c is white space between JSON values.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
