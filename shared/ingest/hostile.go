package ingest

import (
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

// isJSONSpace says whether c is white space between JSON values.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
