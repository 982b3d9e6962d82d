package ingest_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
)

func parse(t *testing.T, format, name string, b []byte, src config.Source) *ingest.Batch {
	t.Helper()
	if src.ID == "" {
		src.ID = format
	}
	src.Format = format
	batch, err := ingest.Parse(bytes.NewReader(b), name, ingest.Options{Source: src, Location: chicago, IngestedAt: ingestTime})
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return batch
}

func TestQualtricsRealExport(t *testing.T) {
	b := parse(t, "qualtrics", "q.csv", sharedData(t, "qualtrics_qualtRics_sample.csv"), config.Source{SurveyID: "s"})
	if len(b.Bad) != 0 || len(b.Answers) != 2 || len(b.Items) != 1 {
		t.Fatalf("bad %v, answers %+v, items %d; want 0, 2 (Q1, Q2), 1 (Q2 is text entry)", b.Bad, b.Answers, len(b.Items))
	}
	a := b.Answers[0]
	want := time.Date(2017, 7, 18, 8, 28, 48, 0, chicago)
	if a.ResponseID != "R_2YPOQ602ER1jkf1" || a.QuestionID != "q1" || a.AnswerText != "2" ||
		a.QuestionText != "This is a multiple choice question." || !a.SubmittedAt.Equal(want) {
		t.Errorf("answer = %+v; want R_2YPOQ602ER1jkf1 q1 = 2 at %v", a, want)
	}
	if f := b.Items[0].Feedback; f.Text != "Hello World!" || f.Channel != "survey" || *f.QuestionID != "q2" {
		t.Errorf("feedback = %+v", f)
	}
}

func TestQualtricsLegacyExport(t *testing.T) {
	csv := "V1,V2,V3,V4,V5,V6,V7,V8,V9,V10,Q1,Q2,Q3\r\n" +
		"ResponseID,ResponseSet,Name,ExternalDataReference,EmailAddress,IPAddress,Status,StartDate,EndDate,Finished," +
		"How satisfied are you with city services?,How likely are you to recommend the city?,Anything else?\r\n" +
		"R_1,Default Response Set,Doe Jane,,jane@example.com,1.2.3.4,0,2015-03-02 10:00:00,2015-03-02 10:05:00,1,Very satisfied,9,\"Sidewalks on 5th St\nare broken\"\r\n" +
		"R_2,Default Response Set,,,,,0,2015-03-02 11:00:00,yesterday,1,Poor,2,\r\n"
	b := parse(t, "qualtrics", "legacy.csv", []byte(csv), config.Source{})
	if len(b.Answers) != 3 || len(b.Items) != 0 {
		t.Fatalf("answers = %+v, items %d; want 3 answers (no _TEXT marks in a legacy export), 0 items", b.Answers, len(b.Items))
	}
	if a := b.Answers[0]; a.QuestionID != "q1" || *a.AnswerValue != 5 || *a.ScaleMax != 5 {
		t.Errorf("q1 = %+v; want 5 on 1..5", a)
	}
	if a := b.Answers[1]; *a.AnswerValue != 9 || *a.ScaleMin != 0 || *a.ScaleMax != 10 {
		t.Errorf("q2 = %+v; want 9 on 0..10", a)
	}
	for _, a := range b.Answers {
		if strings.Contains(a.AnswerText, "jane") || strings.Contains(a.AnswerText, "1.2.3.4") {
			t.Errorf("metadata stored as an answer: %+v", a)
		}
	}
	if len(b.Bad) != 1 || !strings.Contains(b.Bad[0].Error(), `legacy.csv:5 field "V9": bad date`) {
		t.Errorf("bad = %v; want legacy.csv:5 field V9 bad date", b.Bad)
	}
}

func TestGoogleFormsRealExport(t *testing.T) {
	b := parse(t, "googleforms", "gf.csv", sharedData(t, "googleforms_DS_language_analysis_head.csv"), config.Source{})
	if len(b.Bad) != 0 || len(b.Answers) != 80 || len(b.Items) != 0 {
		t.Fatalf("bad %v, answers %d, items %d; want 0, 80 (10 responses x 8 questions), 0", b.Bad, len(b.Answers), len(b.Items))
	}
	a := b.Answers[0]
	if want := time.Date(2018, 4, 9, 20, 30, 2, 0, time.UTC); !a.SubmittedAt.Equal(want) {
		t.Errorf("submitted_at = %v; want %v (2:30:02 PM MDT)", a.SubmittedAt, want)
	}
	last := b.Answers[len(b.Answers)-1]
	if last.AnswerText != "3" || !strings.HasPrefix(last.QuestionID, "how_many_programming") {
		t.Errorf("last answer = %+v", last)
	}
	again := parse(t, "googleforms", "gf.csv", sharedData(t, "googleforms_DS_language_analysis_head.csv"), config.Source{})
	if again.Answers[0].ResponseID != a.ResponseID {
		t.Errorf("response ids differ between two reads of one export")
	}
}

