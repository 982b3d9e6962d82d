package ingest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/table"
)

// streamed is what Stream hands on and returns for one export.
type streamed struct {
	items   []ingest.Item
	answers []table.SurveyAnswer
	bad     []ingest.Bad
	err     error
}

func stream(r io.Reader, name string, opts ingest.Options) streamed {
	var s streamed
	b, err := ingest.Stream(r, name, opts,
		func(it *ingest.Item) { s.items = append(s.items, *it) },
		func(a *table.SurveyAnswer) { s.answers = append(s.answers, *a) })
	s.err = err
	if b != nil {
		s.bad = b.Bad
		if len(b.Items)+len(b.Answers) > 0 {
			s.err = fmt.Errorf("Stream kept %d items and %d answers in its Batch", len(b.Items), len(b.Answers))
		}
	}
	return s
}

// TestStreamGivesWhatParseGives: for every export of the hostile corpus and a long social
// export, read whole, a byte at a time, and in runs of a few hundred bytes (so that pages
// straddle runs), Stream hands on the records Parse returns, in order, with the same bad ones.
func TestStreamGivesWhatParseGives(t *testing.T) {
	city, err := config.Load(strings.NewReader(hostileCity), "hostile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type input struct {
		name string
		src  config.Source
		raw  []byte
	}
	var inputs []input
	for _, c := range readCases(t) {
		src, ok := city.Source(c.Format)
		if !ok {
			t.Fatalf("format %q has no source in hostileCity", c.Format)
		}
		inputs = append(inputs, input{c.File, src, corpusFile(t, c.File)})
	}
	inputs = append(inputs, input{"social.jsonl", config.Source{ID: "twitter", Format: "twitter"}, socialExport(3000)})
	readers := []struct {
		name  string
		chunk int
		wrap  func(io.Reader) io.Reader
	}{
		{"whole", 256 << 10, func(r io.Reader) io.Reader { return r }},
		{"runs of 300 bytes, a byte at a time", 300, iotest.OneByteReader},
		{"runs of 4 kB", 4096, iotest.HalfReader},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			defer ingest.SetChunkBytes(rd.chunk)()
			for _, in := range inputs {
				opts := ingest.Options{Source: in.src, Location: city.Location(), DistrictID: city.DistrictID, IngestedAt: ingestTime}
				b, perr := ingest.Parse(bytes.NewReader(in.raw), in.name, opts)
				got := stream(rd.wrap(bytes.NewReader(in.raw)), in.name, opts)
				if (perr != nil) != (got.err != nil) {
					t.Errorf("%s: Parse error %v, Stream error %v", in.name, perr, got.err)
					continue
				}
				if perr != nil {
					continue
				}
				if len(b.Items) != len(got.items) || len(b.Answers) != len(got.answers) || len(b.Bad) != len(got.bad) {
					t.Errorf("%s: Parse gave %d items, %d answers, %d bad; Stream %d, %d, %d", in.name,
						len(b.Items), len(b.Answers), len(b.Bad), len(got.items), len(got.answers), len(got.bad))
					continue
				}
				for i := range b.Items {
					if !reflect.DeepEqual(b.Items[i], got.items[i]) {
						t.Errorf("%s: item %d: Parse %+v; Stream %+v", in.name, i, b.Items[i], got.items[i])
						break
					}
				}
				for i := range b.Answers {
					if !reflect.DeepEqual(b.Answers[i], got.answers[i]) {
						t.Errorf("%s: answer %d: Parse %+v; Stream %+v", in.name, i, b.Answers[i], got.answers[i])
						break
					}
				}
				for i := range b.Bad {
					if !reflect.DeepEqual(b.Bad[i], got.bad[i]) {
						t.Errorf("%s: bad %d: Parse %+v; Stream %+v", in.name, i, b.Bad[i], got.bad[i])
						break
					}
				}
			}
		})
	}
}

// TestStreamCSVReadError: a CSV export is read as it is parsed, so a read that fails half way
// (a connection reset that the store could not resume) fails the file with the read's error;
// it is not taken for a malformed row and the file is not taken as ending there.
func TestStreamCSVReadError(t *testing.T) {
	city, err := config.Load(strings.NewReader(hostileCity), "hostile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("connection reset")
	tested := map[string]bool{}
	for _, c := range readCases(t) {
		if tested[c.Format] || !strings.HasSuffix(c.File, ".csv") || c.Good+c.Answers < 2 {
			continue
		}
		raw := corpusFile(t, c.File)
		if raw[0] >= 0x80 || raw[0] == 0 || raw[1] == 0 { // read whole, not streamed: a byte-order mark or UTF-16
			continue
		}
		tested[c.Format] = true
		t.Run(c.File, func(t *testing.T) {
			src, _ := city.Source(c.Format)
			opts := ingest.Options{Source: src, Location: city.Location(), IngestedAt: ingestTime}
			r := io.MultiReader(bytes.NewReader(raw[:len(raw)*2/3]), iotest.ErrReader(broken))
			got := stream(r, c.File, opts)
			if !errors.Is(got.err, broken) {
				t.Errorf("error %v, want the read's error", got.err)
			}
		})
	}
	for _, f := range []string{"surveymonkey", "qualtrics", "googleforms", "csv"} {
		if !tested[f] {
			t.Errorf("no %s export in the corpus to cut", f)
		}
	}
}
