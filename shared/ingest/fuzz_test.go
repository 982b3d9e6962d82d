package ingest_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
)

// Each parser has a fuzz target; its seed corpus is testdata/fuzz/<Fuzz name>/ (the real
// samples and the hostile files), which plain go test runs as regular tests. CI runs each
// briefly: go test -run '^$' -fuzz '^FuzzParseReddit$' -fuzztime 5s ./shared/ingest

func fuzzParser(f *testing.F, format string, src config.Source, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The hostile corpus's files of this format are seeds too (not the recipes: they are
	// big once expanded, and little to mutate before).
	for _, c := range readCases(f) {
		if c.Format == format && !strings.HasSuffix(c.File, ".recipe") {
			b, err := os.ReadFile(filepath.Join("testdata", "hostile", c.File))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	src.ID, src.Format = "s", format
	red := &ingest.Redactor{Key: []byte("k")}
	f.Fuzz(func(t *testing.T, b []byte) {
		batch, err := ingest.Parse(bytes.NewReader(b), "f", ingest.Options{Source: src, Location: chicago, IngestedAt: ingestTime})
		if err != nil {
			return // a file that is not this format at all
		}
		if batch == nil {
			t.Fatal("nil batch without error")
		}
		for _, it := range batch.Items {
			f := it.Feedback
			if f.ID == "" || f.NativeID == "" || f.Text == "" || f.Month == "" || !utf8.ValidString(f.Text) {
				t.Fatalf("item without id, text or month, or with invalid UTF-8: %+v", f)
			}
		}
		for _, a := range batch.Answers {
			if a.ResponseID == "" || a.QuestionID == "" || !utf8.ValidString(a.AnswerText) {
				t.Fatalf("answer without ids or with invalid UTF-8: %+v", a)
			}
		}
		for _, bad := range batch.Bad {
			if bad.File == "" || bad.Reason == "" || (bad.Reason != "empty file" && bad.Line == 0 && bad.Path == "") {
				t.Fatalf("bad record that does not say where or why: %+v", bad)
			}
		}
		red.Apply(batch)
	})
}

func FuzzParseSurveyMonkey(f *testing.F) {
	fuzzParser(f, "surveymonkey", config.Source{DistrictQuestion: "District?"},
		"RespondentID,EndDate,Q?\n,,Open-Ended Response\n1,01/02/2026 03:04:05 PM,hi\n", "RespondentID\n\n\"unterminated")
}

func FuzzParseQualtrics(f *testing.F) {
	fuzzParser(f, "qualtrics", config.Source{},
		"ResponseId,RecordedDate,Q1_TEXT\nid,date,Say\n{\"ImportId\":\"_recordId\"},{\"ImportId\":\"recordedDate\"},{\"ImportId\":\"QID1_TEXT\"}\nR_1,2024-01-01 10:00:00,hi\n")
}

func FuzzParseGoogleForms(f *testing.F) {
	fuzzParser(f, "googleforms", config.Source{},
		"\"Timestamp\",\"Q\"\n\"2018/04/09 2:30:02 PM MDT\",\"a long answer with many words in it to be open ended\"\n")
}

func FuzzParseCSV(f *testing.F) {
	fuzzParser(f, "csv", config.Source{CSV: &config.CSVMapping{ID: "id", CreatedAt: "at", Text: "text", Lat: "lat", Lon: "lon",
		ClosedAt: "closed", Ratings: []string{"rating"}}},
		"id,at,text,lat,lon,closed,rating\n1,2024-01-01T00:00:00Z,hello,41.8,-87.6,,Excellent\n")
}

func FuzzParseTwitter(f *testing.F) {
	fuzzParser(f, "twitter", config.Source{},
		`{"data":[{"id":"1","text":"x","created_at":"2026-01-01T00:00:00Z"}]}`, `{"data":[{"id":1}]}`+"\n[]")
}

func FuzzParseReddit(f *testing.F) {
	fuzzParser(f, "reddit", config.Source{},
		`{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"name":"t1_a","body":"b","created_utc":1,"replies":""}}]}}`)
}

func FuzzParseFacebook(f *testing.F) {
	fuzzParser(f, "facebook", config.Source{},
		`{"data":[{"id":"1","message":"m","created_time":"2021-07-19T05:40:42+0000","comments":{"data":[]}}],"paging":{}}`)
}

func FuzzParseOpen311(f *testing.F) {
	fuzzParser(f, "open311", config.Source{},
		`[{"service_request_id":1,"status":"closed","description":"d","requested_datetime":"2010-04-14T06:37:38-08:00","updated_datetime":"2010-04-15T06:37:38-08:00","lat":"1","long":2}]`)
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"call (217) 555-0143 at 1423 Maple Ave, jane@x.org, @bob", "card 4111 1111 1111 1111 ssn 123-45-6789 +44 20 7946 0958"} {
		f.Add(s)
	}
	r := &ingest.Redactor{Key: []byte("k"), PublicHandles: map[string]bool{"city": true}}
	f.Fuzz(func(t *testing.T, s string) {
		out := r.Text(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("redaction broke UTF-8: %q -> %q", s, out)
		}
		if again := r.Text(out); again != out {
			t.Fatalf("redaction is not idempotent: %q -> %q -> %q", s, out, again)
		}
	})
}

// FuzzTextReader: CSV exports are read through a streaming decoder; whatever the bytes and
// however the reads are cut, it gives what DecodeText gives on the whole file with its lone
// CRs made LFs.
func FuzzTextReader(f *testing.F) {
	for _, s := range []string{
		"a,b\r\nc,d\r\n", "a,b\rc,d\r", "a\r", "\r", "\r\r\n\n\r", "caf\xe9,na\xefve\r\n\xe2\x82\xac", "\xe2\x82",
		"\xef\xbb\xbfRespondentID,x\r\n1,2", "\xff\xfea\x00,\x00b\x00\r\x00\n\x00", "\xfe\xff\x00a\x00\r\x00b",
		"a\x00b\x00\r\x00\xe9\x00", "\x00a\x00b\x00\r", "\xf0\x9f\x98\x80\xf0\x9f", "\x81\x8d\x8f\x90\x9d",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := loneCRToLF(ingest.DecodeText(bytes.Clone(b)))
		for name, r := range map[string]io.Reader{
			"whole":          bytes.NewReader(b),
			"a byte at once": iotest.OneByteReader(bytes.NewReader(b)),
			"halves":         iotest.HalfReader(bytes.NewReader(b)),
		} {
			got, err := io.ReadAll(ingest.TextReader(r))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: streamed %q, read whole %q", name, got, want)
			}
		}
	})
}

// loneCRToLF makes LF every CR that no LF follows, the whole text at once: what textReader
// does as it streams.
func loneCRToLF(b []byte) []byte {
	out := bytes.Clone(b)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}
