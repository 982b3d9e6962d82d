package main

import (
	"bytes"
	"strings"
	"time"
)

// monthsFlag collects repeated --month values.
type monthsFlag []string

func (m *monthsFlag) String() string     { return strings.Join(*m, ",") }
func (m *monthsFlag) Set(v string) error { *m = append(*m, v); return nil }

// now is the one clock of the command; stages take the time as a value.
func now() time.Time { return time.Now().UTC() }

func cutS3(name string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(name, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, ok = strings.Cut(rest, "/")
	return bucket, key, ok && key != ""
}

func bytesReaderAt(b []byte) *bytes.Reader { return bytes.NewReader(b) }
