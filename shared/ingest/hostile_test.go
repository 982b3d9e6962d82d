package ingest_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
)

// wholeFileReasons are the reasons that concern a row or a page as a whole rather than one
// field of it.
var wholeFileReasons = map[string]bool{"ragged row": true, "malformed csv": true, "malformed json": true,
	"truncated json": true, "not a listing": true, "not a request list": true}

// checkBad holds every bad record to the contract: it names the file, the line or JSON path,
// the field when one is at fault, and a reason.
func checkBad(t *testing.T, b *ingest.Batch) {
	t.Helper()
	for _, bad := range b.Bad {
		if bad.File == "" || bad.Reason == "" {
			t.Errorf("bad record without file or reason: %+v", bad)
		}
		if bad.Line == 0 && bad.Path == "" {
			t.Errorf("bad record %q names neither line nor JSON path", bad.Error())
		}
		if !wholeFileReasons[bad.Reason] && bad.Field == "" {
			t.Errorf("bad record %q names no field", bad.Error())
		}
	}
}

func TestHostileInputs(t *testing.T) {
	tests := []struct {
		file, format string
		ids          []string // native ids of the good feedback, in order
		answers      int
		bad          []string // prefixes of the bad records' messages, in order
	}{
		{"sm_header_only.csv", "surveymonkey", nil, 0, nil},
		{"sm_ragged_newlines_nul.csv", "surveymonkey", []string{"1:what_should_we_improve", "3:what_should_we_improve", "5:what_should_we_improve", "7:what_should_we_improve"}, 8,
			[]string{"sm_ragged_newlines_nul.csv:5: ragged row", "sm_ragged_newlines_nul.csv:7: ragged row",
				`sm_ragged_newlines_nul.csv:8 field "RespondentID": missing id`, `sm_ragged_newlines_nul.csv:10 field "EndDate": bad date`}},
		{"sm_truncated.csv", "surveymonkey", []string{"1:what_should_we_improve"}, 2, []string{"sm_truncated.csv:4: ragged row"}},
		{"sm_windows1252.csv", "surveymonkey", []string{"1:what_should_we_improve"}, 2, nil},
		{"sm_utf16le.csv", "surveymonkey", []string{"1:what_should_we_improve"}, 2, nil},
		{"sm_utf16be.csv", "surveymonkey", []string{"1:what_should_we_improve"}, 2, nil},
		{"sm_utf8bom.csv", "surveymonkey", []string{"1:what_should_we_improve"}, 2, nil},
		{"sm_invalid_bytes.csv", "surveymonkey", []string{"1:what_should_we_improve"}, 2, nil},
		{"qualtrics_hostile.csv", "qualtrics", []string{"R_a:q2_text"}, 3, []string{
			`qualtrics_hostile.csv:6 field "RecordedDate": bad date`, "qualtrics_hostile.csv:7: ragged row", `qualtrics_hostile.csv:8 field "ResponseId": missing id`}},
		{"googleforms_hostile.csv", "googleforms", []string{"r86477c3df69b6f02:comments"}, 3, []string{
			"googleforms_hostile.csv:4: ragged row", `googleforms_hostile.csv:3 field "Timestamp": bad date`, `googleforms_hostile.csv:5 field "Timestamp": bad date`}},
		{"twitter_truncated.json", "twitter", []string{"1", "2"}, 0, []string{"twitter_truncated.json:1 page[0]: truncated json"}},
		{"twitter_wrong_types.jsonl", "twitter", []string{"1", "2", "6", "7"}, 0, []string{
			`twitter_wrong_types.jsonl:1 page[0].data[2] field "text"`, `twitter_wrong_types.jsonl:1 page[0].data[3] field "created_at"`,
			`twitter_wrong_types.jsonl:1 page[0].data[4] field "public_metrics"`, `twitter_wrong_types.jsonl:2 page[1] field "data": malformed page`}},
		// Duplicates inside one file are kept by the parser; the pipeline drops them and counts them.
		{"twitter_duplicated.jsonl", "twitter", []string{"1", "2", "2", "3"}, 0, nil},
		{"twitter_utf16le.json", "twitter", []string{"1"}, 0, nil},
		{"reddit_truncated.json", "reddit", []string{"t1_a", "t1_c", "t1_b"}, 0, []string{"reddit_truncated.json:1 $[0]: truncated json"}},
		{"reddit_wrong_types.json", "reddit", []string{"t1_a", "t1_e"}, 0, []string{
			`reddit_wrong_types.json:1 $[0].data.children[1] field "data.body"`, `reddit_wrong_types.json:1 $[0].data.children[2] field "data"`,
			`reddit_wrong_types.json:1 $[0].data.children[3] field "kind": unsupported kind`}},
		{"facebook_wrong_types.json", "facebook", []string{"p_1", "p_5"}, 0, []string{
			`facebook_wrong_types.json:1 $[0].data[1] field "message"`, `facebook_wrong_types.json:1 $[0].data[2] field "from"`,
			`facebook_wrong_types.json:1 $[0].data[3] field "like_count"`}},
		{"open311_hostile.json", "open311", []string{"1", "6", "7"}, 0, []string{
			`open311_hostile.json:1 $[0][1] field "lat"`, `open311_hostile.json:1 $[0][2] field "requested_datetime": bad date`,
			`open311_hostile.json:1 $[0][3] field "updated_datetime": bad date`, `open311_hostile.json:1 $[0][4] field "service_request_id": missing id`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "hostile", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			b := parse(t, tt.format, tt.file, raw, config.Source{})
			var ids []string
			for _, it := range b.Items {
				ids = append(ids, it.Feedback.NativeID)
				if strings.ContainsAny(it.Feedback.Text, "\x00\r\uFFFD") {
					t.Errorf("text %q keeps NUL, CR or U+FFFD", it.Feedback.Text)
				}
			}
			if strings.Join(ids, " ") != strings.Join(tt.ids, " ") || len(b.Answers) != tt.answers {
				t.Errorf("good ids %v, answers %d; want %v, %d", ids, len(b.Answers), tt.ids, tt.answers)
			}
			if len(b.Bad) != len(tt.bad) {
				t.Fatalf("bad = %v; want %d", b.Bad, len(tt.bad))
			}
			for i, w := range tt.bad {
				if !strings.HasPrefix(b.Bad[i].Error(), w) {
					t.Errorf("bad[%d] = %q; want prefix %q", i, b.Bad[i].Error(), w)
				}
			}
			checkBad(t, b)
		})
	}
}

