package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
	nethtml "golang.org/x/net/html"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Planted secrets: each must be used (the servers check) and appear nowhere else.
const (
	secretAuthorKey = "ak-PLANTED-4f1c9e2b7a6d"
	secretSMTP      = "smtp-PLANTED-9b2e71c04d"
	secretXBearer   = "xb-PLANTED-c0ffee5eed42"
	secretOpen311   = "o311-PLANTED-77aa1290e3"
)

// Hostile resident text that the pulled page carries into the lake, and the personal data in it.
var (
	hostilePosts = []string{
		`<script>document.title='pwned'</script> The potholes on Main Street are terrible, worst roads ever!`,
		"Awful potholes on 5th Street.\r\nBcc: evil@example.com\r\nSubject: pwned",
		`"><img src=x onerror=alert(1)> potholes everywhere downtown, terrible and dangerous`,
		`Terrible potholes on Oak Street. Call me at 217-555-0177 or write to pulled.person@example.net`,
	}
	pulledPII = []string{"217-555-0177", "pulled.person@example.net"}
)

// The whole pipeline with debug logging, a pull from a local vendor API, SMTP delivery and
// planted secrets: no secret (nor its base64) is in the logs, the store or the mail; no
// planted personal value is outside raw/ and inbox/, or in the logs; hostile resident text
// reaches no HTML unescaped and no mail header.
func TestSecretsAndPersonalDataStayPut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CIVICPULSE_AUTHOR_KEY", secretAuthorKey)
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The reported quarter only: the test runs every stage under -race.
	lastQuarter := func(key string) bool {
		return strings.Contains(key, "FY2027-Q1") || strings.Contains(key, "-2026-07-") ||
			strings.Contains(key, "-2026-08-") || strings.Contains(key, "-2026-09-")
	}
	if err := sample.Install(ctx, st, sample.DefaultSeed, lastQuarter); err != nil {
		t.Fatal(err)
	}

	// Pull: X with a bearer token, and two Open311 servers (key in the URL) that fail.
	var used sync.Map
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/x/2/tweets/search/recent"):
			if r.Header.Get("Authorization") != "Bearer "+secretXBearer {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			used.Store("x", true)
			w.Write(hostilePage(t))
		case strings.HasPrefix(r.URL.Path, "/bad311/"):
			used.Store("bad311", r.URL.Query().Get("api_key") == secretOpen311)
			fmt.Fprint(w, "<html>not json, key="+r.URL.Query().Get("api_key"))
		case strings.HasPrefix(r.URL.Path, "/denied311/"):
			used.Store("denied311", r.URL.Query().Get("api_key") == secretOpen311)
			http.Error(w, "forbidden: "+r.URL.RawQuery, http.StatusForbidden)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	for i := range city.Sources {
		if city.Sources[i].ID == "twitter" {
			city.Sources[i].Pull = &config.Pull{Endpoint: api.URL + "/x", Query: "springfield", Secret: "x-bearer"}
		}
	}
	city.Sources = append(city.Sources,
		config.Source{ID: "bad311", Format: "open311", Pull: &config.Pull{Endpoint: api.URL + "/bad311", Secret: "open311-key"}},
		config.Source{ID: "denied311", Format: "open311", Pull: &config.Pull{Endpoint: api.URL + "/denied311", Secret: "open311-key"}})
	now := time.Date(2026, 9, 30, 18, 0, 0, 0, time.UTC)
	psum, err := pipeline.Pull(ctx, st, city, pipeline.PullOptions{Now: now,
		Secrets: pull.MapSecrets{"x-bearer": secretXBearer, "open311-key": secretOpen311},
		Client:  &pull.Client{Sleep: func(context.Context, time.Duration) error { return nil }}, Logger: log})
	if err == nil || psum.Failed != 2 || psum.Pages != 1 {
		t.Fatalf("pull: %d pages, %d failed, %v; want 1 page and the two Open311 sources failed", psum.Pages, psum.Failed, err)
	}
	fmt.Fprintf(&logs, "pull error: %v\n", err)
	for _, k := range []string{"x", "bad311", "denied311"} {
		if v, _ := used.Load(k); v != true {
			t.Errorf("the %s server never got the planted credential", k)
		}
	}

	// The stages as an operator runs them, with debug logs; ingest twice, as a retry would.
	for _, args := range [][]string{{"ingest"}, {"ingest"}, {"score"}, {"kpi", "--quarter", "2027-Q1"}} {
		if err := run(ctx, append(args, "--store", dir, "-v"), nil, &logs, &logs); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, logs.String())
		}
	}
	if strings.Contains(logs.String(), "CIVICPULSE_AUTHOR_KEY is not set") {
		t.Fatal("ingest did not use the planted CIVICPULSE_AUTHOR_KEY")
	}
	smtp := mailtest.StartSMTP(t)
	smtp.Username, smtp.Password = "civicpulse", secretSMTP
	env := map[string]string{mail.EnvSMTPHost: smtp.Host, mail.EnvSMTPPort: fmt.Sprint(smtp.Port),
		mail.EnvSMTPUsername: "civicpulse", mail.EnvSMTPPassword: secretSMTP}
	sender, err := mail.NewSMTPFromEnv(func(k string) string { return env[k] }, func(o *mail.SMTPOptions) { o.TLSConfig = smtp.ClientTLS })
	if err != nil {
		t.Fatal(err)
	}
	rsum, err := pipeline.Report(ctx, st, city, "2027-Q1", sender, pipeline.ReportOptions{Now: now, Logger: log})
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	sent := smtp.Messages()
	if len(sent) == 0 || len(sent) != len(rsum.Recipients) {
		t.Fatalf("the SMTP server got %d messages for %d recipients", len(sent), len(rsum.Recipients))
	}
	// A wrong password: the error, logged as an operator would see it, must not carry it.
	env[mail.EnvSMTPPassword] = secretSMTP + "-wrong"
	bad, err := mail.NewSMTPFromEnv(func(k string) string { return env[k] }, func(o *mail.SMTPOptions) { o.TLSConfig = smtp.ClientTLS })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Send(ctx, "civicpulse@springfield.example.gov", []string{"a@springfield.example.gov"}, sent[0].Raw); err == nil {
		t.Error("SMTP accepted a wrong password")
	} else {
		log.Error("send failed", "err", err)
	}
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) || !strings.Contains(logs.String(), "level=DEBUG") {
		t.Fatalf("the logs hold no debug lines of the pull or of the command: they were not at debug level")
	}

	// What the run left behind, decoded: Parquet as JSON Lines, mail as its parts.
	outputs := map[string]string{"logs": logs.String()}
	for i, m := range sent {
		outputs[fmt.Sprintf("smtp message %d", i)] = decodeMail(t, m.Raw)
	}
	var rawText strings.Builder
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		key := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(b)
		switch {
		case strings.HasSuffix(key, ".parquet"):
			var out bytes.Buffer
			if err := table.WriteJSONLines(&out, bytes.NewReader(b), int64(len(b)), nil); err != nil {
				return fmt.Errorf("decode %s: %w", key, err)
			}
			text = out.String()
		case strings.HasSuffix(key, ".eml"):
			text = decodeMail(t, b)
		case strings.HasSuffix(key, ".html"), strings.HasSuffix(key, ".htm"):
			text += "\n" + html.UnescapeString(text)
		}
		if strings.HasPrefix(key, "raw/") || strings.HasPrefix(key, "inbox/") {
			rawText.WriteString(text)
			for _, s := range secretForms() { // credentials stay out of even the raw copy
				if strings.Contains(string(b), s) {
					t.Errorf("%s holds the planted secret %q", key, s)
				}
			}
			return nil
		}
		outputs[key] = text
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	pii, err := sample.PlantedPII(sample.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	pii = append(pii, pulledPII...)
	slices.Sort(pii)
	pii = slices.Compact(pii)
	found := 0
	for _, v := range pii {
		if strings.Contains(rawText.String(), v) {
			found++
		}
	}
	if found < 40 { // the scan must see what it looks for where it is allowed to be
		t.Fatalf("raw/ and inbox/ hold %d of %d planted personal values; want the quarter's (over 40)", found, len(pii))
	}
	redacted, scanned := 0, 0
	for key, text := range outputs {
		scanned++
		for _, s := range secretForms() {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the planted secret %q", key, s)
			}
		}
		for _, v := range pii {
			if strings.Contains(text, v) {
				t.Errorf("%s holds the planted personal value %q", key, v)
			}
		}
		redacted += strings.Count(text, "[phone]") + strings.Count(text, "[email]") + strings.Count(text, "@[user]")
	}
	if redacted < 20 {
		t.Errorf("the outputs hold %d redaction placeholders; the scan does not read the stored text", redacted)
	}
	for _, want := range []string{"curated/", "scored/", "kpi/", "reports/", "state/"} {
		n := 0
		for key := range outputs {
			if strings.HasPrefix(key, want) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no object under %s was scanned", want)
		}
	}
	t.Logf("scanned %d outputs for %d personal values and %d secret forms", scanned, len(pii), len(secretForms()))

	t.Run("hostile text", func(t *testing.T) {
		quoted := checkHostileMail(t, "smtp", sent[0].Raw)
		err := filepath.WalkDir(filepath.Join(dir, "reports"), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".eml") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			quoted = checkHostileMail(t, p, b) || quoted
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !quoted {
			t.Error("no message quotes a hostile post: the check above saw none of them")
		}
	})
}

