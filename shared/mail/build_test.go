package mail

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"html"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The report package's fixture: Springfield, Q1 FY2027, five KPIs, two recipients.
func fixture(t testing.TB) (*kpi.Document, *config.City) {
	t.Helper()
	b, err := os.ReadFile("../report/testdata/kpis.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../report/testdata/city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	city, err := config.Load(f, "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return &doc, city
}

var (
	messagesOnce sync.Once
	messages     map[string]*report.Message
)

// fixtureMessage returns the rendered report of a recipient of the fixture: a copy the caller
// may change. Rendering charts is slow under -race, so each is rendered once.
func fixtureMessage(t testing.TB, key string) *report.Message {
	t.Helper()
	messagesOnce.Do(func() {
		doc, city := fixture(t)
		messages = map[string]*report.Message{}
		for _, r := range city.Recipients {
			m, err := report.Build(doc, city, r)
			if err != nil {
				t.Fatal(err)
			}
			messages[r.Key] = m
		}
	})
	m, ok := messages[key]
	if !ok {
		t.Fatalf("no recipient %q", key)
	}
	c := *m
	c.Inline = slices.Clone(m.Inline)
	c.Attachments = slices.Clone(m.Attachments)
	return &c
}

var testDate = time.Date(2026, 10, 2, 6, 0, 0, 0, time.FixedZone("CDT", -5*3600))

func TestBuildGolden(t *testing.T) {
	e, err := Build(fixtureMessage(t, "public-works"), testDate)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "public-works.eml")
	if *update {
		if err := os.WriteFile(path, e.Raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(e.Raw, want) {
		t.Errorf("message differs from %s (run go test -update and review the diff)", path)
	}
}

func TestBuildIsStable(t *testing.T) {
	m := fixtureMessage(t, "city-manager")
	a, err := Build(m, testDate)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(fixtureMessage(t, "city-manager"), testDate)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Raw, b.Raw) {
		t.Error("two builds of the same message differ")
	}
	later, err := Build(m, testDate.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if later.MessageID != a.MessageID {
		t.Errorf("Message-ID got %s for another date; want the same %s", later.MessageID, a.MessageID)
	}
	other, err := Build(fixtureMessage(t, "public-works"), testDate)
	if err != nil {
		t.Fatal(err)
	}
	if other.MessageID == a.MessageID {
		t.Errorf("two recipients share Message-ID %s", a.MessageID)
	}
	if want := MessageID("2027-Q1", "city-manager", "springfield.example.gov"); a.MessageID != want {
		t.Errorf("Message-ID got %s; want %s", a.MessageID, want)
	}
}

// TestMIMEStructure parses the message back with enmime: no errors, the intended tree, charts
// referenced by cid, and the fixture's numbers in the text, the HTML and the CSV.
func TestMIMEStructure(t *testing.T) {
	m := fixtureMessage(t, "city-manager")
	e, err := Build(m, testDate)
	if err != nil {
		t.Fatal(err)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(e.Raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, pe := range env.Errors {
		t.Errorf("enmime: %v", pe)
	}

	headers := []struct{ name, want string }{
		{"Subject", "Springfield — Q1 FY2027 community KPIs: 1 of 5 on target"},
		{"From", `"Springfield CivicPulse" <civicpulse@springfield.example.gov>`},
		{"To", `"Alex Rivera" <city.manager@springfield.example.gov>`},
		{"Message-Id", "<" + e.MessageID + ">"},
		{"Date", "Fri, 02 Oct 2026 06:00:00 -0500"},
		{"Mime-Version", "1.0"},
		{"Auto-Submitted", "auto-generated"},
	}
	for _, h := range headers {
		if got := env.GetHeader(h.name); got != h.want {
			t.Errorf("header %s got %q; want %q", h.name, got, h.want)
		}
	}

	// The tree: mixed(related(alternative(text, html), png...), csv).
	var tree func(p *enmime.Part) string
	tree = func(p *enmime.Part) string {
		s := p.ContentType
		if p.FirstChild != nil {
			var kids []string
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				kids = append(kids, tree(c))
			}
			s += "(" + strings.Join(kids, " ") + ")"
		}
		return s
	}
	png := strings.Repeat(" image/png", 5)
	if got, want := tree(env.Root), "multipart/mixed(multipart/related(multipart/alternative(text/plain text/html)"+png+") text/csv)"; got != want {
		t.Errorf("MIME tree got\n%s\nwant\n%s", got, want)
	}

	if len(env.Inlines) != 5 {
		t.Fatalf("got %d inline parts; want 5", len(env.Inlines))
	}
	for i, p := range env.Inlines {
		if p.ContentID != m.Inline[i].ContentID {
			t.Errorf("inline %d Content-ID got %q; want %q", i, p.ContentID, m.Inline[i].ContentID)
		}
		if !strings.Contains(env.HTML, `src="cid:`+p.ContentID+`"`) {
			t.Errorf("HTML does not show inline part %s", p.ContentID)
		}
		if !bytes.Equal(p.Content, m.Inline[i].Data) {
			t.Errorf("inline %s: content differs from the chart", p.ContentID)
		}
	}
	if len(env.Attachments) != 1 {
		t.Fatalf("got %d attachments; want 1", len(env.Attachments))
	}
	att := env.Attachments[0]
	if att.FileName != "kpis-2027-Q1.csv" || att.ContentType != "text/csv" {
		t.Errorf("attachment got %s %s; want kpis-2027-Q1.csv text/csv", att.FileName, att.ContentType)
	}

	// The numbers as the fixture has them, in each rendering.
	text := strings.Join(strings.Fields(env.Text), " ")
	page := visibleText(env.HTML)
	rows := []struct{ label, value, target, status, change string }{
		{"Net sentiment, all feedback", "-4", "≥ 0", "✖ Missed", "no significant change"},
		{"Net sentiment about roads", "-12", "≥ -20", "✔ Met", "▲ +14 pts, better"},
		{"Net sentiment about homelessness", "No data", "≥ -30", "○ No data", "not comparable"},
		{"Road complaints and comments", "412", "≤ 350", "✖ Missed", "▲ +61, worse"},
		{"Residents satisfied with city services (survey)", "61%", "≥ 60%", "⚠ At risk", "no significant change"},
	}
	for _, r := range rows {
		if want := strings.Join([]string{r.label, r.value, r.target, r.status, r.change}, " "); !strings.Contains(page, want) {
			t.Errorf("HTML lacks the row %q", want)
		}
		if want := r.status + ": " + r.label + " Value: " + r.value + " (target " + r.target + ") Change since Q4 FY2026: " + r.change; !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, note := range []string{
		"n = 612, margin of error ±5 pts (95% interval -17 to -7)",
		"2,140 feedback records and 530 survey responses",
		"resident_survey 530; twitter 1,610",
		"July 1 – September 30, 2026 (America/Chicago)",
	} {
		if !strings.Contains(page, note) || !strings.Contains(text, note) {
			t.Errorf("HTML or text lacks the data note %q", note)
		}
	}

	doc, _ := fixture(t)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(att.Content, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(doc.KPIs) {
		t.Fatalf("CSV has %d rows; want %d", len(recs), 1+len(doc.KPIs))
	}
	for i, k := range doc.KPIs {
		row := recs[i+1]
		if row[1] != k.ID {
			t.Errorf("CSV row %d kpi_id got %s; want %s", i+1, row[1], k.ID)
		}
		if k.Status == kpi.StatusNoData {
			if row[4] != "" {
				t.Errorf("CSV %s value got %q; want empty (no data)", k.ID, row[4])
			}
			continue
		}
		if v, err := strconv.ParseFloat(row[4], 64); err != nil || v != *k.Value {
			t.Errorf("CSV %s value got %q; want %v", k.ID, row[4], *k.Value)
		}
		if v, err := strconv.ParseFloat(row[9], 64); err != nil || v != k.Target {
			t.Errorf("CSV %s target got %q; want %v", k.ID, row[9], k.Target)
		}
	}
}

var tag = regexp.MustCompile(`<[^>]*>`)

// visibleText is the HTML as a reader sees it: no tags, entities decoded, spaces collapsed.
func visibleText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tag.ReplaceAllString(s, " "))), " ")
}

func TestHeaderInjection(t *testing.T) {
	base := func() *report.Message { return fixtureMessage(t, "public-works") }
	tests := []struct {
		name string
		edit func(m *report.Message)
	}{
		{"subject", func(m *report.Message) { m.Subject = "Report\r\nBcc: evil@x" }},
		{"subject LF", func(m *report.Message) { m.Subject = "Report\nBcc: evil@x" }},
		{"from name", func(m *report.Message) { m.From.Name = "CivicPulse\r\nBcc: evil@x" }},
		{"to name", func(m *report.Message) { m.To.Name = "Jordan\r\nBcc: evil@x" }},
		{"to address", func(m *report.Message) { m.To.Email = "a@example.gov\r\nBcc: evil@x" }},
		{"two addresses", func(m *report.Message) { m.To.Email = "a@example.gov, evil@x" }},
		{"address with name", func(m *report.Message) { m.To.Email = "Evil <evil@x.org>" }},
		{"content id", func(m *report.Message) { m.Inline[0].ContentID = "x@y>\r\nBcc: evil@x" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			_, err := Build(m, testDate)
			if !errors.Is(err, ErrBadHeader) {
				t.Errorf("got %v; want ErrBadHeader", err)
			}
		})
	}
}

// TestNoHeaderFromContent sends hostile city and KPI names through report and mail: they are
// made one line by the report and encoded in the subject, never a header of their own.
func TestNoHeaderFromContent(t *testing.T) {
	doc, city := fixture(t)
	doc.City = "Springfield\r\nBcc: evil@x"
	doc.KPIs[1].Label = "Roads\r\nBcc: evil@x"
	c := *city
	c.Recipients = append([]config.Recipient(nil), city.Recipients...)
	c.Recipients[0].Name = "Alex\r\nBcc: evil@x"
	m, err := report.Build(doc, &c, c.Recipients[0])
	if err != nil {
		t.Fatal(err)
	}
	e, err := Build(m, testDate)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(e.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header["Bcc"]; got != nil {
		t.Errorf("message has a Bcc header %q", got)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "city.manager@springfield.example.gov" {
		t.Errorf("To got %v, %v; want only city.manager@springfield.example.gov", to, err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Springfield Bcc: evil@x — Q1 FY2027 community KPIs: 1 of 5 on target"; subject != want {
		t.Errorf("subject got %q; want %q", subject, want)
	}
}