func TestGoogleFormsOpenEndedAndZones(t *testing.T) {
	csv := `"Timestamp","Email Address","How would you rate the parks?","What should the city fix first?"` + "\n" +
		`"2024/06/01 9:15:00 AM EDT","a@b.org","Excellent","The crosswalk by the school on Elm has no light and kids cross there every morning"` + "\n" +
		`"2024/06/01 10:00:00 AM GMT-5","c@d.org","Fair",""` + "\n" +
		`"6/2/2024 14:30:00","","Good","More bins"` + "\n"
	b := parse(t, "googleforms", "f.csv", []byte(csv), config.Source{})
	if len(b.Bad) != 0 || len(b.Items) != 2 || len(b.Answers) != 5 {
		t.Fatalf("bad %v items %d answers %d; want 0, 2 (the fix question is open-ended), 5", b.Bad, len(b.Items), len(b.Answers))
	}
	times := []time.Time{time.Date(2024, 6, 1, 13, 15, 0, 0, time.UTC), time.Date(2024, 6, 1, 15, 0, 0, 0, time.UTC), time.Date(2024, 6, 2, 14, 30, 0, 0, chicago)}
	var got []time.Time
	for _, a := range b.Answers {
		if a.QuestionID == "how_would_you_rate_the_parks" {
			got = append(got, a.SubmittedAt)
			if *a.ScaleMax != 5 {
				t.Errorf("rating %+v: want a 1..5 scale", a)
			}
		}
		if strings.Contains(a.AnswerText, "@") {
			t.Errorf("e-mail column stored: %+v", a)
		}
	}
	for i := range times {
		if !got[i].Equal(times[i]) {
			t.Errorf("time %d = %v; want %v", i, got[i], times[i])
		}
	}
}

func TestCSVMapping(t *testing.T) {
	csv := "Ticket,Opened,Details,Reporter,Ward,Y,X,Type,State,Closed,How satisfied?\n" +
		"T-1,2024-03-01 08:00,Streetlight out on Oak,u1,Downtown,41.88,-87.63,Streetlights,Closed,2024-03-03 09:00,Very satisfied\n" +
		"T-2,2024-03-02 09:30,,u2,,,,,Open,,Dissatisfied\n" +
		"T-3,March 3rd,Noise,u3,,,,,Open,,\n" +
		"T-4,2024-03-04 09:30,Bad coordinates,u4,,91,200,,Open,,\n"
	src := config.Source{SurveyID: "s311", CSV: &config.CSVMapping{ID: "Ticket", CreatedAt: "Opened", TimeLayout: "2006-01-02 15:04",
		Text: "Details", Author: "Reporter", District: "Ward", Lat: "Y", Lon: "X", Category: "Type", Status: "State",
		ClosedAt: "Closed", Channel: "service_request", Ratings: []string{"How satisfied?"}}}
	city := &config.City{Districts: []config.District{{ID: "downtown", Name: "Downtown"}}}
	batch, err := ingest.Parse(strings.NewReader(csv), "m.csv", ingest.Options{Source: func() config.Source { src.ID, src.Format = "csv311", "csv"; return src }(),
		Location: chicago, DistrictID: city.DistrictID, IngestedAt: ingestTime})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Items) != 1 || len(batch.Answers) != 2 || len(batch.Bad) != 2 {
		t.Fatalf("items %d answers %d bad %v; want 1, 2, 2", len(batch.Items), len(batch.Answers), batch.Bad)
	}
	f := batch.Items[0].Feedback
	if f.Channel != "service_request" || *f.ServiceCategory != "Streetlights" || *f.Status != "closed" || *f.District != "downtown" ||
		*f.Lat != 41.88 || f.ClosedAt == nil || batch.Items[0].Author != "u1" || f.CreatedAt.Hour() != 14 {
		t.Errorf("feedback = %+v", f)
	}
	for i, want := range []string{`m.csv:4 field "Opened": bad date`, `m.csv:5 field "Y": bad coordinates`} {
		if !strings.HasPrefix(batch.Bad[i].Error(), want) {
			t.Errorf("bad[%d] = %q; want %q", i, batch.Bad[i].Error(), want)
		}
	}
}