// secretForms are the planted secrets as they might leak: as is and in base64.
func secretForms() []string {
	var forms []string
	for _, s := range []string{secretAuthorKey, secretSMTP, secretXBearer, secretOpen311} {
		forms = append(forms, s, base64.StdEncoding.EncodeToString([]byte(s)),
			base64.RawURLEncoding.EncodeToString([]byte(s)))
	}
	// AUTH PLAIN sends "\x00user\x00password" in base64.
	return append(forms, base64.StdEncoding.EncodeToString([]byte("\x00civicpulse\x00"+secretSMTP)))
}

// decodeMail returns a message's headers, text, HTML (raw and unescaped) and attachments.
func decodeMail(t *testing.T, raw []byte) string {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var b strings.Builder
	b.Write(raw)
	for _, k := range env.GetHeaderKeys() {
		b.WriteString(k + ": " + env.GetHeader(k) + "\n")
	}
	b.WriteString(env.Text + "\n" + env.HTML + "\n" + html.UnescapeString(env.HTML))
	for _, parts := range [][]*enmime.Part{env.Attachments, env.Inlines, env.OtherParts} {
		for _, p := range parts {
			b.Write(p.Content)
		}
	}
	return b.String()
}

// liveMarkup returns the first element or attribute of htm that could run script: the
// hostile posts' tags and handlers, or an image not from the message itself.
func liveMarkup(htm string) string {
	z := nethtml.NewTokenizer(strings.NewReader(htm))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return ""
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "svg", "iframe", "object", "embed":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") || (a.Key == "src" && !strings.HasPrefix(a.Val, "cid:")) {
					return fmt.Sprintf("<%s %s=%q>", tok.Data, a.Key, a.Val)
				}
			}
		}
	}
}

