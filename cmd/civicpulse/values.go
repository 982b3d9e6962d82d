package main

import (
	"bytes"
	"os"
	"strings"
	"time"
)

// monthsFlag collects repeated --month values.
type monthsFlag []string

func (m *monthsFlag) String() string     { return strings.Join(*m, ",") }
func (m *monthsFlag) Set(v string) error { *m = append(*m, v); return nil }

// now is the one clock of the command; stages take the time as a value. CIVICPULSE_NOW (RFC
// 3339) stops it, so that a run can be repeated byte for byte (kill_test.go does).
func now() time.Time {
	if t, err := time.Parse(time.RFC3339, os.Getenv("CIVICPULSE_NOW")); err == nil {
		return t.UTC()
	}
	return time.Now().UTC()
}

func cutS3(name string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(name, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, ok = strings.Cut(rest, "/")
	return bucket, key, ok && key != ""
}

func bytesReaderAt(b []byte) *bytes.Reader { return bytes.NewReader(b) }