func TestHostileEmptyFiles(t *testing.T) {
	for _, tt := range []struct{ file, format string }{{"empty.csv", "surveymonkey"}, {"empty.csv", "csv"}, {"whitespace.json", "reddit"}, {"whitespace.json", "twitter"}} {
		raw, _ := os.ReadFile(filepath.Join("testdata", "hostile", tt.file))
		_, err := ingest.Parse(bytes.NewReader(raw), tt.file, ingest.Options{Source: config.Source{ID: "s", Format: tt.format, CSV: &config.CSVMapping{}}})
		if !errors.Is(err, ingest.ErrEmptyFile) || !strings.Contains(err.Error(), tt.file) {
			t.Errorf("%s as %s: err = %v; want ErrEmptyFile naming the file", tt.file, tt.format, err)
		}
	}
}

func TestHostileEncodingsReadAlike(t *testing.T) {
	want := "Café — ok"
	for _, f := range []string{"sm_utf16le.csv", "sm_utf16be.csv"} {
		raw, _ := os.ReadFile(filepath.Join("testdata", "hostile", f))
		b := parse(t, "surveymonkey", f, raw, config.Source{})
		if len(b.Items) != 1 || b.Items[0].Feedback.Text != want {
			t.Errorf("%s: items %+v; want text %q", f, b.Items, want)
		}
	}
	raw, _ := os.ReadFile(filepath.Join("testdata", "hostile", "sm_utf8bom.csv"))
	if b := parse(t, "surveymonkey", "bom.csv", raw, config.Source{}); b.Items[0].Feedback.Text != "Café NFD" {
		t.Errorf("NFD text %q; want it composed (NFC)", b.Items[0].Feedback.Text)
	}
	raw, _ = os.ReadFile(filepath.Join("testdata", "hostile", "sm_windows1252.csv"))
	if b := parse(t, "surveymonkey", "w.csv", raw, config.Source{}); b.Items[0].Feedback.Text != "Café on “Main” is great" {
		t.Errorf("Windows-1252 text %q", b.Items[0].Feedback.Text)
	}
	raw, _ = os.ReadFile(filepath.Join("testdata", "hostile", "twitter_utf16le.json"))
	if b := parse(t, "twitter", "t.json", raw, config.Source{}); len(b.Items) != 1 || b.Items[0].Feedback.Text != "café 😀" {
		t.Errorf("UTF-16 JSON: %+v", b.Items)
	}
}

func TestHostileHugeFieldAndDeepNesting(t *testing.T) {
	huge := strings.Repeat("the bus was late again ", 10<<20/23) // ~10 MB
	csv := "Timestamp,Comments\n\"2024/05/01 1:00:00 PM PDT\",\"" + huge + "\"\n\"2024/05/01 1:00:01 PM PDT\",\"short and fine, thanks for the new park benches everyone\"\n"
	b := parse(t, "googleforms", "huge.csv", []byte(csv), config.Source{})
	if len(b.Items) != 2 || len(b.Items[0].Feedback.Text) < 10<<20-100 || len(b.Bad) != 0 {
		t.Errorf("huge field: %d items, first %d bytes, bad %v; want 2 items, the 10 MB kept", len(b.Items), len(b.Items[0].Feedback.Text), b.Bad)
	}
	json := `{"data":[{"id":"1","text":"` + huge + `","created_at":"2026-01-01T00:00:00Z"},{"id":"2","text":"ok","created_at":"2026-01-01T00:00:00Z"}]}`
	if b := parse(t, "twitter", "huge.json", []byte(json), config.Source{}); len(b.Items) != 2 {
		t.Errorf("huge tweet: %d items; want 2", len(b.Items))
	}

	// 20,000 nested arrays: beyond encoding/json's depth limit, reported, no crash.
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	for _, format := range []string{"twitter", "reddit", "facebook", "open311"} {
		b := parse(t, format, "deep.json", []byte(deep), config.Source{})
		if len(b.Items) != 0 || len(b.Bad) == 0 {
			t.Errorf("%s deep nesting: %d items, bad %v; want it quarantined", format, len(b.Items), b.Bad)
		}
		checkBad(t, b)
	}
	// A deep but legal comment tree (500 levels of replies) is walked to the bottom.
	var sb bytes.Buffer
	const depth = 500
	for i := range depth {
		sb.WriteString(`{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"name":"t1_` + strings.Repeat("x", i%3+1) + string(rune('a'+i%26)) + `","body":"level","created_utc":1700000000,"replies":`)
	}
	sb.WriteString(`""`)
	for range depth {
		sb.WriteString(`}}]}}`)
	}
	if b := parse(t, "reddit", "tree.json", sb.Bytes(), config.Source{}); len(b.Items) != depth || len(b.Bad) != 0 {
		t.Errorf("deep reply tree: %d items, bad %v; want %d", len(b.Items), b.Bad, depth)
	}
}
