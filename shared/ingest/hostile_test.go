package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

var update = flag.Bool("update", false, "rewrite testdata/hostile/README.md from cases.tsv")

// wholeFileReasons are the reasons that concern a row or a page as a whole rather than one
// field of it.
var wholeFileReasons = map[string]bool{"ragged row": true, "malformed csv": true, "malformed json": true,
	"truncated json": true, "not a listing": true, "not a request list": true,
	"malformed page": true, "api error": true, "not a page": true}

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

// hostileCase is one row of testdata/hostile/cases.tsv: a file of the hostile corpus, the
// format it is ingested as, and what must become of it.
type hostileCase struct {
	File, Format string
	Good         int      // feedback records the parser keeps
	Answers      int      // survey_answers rows it keeps
	Bad          int      // records quarantined
	Reasons      []string // per quarantined record, in order: substrings of its message, '*' between parts in order
	Keeps        string   // text some good record holds, intact
	Gone         string   // text no stored row holds (redaction), if any
	What, Note   string
}

func readCases(t testing.TB) []hostileCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "hostile", "cases.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []hostileCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			continue // the header
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 10 {
			t.Fatalf("cases.tsv:%d: %d columns; want 10", n, len(c))
		}
		atoi := func(s string) int {
			v, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("cases.tsv:%d: %v", n, err)
			}
			return v
		}
		unesc := func(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }
		hc := hostileCase{File: c[0], Format: c[1], Good: atoi(c[2]), Answers: atoi(c[3]), Bad: atoi(c[4]),
			Keeps: unesc(c[6]), Gone: c[7], What: c[8], Note: c[9]}
		if c[5] != "" {
			hc.Reasons = strings.Split(c[5], "|")
		}
		if len(hc.Reasons) != hc.Bad {
			t.Fatalf("cases.tsv:%d: %d reasons for %d bad records", n, len(hc.Reasons), hc.Bad)
		}
		cases = append(cases, hc)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// corpusFile reads a corpus file; a .recipe file is JSON {head, repeat, times, tail} and
// stands for head + repeat×times + tail, so that big cases stay small on disk.
func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(name, ".recipe") {
		return raw
	}
	var r struct {
		Head, Repeat, Tail string
		Times              int
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("recipe %s: %v", name, err)
	}
	return []byte(r.Head + strings.Repeat(r.Repeat, r.Times) + r.Tail)
}

// hostileCity has one source per format, named after it; csv's mapping is the one the csv_
// cases are written for.
const hostileCity = `name: Hostile
timezone: America/Chicago
sources:
  - {id: surveymonkey, format: surveymonkey}
  - {id: qualtrics, format: qualtrics}
  - {id: googleforms, format: googleforms}
  - id: csv
    format: csv
    csv: {id: id, created_at: created_at, text: text, lat: lat, lon: lon, category: category, status: status, closed_at: closed_at}
  - {id: twitter, format: twitter}
  - {id: reddit, format: reddit}
  - {id: facebook, format: facebook}
  - {id: open311, format: open311}
`

// matchReason reports whether msg holds every '*'-separated part of want, in order.
func matchReason(msg, want string) bool {
	for _, part := range strings.Split(want, "*") {
		i := strings.Index(msg, part)
		if i < 0 {
			return false
		}
		msg = msg[i+len(part):]
	}
	return true
}