// checkHostileMail checks one message: one Subject, no Bcc or Cc, and no markup of the
// hostile posts live in the HTML. It says whether the HTML quotes a hostile post (escaped).
func checkHostileMail(t *testing.T, name string, raw []byte) bool {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	for _, h := range []string{"Bcc", "Cc"} {
		if v, ok := msg.Header[h]; ok {
			t.Errorf("%s: a %s header %q", name, h, v)
		}
	}
	if n := len(msg.Header["Subject"]); n != 1 {
		t.Errorf("%s: %d Subject headers", name, n)
	}
	if s := msg.Header.Get("Subject"); strings.Contains(s, "pwned") {
		t.Errorf("%s: resident text reached the subject %q", name, s)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	htm := env.HTML
	for _, p := range env.Inlines {
		if strings.HasPrefix(p.ContentType, "text/html") {
			htm += string(p.Content)
		}
	}
	if htm == "" {
		t.Errorf("%s has no HTML part", name)
	}
	if m := liveMarkup(htm); m != "" {
		t.Errorf("%s: HTML holds live markup %q", name, m)
	}
	return strings.Contains(htm, "&lt;script&gt;") || strings.Contains(htm, "&lt;img src=x")
}

// hostilePage is an X API v2 recent-search response with the hostile posts, dated in the
// last days of the quarter, escaped as the API escapes text.
func hostilePage(t *testing.T) []byte {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	type tw struct {
		ID        string `json:"id"`
		Text      string `json:"text"`
		AuthorID  string `json:"author_id"`
		CreatedAt string `json:"created_at"`
		Metrics   struct {
			Likes int `json:"like_count"`
		} `json:"public_metrics"`
	}
	var page struct {
		Data     []tw `json:"data"`
		Includes struct {
			Users []map[string]string `json:"users"`
		} `json:"includes"`
		Meta map[string]any `json:"meta"`
	}
	for i := range 40 { // negative roads posts with the most likes: the report quotes them
		text := hostilePosts[i%len(hostilePosts)]
		p := tw{ID: fmt.Sprint(1840000000000000000 + i), Text: esc.Replace(text),
			AuthorID: fmt.Sprint(900 + i%7), CreatedAt: time.Date(2026, 9, 25, 10, i, 0, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")}
		p.Metrics.Likes = 5000 + i
		page.Data = append(page.Data, p)
	}
	for i := range 7 {
		page.Includes.Users = append(page.Includes.Users, map[string]string{"id": fmt.Sprint(900 + i), "username": fmt.Sprint("hostile", i)})
	}
	page.Meta = map[string]any{"result_count": len(page.Data)}
	b, err := json.Marshal(page)
	if err != nil {
		t.Error(err)
	}
	return b
}

// syncBuffer is a bytes.Buffer that several goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