func TestRedditRealExport(t *testing.T) {
	b := parse(t, "reddit", "r.json", sharedData(t, "reddit_listing_t3_new_trimmed.json"), config.Source{})
	if len(b.Bad) != 0 || len(b.Items) != 3 {
		t.Fatalf("bad %v items %d; want 0, 3", b.Bad, len(b.Items))
	}
	f := b.Items[0].Feedback
	if f.NativeID != "t3_48fbm9" || !strings.HasPrefix(f.Text, "[Serious] Parents of Reddit") || b.Items[0].Author != "reddit:RedHeadQc" ||
		!f.CreatedAt.Equal(time.Unix(1456821458, 0)) || *f.URL != "https://www.reddit.com/comments/48fbm9" {
		t.Errorf("first post = %+v", f)
	}
}

func TestRedditCommentTree(t *testing.T) {
	doc := `[{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"name":"t3_p","title":"Potholes on Main","selftext":"So many &amp; so deep","author":"a","created_utc":1700000000}}]}},
	{"kind":"Listing","data":{"children":[
	  {"kind":"t1","data":{"name":"t1_c1","body":"Agreed","author":"b","created_utc":1700000100,"score":3,
	    "replies":{"kind":"Listing","data":{"children":[
	      {"kind":"t1","data":{"name":"t1_c2","body":"Me too","author":"[deleted]","created_utc":1700000200,"replies":""}},
	      {"kind":"t1","data":{"name":"t1_c3","body":"[removed]","created_utc":1700000300,
	        "replies":{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"name":"t1_c4","body":"Deep reply","created_utc":1700000400}}]}}}},
	      {"kind":"more","data":{"count":5,"children":["x","y"]}}]}}}},
	  {"kind":"t1","data":{"name":"t1_c5","body":"bad time","created_utc":"soon"}}]}}]`
	b := parse(t, "reddit", "tree.json", []byte(doc), config.Source{})
	var ids []string
	for _, it := range b.Items {
		ids = append(ids, it.Feedback.NativeID)
	}
	if got := strings.Join(ids, " "); got != "t3_p t1_c2 t1_c4 t1_c1" {
		t.Errorf("ids = %s; want every post and comment of the tree", got)
	}
	if b.Items[0].Feedback.Text != "Potholes on Main\n\nSo many & so deep" || b.Items[1].Author != "" {
		t.Errorf("items = %+v", b.Items)
	}
	want := []string{
		`tree.json:1 $[0][1].data.children[0].data.replies.data.children[1] field "data.body": empty text`,
		`tree.json:1 $[0][1].data.children[1] field "data.created_utc": malformed t1`,
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

func TestFacebookRealExport(t *testing.T) {
	b := parse(t, "facebook", "fb.json", sharedData(t, "facebook_graph_comments_p1.json"), config.Source{})
	if len(b.Bad) != 0 || len(b.Items) != 10 {
		t.Fatalf("bad %v items %d; want 0, 10", b.Bad, len(b.Items))
	}
	f := b.Items[5].Feedback
	if f.NativeID != "10158409983033553" || !f.CreatedAt.Equal(time.Date(2021, 8, 11, 23, 22, 14, 0, time.UTC)) || *f.Engagement != 0 {
		t.Errorf("reply = %+v; want its id from reply_comment_id", f)
	}
	if b.Items[0].Feedback.NativeID != "10158407835073553" {
		t.Errorf("first comment id = %s", b.Items[0].Feedback.NativeID)
	}
}

func TestFacebookPostsWithComments(t *testing.T) {
	doc := `{"data":[{"id":"1_2","message":"Road work on Oak all week","created_time":"2021-07-19T05:40:42+0000","from":{"id":"1","name":"City"},
	  "shares":{"count":2},"reactions":{"summary":{"total_count":5}},
	  "comments":{"data":[{"id":"2_3","message":"Finally!","created_time":"2021-07-19T06:00:00+0000","from":{"id":"77","name":"Jane Doe"},"like_count":1},
	                      {"id":"2_4","created_time":"2021-07-19T06:00:00+0000"}],"paging":{"cursors":{"before":"a","after":"b"}}}},
	  {"id":"1_5","message":"Photo","created_time":"last week"}],
	  "paging":{"cursors":{"before":"x","after":"y"},"next":"https://graph.facebook.com/..."}}`
	b := parse(t, "facebook", "posts.json", []byte(doc), config.Source{})
	if len(b.Items) != 2 || b.Items[0].Feedback.NativeID != "2_3" || b.Items[0].Author != "fb:77" || *b.Items[1].Feedback.Engagement != 7 {
		t.Fatalf("items = %+v", b.Items)
	}
	want := []string{`posts.json:1 $[0].data[0].comments.data[1] field "message": empty text`, `posts.json:1 $[0].data[1] field "created_time": bad date`}
	for i, w := range want {
		if i >= len(b.Bad) || !strings.HasPrefix(b.Bad[i].Error(), w) {
			t.Errorf("bad = %v; want [%d] %q", b.Bad, i, w)
		}
	}
}

func TestOpen311(t *testing.T) {
	doc := `[{"service_request_id":638344,"status":"closed","status_notes":"Duplicate request.","service_name":"Sidewalk and Curb Issues",
	  "service_code":"006","description":"Crack at 1423 Maple Ave, call 217-555-0143","requested_datetime":"2010-04-14T06:37:38-08:00",
	  "updated_datetime":"2010-04-14T15:37:38-08:00","address":"8TH AVE and JUDAH ST","lat":37.762221815,"long":-122.4651145},
	 {"service_request_id":"638349","status":"open","service_code":"011","service_name":"Graffiti","description":"",
	  "requested_datetime":"2010-04-19T06:37:38-08:00","lat":"37.7","long":"-122.4"},
	 {"service_request_id":"638350","status":"closed","description":"x","requested_datetime":"2010-04-19T06:37:38-08:00","closed_datetime":"2010-04-20T06:00:00Z","updated_datetime":"2010-05-01T00:00:00Z"},
	 {"status":"open","requested_datetime":"2010-04-19T06:37:38-08:00"},
	 {"service_request_id":"9","requested_datetime":"April"}]`
	b := parse(t, "open311", "requests.json", []byte(doc), config.Source{})
	if len(b.Items) != 3 || len(b.Bad) != 2 {
		t.Fatalf("items %d bad %v; want 3, 2", len(b.Items), b.Bad)
	}
	f := b.Items[0].Feedback
	if f.NativeID != "638344" || f.Channel != "service_request" || *f.ServiceCategory != "Sidewalk and Curb Issues" || *f.Status != "closed" ||
		!f.ClosedAt.Equal(time.Date(2010, 4, 14, 23, 37, 38, 0, time.UTC)) || *f.Lat != 37.762221815 {
		t.Errorf("first = %+v", f)
	}
	if g := b.Items[1].Feedback; g.Text != "Graffiti" || g.ClosedAt != nil || *g.Lon != -122.4 {
		t.Errorf("second = %+v", g)
	}
	if h := b.Items[2].Feedback; !h.ClosedAt.Equal(time.Date(2010, 4, 20, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("explicit closed_datetime not used: %+v", h.ClosedAt)
	}
	red := (&ingest.Redactor{Key: []byte("k")}).Apply(b)
	if red[0].Text != "Crack at [address], call [phone]" {
		t.Errorf("redacted = %q", red[0].Text)
	}
	for i, w := range []string{`requests.json:1 $[0][3] field "service_request_id": missing id`, `requests.json:1 $[0][4] field "requested_datetime": bad date`} {
		if !strings.HasPrefix(b.Bad[i].Error(), w) {
			t.Errorf("bad[%d] = %q; want %q", i, b.Bad[i].Error(), w)
		}
	}
}

func TestSurveyMonkeyOtherPleaseSpecify(t *testing.T) {
	csv := "RespondentID,CollectorID,StartDate,EndDate,How did you hear about the survey?,,,What is your district?\r\n" +
		",,,,Newspaper,Social media,Other (please specify),Response\r\n" +
		"11,1,01/05/2026 09:00:00 AM,01/05/2026 09:10:00 AM,,Social media,\"My neighbor, jane@example.com, told me\",Ward 3\r\n" +
		"12,1,01/05/2026 09:00:00 AM,01/05/2026 09:10:00 AM,Newspaper,,,\r\n"
	b := parse(t, "surveymonkey", "other.csv", []byte(csv), config.Source{SurveyID: "s"})
	if len(b.Bad) != 0 || len(b.Items) != 1 {
		t.Fatalf("bad %v items %+v; want the one 'other' text as feedback", b.Bad, b.Items)
	}
	f := b.Items[0].Feedback
	if *f.QuestionID != "how_did_you_hear_about_the_survey__other" || f.Channel != "survey" || f.NativeID != "11:how_did_you_hear_about_the_survey__other" {
		t.Errorf("other feedback = %+v", f)
	}
	got := map[string]string{}
	for _, a := range b.Answers {
		v := "-"
		if a.AnswerValue != nil {
			v = fmt.Sprint(*a.AnswerValue)
		}
		got[a.ResponseID+" "+a.QuestionID] = v
	}
	want := map[string]string{
		"11 how_did_you_hear_about_the_survey__social_media": "1", "11 how_did_you_hear_about_the_survey__other": "-",
		"11 what_is_your_district": "-", "12 how_did_you_hear_about_the_survey__newspaper": "1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("answers = %v; want %v", got, want)
	}
	if red := (&ingest.Redactor{}).Apply(b); red[0].Text != "My neighbor, [email], told me" || strings.Contains(b.Answers[1].AnswerText, "@") {
		t.Errorf("redacted = %q / %q", red[0].Text, b.Answers[1].AnswerText)
	}
}