// TestHostileCorpus runs every file of testdata/hostile through its parser and through
// pipeline.Ingest on a directory store, and holds both to cases.tsv: exactly the good records
// kept with their text intact, exactly the bad ones quarantined with a reason that names the
// file and the line or JSON path, and nothing else.
func TestHostileCorpus(t *testing.T) {
	cases := readCases(t)
	city, err := config.Load(strings.NewReader(hostileCity), "hostile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "hostile"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range cases {
		if listed[c.File] {
			t.Errorf("cases.tsv lists %s twice", c.File)
		}
		listed[c.File] = true
	}
	for _, e := range entries {
		if n := e.Name(); n != "cases.tsv" && n != "README.md" && n != "gen.py" && !listed[n] {
			t.Errorf("testdata/hostile/%s is not in cases.tsv", n)
		}
	}
	if len(cases) < 100 {
		t.Errorf("%d cases; the corpus should hold at least 100", len(cases))
	}
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			raw := corpusFile(t, c.File)
			src, ok := city.Source(c.Format)
			if !ok {
				t.Fatalf("format %q has no source in hostileCity", c.Format)
			}
			b, err := ingest.Parse(bytes.NewReader(raw), c.File, ingest.Options{Source: src, Location: city.Location(),
				DistrictID: city.DistrictID, IngestedAt: ingestTime})
			if err != nil {
				if !strings.Contains(err.Error(), c.File) {
					t.Errorf("error %q does not name the file", err)
				}
				// As the pipeline does: the file is one bad record.
				b = &ingest.Batch{Bad: []ingest.Bad{{File: c.File, Reason: "unreadable file", Detail: err.Error()}}}
			} else {
				checkBad(t, b)
			}
			checkCorpusBatch(t, c, b)
			checkCorpusPipeline(t, c, city, raw, b)
		})
	}
}

func checkCorpusBatch(t *testing.T, c hostileCase, b *ingest.Batch) {
	t.Helper()
	if len(b.Items) != c.Good || len(b.Answers) != c.Answers || len(b.Bad) != c.Bad {
		var msgs []string
		for _, bad := range b.Bad {
			msgs = append(msgs, bad.Error())
		}
		t.Errorf("got %d good, %d answers, %d bad %q; want %d, %d, %d", len(b.Items), len(b.Answers), len(b.Bad), msgs, c.Good, c.Answers, c.Bad)
	}
	for i, bad := range b.Bad {
		msg := bad.Error()
		if !strings.HasPrefix(msg, c.File) {
			t.Errorf("bad[%d] %q does not start with the file name", i, msg)
		}
		if i < len(c.Reasons) && !matchReason(msg, c.Reasons[i]) {
			t.Errorf("bad[%d] = %q; want it to hold %q", i, msg, c.Reasons[i])
		}
	}
	kept := c.Keeps == ""
	for _, it := range b.Items {
		f := it.Feedback
		if f.Text == "" || !utf8.ValidString(f.Text) || strings.ContainsAny(f.Text, "\x00\r\uFFFD") {
			t.Errorf("text %q is empty, invalid UTF-8, or keeps NUL, CR or U+FFFD", f.Text)
		}
		kept = kept || strings.Contains(f.Text, c.Keeps)
	}
	for _, a := range b.Answers {
		kept = kept || strings.Contains(a.AnswerText, c.Keeps)
	}
	if !kept {
		var texts []string
		for _, it := range b.Items {
			texts = append(texts, truncateForLog(it.Feedback.Text))
		}
		t.Errorf("no good record holds %q intact; texts %q", c.Keeps, texts)
	}
}

