package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
)

var chicago, _ = time.LoadLocation("America/Chicago")

var ingestTime = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// sharedData returns a file of the project's shared real-data folder, skipping the test
// outside CI when the folder is absent.
func sharedData(t *testing.T, name string) []byte {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", "formats", name)
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") == "" && os.IsNotExist(err) {
			t.Skipf("shared data %s absent: %v", p, err)
		}
		t.Fatalf("read shared data: %v", err)
	}
	return b
}

func TestSurveyMonkeyRealExport(t *testing.T) {
	b := sharedData(t, "surveymonkey_538_StarWars_head.csv")
	batch, err := ingest.Parse(bytes.NewReader(b), "starwars.csv", ingest.Options{
		Source: config.Source{ID: "sm", Format: "surveymonkey", SurveyID: "starwars"}, Location: chicago,
		IngestedAt: ingestTime,
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// The export has no StartDate/EndDate: rows are dated at ingest time, none quarantined.
	if len(batch.Bad) != 0 {
		t.Errorf("bad = %v; want none", batch.Bad)
	}
	resp := map[string]bool{}
	for _, a := range batch.Answers {
		resp[a.ResponseID] = true
		if !a.SubmittedAt.Equal(ingestTime) {
			t.Fatalf("submitted_at = %v; want the ingest time %v", a.SubmittedAt, ingestTime)
		}
	}
	if len(resp) != 20 || len(batch.Answers) != 606 {
		t.Errorf("responses = %d, answers = %d; want 20 and 606 (every non-empty cell)", len(resp), len(batch.Answers))
	}
	if len(batch.Items) != 0 {
		t.Errorf("feedback = %d; want 0 (the export has no open-ended question)", len(batch.Items))
	}
	seen := map[string]bool{}
	for _, a := range batch.Answers {
		if a.ResponseID == "3292879998" && strings.HasPrefix(a.QuestionID, "which_of_the_following_star_wars_films_have__") {
			seen[a.QuestionID] = a.AnswerValue != nil && *a.AnswerValue == 1
		}
	}
	if len(seen) != 6 {
		t.Errorf("respondent 3292879998 option columns = %v; want 6 films chosen, each valued 1", seen)
	}
}

func TestSurveyMonkey(t *testing.T) {
	csv := "RespondentID,CollectorID,StartDate,EndDate,IP Address,Email Address,First Name,Last Name,Custom Data 1," +
		"\"Overall, how satisfied are you with the quality of services?\",How likely are you to recommend us?,Which district do you live in?,Which services did you use?,,What should we improve?\r\n" +
		",,,,,,,,,Response,Response,Response,Parks,Libraries,Open-Ended Response\r\n" +
		"101,9,09/30/2026 11:20:00 PM,09/30/2026 11:30:00 PM,,,,,,Very satisfied,9,Downtown,Parks,,\"Fix the potholes on Maple, call me at (217) 555-0143\"\r\n" +
		"102,9,10/01/2026 08:00:00 AM,10/01/2026 08:05:00 AM,,,,,,Dissatisfied,3,Nowhere,,Libraries,\r\n" +
		"103,9,10/01/2026 08:00:00 AM,not a date,,,,,,Satisfied,8,Downtown,,,\r\n" +
		"104,9,10/01/2026\r\n"
	src := config.Source{ID: "survey", Format: "surveymonkey", SurveyID: "s1",
		DistrictQuestion: "Which district do you live in?", Questions: map[string]string{"satisfaction": "Overall, how satisfied"}}
	city := &config.City{Districts: []config.District{{ID: "downtown", Name: "Downtown"}}}
	b, err := ingest.Parse(strings.NewReader(csv), "export.csv", ingest.Options{
		Source: src, Location: chicago, DistrictID: city.DistrictID, IngestedAt: time.Unix(0, 0)})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(b.Items) != 1 {
		t.Fatalf("feedback items = %d; want 1", len(b.Items))
	}
	f := b.Items[0].Feedback
	if f.Channel != "survey" || f.Month != "2026-09" || f.District == nil || *f.District != "downtown" {
		t.Errorf("feedback = %+v; want survey, month 2026-09 (local), district downtown", f)
	}
	if want := time.Date(2026, 10, 1, 4, 30, 0, 0, time.UTC); !f.CreatedAt.Equal(want) {
		t.Errorf("created_at = %v; want %v (23:30 Chicago in UTC)", f.CreatedAt, want)
	}
	var sat, opts []string
	for _, a := range b.Answers {
		if a.QuestionID == "satisfaction" && a.AnswerValue != nil {
			sat = append(sat, a.AnswerText)
			if *a.ScaleMax != 5 {
				t.Errorf("scale_max = %v; want 5", *a.ScaleMax)
			}
		}
		if strings.Contains(a.QuestionID, "__") {
			opts = append(opts, a.QuestionID)
		}
	}
	if len(sat) != 2 {
		t.Errorf("satisfaction answers = %v; want 2", sat)
	}
	if strings.Join(opts, " ") != "which_services_did_you_use__parks which_services_did_you_use__libraries" {
		t.Errorf("multi-column option ids = %v", opts)
	}
	if len(b.Bad) != 2 {
		t.Fatalf("bad = %v; want 2 (bad date, ragged row)", b.Bad)
	}
	for i, want := range []string{`export.csv:5 field "EndDate": bad date`, `export.csv:6: ragged row`} {
		if !strings.Contains(b.Bad[i].Error(), want) {
			t.Errorf("bad[%d] = %q; want it to contain %q", i, b.Bad[i].Error(), want)
		}
	}
}

func TestTwitterRealExport(t *testing.T) {
	b := sharedData(t, "twitter_v2_twarc_two_tweets.jsonl")
	batch, err := ingest.Parse(bytes.NewReader(b), "tweets.jsonl", ingest.Options{
		Source: config.Source{ID: "twitter", Format: "twitter"}, Location: chicago})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(batch.Bad) != 0 {
		t.Errorf("bad = %v; want none", batch.Bad)
	}
	// One page with one tweet in data; the retweeted original is only in includes.tweets.
	if len(batch.Items) != 1 {
		t.Fatalf("items = %d; want 1", len(batch.Items))
	}
	f := batch.Items[0].Feedback
	if f.NativeID != "1394735776701816833" || f.Channel != "social" || batch.Items[0].Author != "x:1379899464345923590" {
		t.Errorf("first tweet = %+v author %q", f, batch.Items[0].Author)
	}
}

func TestTwitterBadRecords(t *testing.T) {
	page := `{"data":[` +
		`{"id":"1","text":"Great job on the park &amp; trail","author_id":"7","created_at":"2026-08-01T10:00:00.000Z"},` +
		`{"id":"2","text":"  ","author_id":"7","created_at":"2026-08-01T10:00:00.000Z"},` +
		`{"id":"3","text":"hello","created_at":"yesterday"},` +
		`{"text":"no id","created_at":"2026-08-01T10:00:00.000Z"}],"meta":{}}` + "\n{broken"
	b, err := ingest.Parse(strings.NewReader(page), "p.json", ingest.Options{Source: config.Source{ID: "twitter", Format: "twitter"}})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(b.Items) != 1 || b.Items[0].Feedback.Text != "Great job on the park & trail" {
		t.Errorf("items = %+v; want one, with entities unescaped", b.Items)
	}
	want := []string{
		`p.json:1 page[0].data[1] field "text": empty text`,
		`p.json:1 page[0].data[2] field "created_at": bad date`,
		`p.json:1 page[0].data[3] field "id": missing id`,
		`p.json:2 page[1]: malformed json`,
	}
	if len(b.Bad) != len(want) {
		t.Fatalf("bad = %v; want %d", b.Bad, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(b.Bad[i].Error(), w) {
			t.Errorf("bad[%d] = %q; want prefix %q", i, b.Bad[i].Error(), w)
		}
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf8", []byte("café"), "café"},
		{"utf8 bom", []byte("\xEF\xBB\xBFcafé"), "café"},
		{"windows-1252", []byte("caf\xE9 \x93quoted\x94"), "café “quoted”"},
		{"utf16le bom", []byte("\xFF\xFEc\x00a\x00f\x00\xE9\x00"), "café"},
		{"utf16be bom", []byte("\xFE\xFF\x00c\x00a\x00f\x00\xE9"), "café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(ingest.DecodeText(tt.in)); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	r := &ingest.Redactor{Key: []byte("k"), PublicHandles: map[string]bool{"springfieldcity": true}}
	tests := []struct{ in, want string }{
		{"mail me at jane.doe@gmail.com please", "mail me at [email] please"},
		{"call (217) 555-0143 or 217-555-0198", "call [phone] or [phone]"},
		{"ring +44 20 7946 0958 today", "ring [phone] today"},
		{"I live at 1423 Maple Ave and it floods", "I live at [address] and it floods"},
		{"SSN 123-45-6789 leaked", "SSN [ssn] leaked"},
		{"card 4111 1111 1111 1111 stolen", "card [card] stolen"},
		{"@mike_h_1987 thanks, cc @SpringfieldCity", "@[user] thanks, cc @SpringfieldCity"},
		{"Route 9 bus was 20 minutes late", "Route 9 bus was 20 minutes late"},
		{"311 took 3 days", "311 took 3 days"},
		{"Wed Feb 19 02:00:26 +0000 2025", "Wed Feb 19 02:00:26 +0000 2025"},
	}
	for _, tt := range tests {
		if got := r.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	a, b := r.AuthorKey("x", "42"), r.AuthorKey("x", "42")
	other := (&ingest.Redactor{Key: []byte("other")}).AuthorKey("x", "42")
	if *a != *b || *a == *other || strings.Contains(*a, "42") {
		t.Errorf("author keys %s %s %s: want stable, keyed, opaque", *a, *b, *other)
	}
}