func truncateForLog(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// checkCorpusPipeline ingests the file from a fresh store's inbox and checks what was stored:
// the parser's distinct records, their dates unchanged, no redacted text, and a quarantine
// object holding each bad record's message in order.
func checkCorpusPipeline(t *testing.T, c hostileCase, city *config.City, raw []byte, b *ingest.Batch) {
	t.Helper()
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := pipeline.InboxPrefix + c.Format + "/" + c.File
	if err := st.Put(ctx, key, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: ingestTime, AuthorKey: []byte("k"), Keys: []string{key},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	created := map[string]int64{}
	for _, it := range b.Items {
		if _, dup := created[it.Feedback.ID]; !dup {
			created[it.Feedback.ID] = it.Feedback.CreatedAt.UnixMilli()
		}
	}
	answers := map[string]bool{}
	for _, a := range b.Answers {
		answers[a.SurveyID+"\x00"+a.ResponseID+"\x00"+a.QuestionID] = true
	}
	if sum.Files != 1 || sum.Feedback != len(created) || sum.Answers != len(answers) || sum.Bad != c.Bad {
		t.Errorf("Ingest: %+v; want 1 file, %d feedback, %d answers, %d bad", sum, len(created), len(answers), c.Bad)
	}
	infos, err := st.List(ctx, pipeline.CuratedFeedback)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, in := range infos {
		if !strings.HasSuffix(in.Key, ".parquet") {
			continue
		}
		data, err := store.ReadAll(ctx, st, in.Key)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := table.Decode[table.Feedback](data)
		if err != nil {
			t.Fatalf("decode %s: %v", in.Key, err)
		}
		for _, f := range fs {
			rows++
			if want, ok := created[f.ID]; !ok || f.CreatedAt.UnixMilli() != want {
				t.Errorf("stored %s created_at %v; want the parser's (%v)", f.NativeID, f.CreatedAt, want)
			}
			if c.Gone != "" && strings.Contains(f.Text, c.Gone) {
				t.Errorf("stored text %q keeps %q", f.Text, c.Gone)
			}
		}
	}
	if rows != len(created) {
		t.Errorf("stored %d feedback rows; want %d", rows, len(created))
	}
	q, err := st.List(ctx, "quarantine/")
	if err != nil {
		t.Fatal(err)
	}
	if c.Bad == 0 {
		if len(q) != 0 {
			t.Errorf("quarantine objects %v; want none", q)
		}
		return
	}
	if len(q) != 1 {
		t.Fatalf("quarantine objects %v; want one", q)
	}
	data, err := store.ReadAll(ctx, st, q[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != c.Bad {
		t.Fatalf("%s has %d lines; want %d", q[0].Key, len(lines), c.Bad)
	}
	for i, l := range lines {
		var rec struct {
			File, Reason, Message string
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%s line %d: %v", q[0].Key, i+1, err)
		}
		if rec.File != c.File || rec.Reason == "" || !matchReason(rec.Message, c.Reasons[i]) {
			t.Errorf("quarantined %+v; want file %s and a message holding %q", rec, c.File, c.Reasons[i])
		}
	}
}

// TestHostileReadme holds testdata/hostile/README.md to cases.tsv: it is generated from it
// (go test -run TestHostileReadme -update).
func TestHostileReadme(t *testing.T) {
	cases := readCases(t)
	var sb strings.Builder
	sb.WriteString("# Hostile input corpus\n\n" +
		"Generated from cases.tsv by `go test ./shared/ingest -run TestHostileReadme -update`; do not edit.\n\n" +
		"Every file is ingested by `TestHostileCorpus` through its parser and through `pipeline.Ingest` on a\n" +
		"directory store, which must keep exactly the good records shown (their text intact), quarantine exactly\n" +
		"the bad ones with a reason naming the file, line or JSON path and field, and never crash. A `.recipe`\n" +
		"file is JSON `{head, repeat, times, tail}` expanded by the test, so that big cases stay small on disk.\n\n" +
		fmt.Sprintf("%d cases.\n\n", len(cases)) +
		"| file | format | what it is | what happens |\n|---|---|---|---|\n")
	cell := func(s string) string {
		s = strings.ReplaceAll(s, "|", `\|`)
		return strings.ReplaceAll(s, "\n", " ")
	}
	for _, c := range cases {
		happens := fmt.Sprintf("%d kept", c.Good)
		if c.Answers > 0 {
			happens += fmt.Sprintf(" (%d answers)", c.Answers)
		}
		if c.Bad > 0 {
			var rs []string
			for _, r := range c.Reasons {
				rs = append(rs, "`"+strings.ReplaceAll(r, "*", "…")+"`")
			}
			happens += fmt.Sprintf("; %d quarantined: %s", c.Bad, strings.Join(rs, ", "))
		}
		if c.Note != "" {
			happens += "; " + c.Note
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", cell(c.File), c.Format, cell(c.What), cell(happens))
	}
	path := filepath.Join("testdata", "hostile", "README.md")
	if *update {
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != sb.String() {
		t.Errorf("%s differs from cases.tsv; run go test ./shared/ingest -run TestHostileReadme -update", path)
	}
	if slices.ContainsFunc(cases, func(c hostileCase) bool { return c.What == "" }) {
		t.Error("a case says nothing of what it is")
	}
}
