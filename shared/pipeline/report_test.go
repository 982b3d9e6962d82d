package pipeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

var (
	reportNow   = time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC)
	reportQuiet = slog.New(slog.DiscardHandler)
)

// reportFixture puts the report package's fixture kpis.json for 2027-Q1 into st and returns
// its city (two recipients: city-manager with everything, public-works with its part).
func reportFixture(t testing.TB, st store.Store) *config.City {
	t.Helper()
	city, err := loadReportFixture(st)
	if err != nil {
		t.Fatal(err)
	}
	return city
}

func loadReportFixture(st store.Store) (*config.City, error) {
	doc, err := os.ReadFile("../report/testdata/kpis.json")
	if err != nil {
		return nil, err
	}
	_, key := pipeline.KPIKeys(kpi.Quarter{FY: 2027, Q: 1})
	if err := st.Put(context.Background(), key, bytes.NewReader(doc)); err != nil {
		return nil, err
	}
	f, err := os.Open("../report/testdata/city.yaml")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return config.Load(f, "city.yaml")
}

func reportDir(t testing.TB) store.Store {
	t.Helper()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func statuses(sum pipeline.ReportSummary) string {
	var s []string
	for _, r := range sum.Recipients {
		s = append(s, r.Key+"="+string(r.Status))
	}
	return strings.Join(s, " ")
}

func reportFiles(t testing.TB, st store.Store) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	infos, err := st.List(ctx, "reports/")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, i := range infos {
		b, err := store.ReadAll(ctx, st, i.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[i.Key] = b
	}
	return out
}

func TestReportPreview(t *testing.T) {
	t.Parallel()
	st := reportDir(t)
	city := reportFixture(t, st)
	sum, err := pipeline.Report(context.Background(), st, city, "2027-Q1", nil, pipeline.ReportOptions{Preview: true, Now: reportNow, Logger: reportQuiet})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(sum), "city-manager=previewed public-works=previewed"; got != want {
		t.Errorf("statuses got %s; want %s", got, want)
	}
	want := []string{}
	for _, key := range []string{"city-manager", "public-works"} {
		for _, name := range []string{"kpis.csv", "message.eml", "report.html", "report.txt"} {
			want = append(want, pipeline.ReportKey("2027-Q1", key, name))
		}
	}
	files := reportFiles(t, st)
	var got []string
	for k := range files {
		got = append(got, k)
	}
	slices.Sort(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if infos, _ := st.List(context.Background(), "state/sent/"); len(infos) != 0 {
		t.Errorf("preview wrote %d ledger records; want none", len(infos))
	}
	if s := sum.Recipients[1]; s.Subject != "Springfield — Q1 FY2027 community KPIs: 1 of 2 on target" || s.Email != "public.works@springfield.example.gov" {
		t.Errorf("public-works summary got %+v", s)
	}

	// A second preview, later, writes the same bytes.
	if _, err := pipeline.Report(context.Background(), st, city, "2027-Q1", nil, pipeline.ReportOptions{Preview: true, Now: reportNow.Add(24 * time.Hour), Logger: reportQuiet}); err != nil {
		t.Fatal(err)
	}
	for k, b := range reportFiles(t, st) {
		if !bytes.Equal(b, files[k]) {
			t.Errorf("%s changed between two previews", k)
		}
	}
}

func TestReportSendsOnce(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, st store.Store) {
		ctx := context.Background()
		city := reportFixture(t, st)
		s := &mailtest.Sender{}
		opts := pipeline.ReportOptions{Now: reportNow, Logger: reportQuiet}
		sum, err := pipeline.Report(ctx, st, city, "2027-Q1", s, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := statuses(sum), "city-manager=sent public-works=sent"; got != want {
			t.Errorf("first run got %s; want %s", got, want)
		}
		sent := s.Sent()
		if len(sent) != 2 {
			t.Fatalf("sender got %d messages; want 2", len(sent))
		}
		files := reportFiles(t, st)
		for i, key := range []string{"city-manager", "public-works"} {
			if eml := files[pipeline.ReportKey("2027-Q1", key, "message.eml")]; !bytes.Equal(sent[i].Raw, eml) {
				t.Errorf("%s: the message sent differs from message.eml", key)
			}
			if _, ok := files[pipeline.ReportKey("2027-Q1", key, "sent.json")]; !ok {
				t.Errorf("%s: no sent.json", key)
			}
		}

		sum, err = pipeline.Report(ctx, st, city, "2027-Q1", s, pipeline.ReportOptions{Now: reportNow.Add(time.Hour), Logger: reportQuiet})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := statuses(sum), "city-manager=skipped public-works=skipped"; got != want {
			t.Errorf("second run got %s; want %s", got, want)
		}
		if n := len(s.Sent()); n != 2 {
			t.Errorf("sender got %d messages after two runs; want 2", n)
		}
		for k, b := range reportFiles(t, st) {
			if !bytes.Equal(b, files[k]) {
				t.Errorf("%s changed on the second run", k)
			}
		}
	}
	t.Run("dir", func(t *testing.T) { run(t, reportDir(t)) })
	t.Run("s3", func(t *testing.T) { run(t, storetest.S3(t, "city/")) })
}

func TestReportConcurrentRuns(t *testing.T) {
	t.Parallel()
	st := reportDir(t)
	city := reportFixture(t, st)
	s := &mailtest.Sender{SendFunc: func(context.Context, string, []string, []byte) (string, error) {
		time.Sleep(10 * time.Millisecond)
		return "", nil
	}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := pipeline.Report(context.Background(), st, city, "2027-Q1", s, pipeline.ReportOptions{Now: reportNow, Logger: reportQuiet})
			if err != nil && !errors.Is(err, mail.ErrInDoubt) {
				t.Errorf("concurrent run: %v", err)
			}
		}()
	}
	wg.Wait()
	perRecipient := map[string]int{}
	for _, m := range s.Sent() {
		perRecipient[strings.Join(m.To, ",")]++
	}
	for _, to := range []string{"city.manager@springfield.example.gov", "public.works@springfield.example.gov"} {
		if n := perRecipient[to]; n != 1 {
			t.Errorf("%s got %d messages; want 1", to, n)
		}
	}
}

// TestReportInDoubt: a run died after claiming the send to public-works. The next run sends
// to nobody twice, reports public-works in doubt, and Resend settles it.
func TestReportInDoubt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := reportDir(t)
	city := reportFixture(t, st)
	crashed := &mailtest.Sender{SendFunc: func(_ context.Context, _ string, to []string, _ []byte) (string, error) {
		if to[0] == "public.works@springfield.example.gov" {
			return "", errors.New("lambda timed out") // outcome unknown, like a crash
		}
		return "", nil
	}}
	sum, err := pipeline.Report(ctx, st, city, "2027-Q1", crashed, pipeline.ReportOptions{Now: reportNow, Logger: reportQuiet})
	if !errors.Is(err, mail.ErrInDoubt) {
		t.Errorf("first run got %v; want ErrInDoubt", err)
	}
	if got, want := statuses(sum), "city-manager=sent public-works=in_doubt"; got != want {
		t.Errorf("first run got %s; want %s", got, want)
	}

	s := &mailtest.Sender{}
	later := reportNow.Add(time.Hour)
	sum, err = pipeline.Report(ctx, st, city, "2027-Q1", s, pipeline.ReportOptions{Now: later, Logger: reportQuiet})
	if !errors.Is(err, mail.ErrInDoubt) {
		t.Errorf("second run got %v; want ErrInDoubt", err)
	}
	if got, want := statuses(sum), "city-manager=skipped public-works=in_doubt"; got != want {
		t.Errorf("second run got %s; want %s", got, want)
	}
	if n := len(s.Sent()); n != 0 {
		t.Errorf("second run sent %d messages; want 0", n)
	}

	sum, err = pipeline.Report(ctx, st, city, "2027-Q1", s, pipeline.ReportOptions{Now: later, Resend: []string{"public-works"}, Logger: reportQuiet})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(sum), "city-manager=skipped public-works=sent"; got != want {
		t.Errorf("resend run got %s; want %s", got, want)
	}
	if n := len(s.Sent()); n != 1 {
		t.Errorf("resend run sent %d messages; want 1", n)
	}
}

func TestReportErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := reportDir(t)
	city := reportFixture(t, st)
	tests := []struct {
		name    string
		quarter string
		sender  mail.Sender
		opts    pipeline.ReportOptions
		is      error
	}{
		{"bad quarter", "2027", &mailtest.Sender{}, pipeline.ReportOptions{Now: reportNow}, nil},
		{"no KPIs yet", "2027-Q2", &mailtest.Sender{}, pipeline.ReportOptions{Now: reportNow}, store.ErrNotFound},
		{"no clock", "2027-Q1", &mailtest.Sender{}, pipeline.ReportOptions{}, nil},
		{"no sender", "2027-Q1", nil, pipeline.ReportOptions{Now: reportNow}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = reportQuiet
			_, err := pipeline.Report(ctx, st, city, tt.quarter, tt.sender, tt.opts)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("got %v; want an error (matching %v)", err, tt.is)
			}
		})
	}
}

func ExampleReport() {
	dir, err := os.MkdirTemp("", "report-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.NewDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	city, err := loadReportFixture(st) // kpi/quarter=2027-Q1/ as the kpi stage leaves it
	if err != nil {
		log.Fatal(err)
	}

	// Locally the outbox stands in for SES: mail.NewSES(sesv2.NewFromConfig(cfg)).
	outbox := mail.NewOutbox(st, "outbox")
	opts := pipeline.ReportOptions{Now: time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC), Logger: slog.New(slog.DiscardHandler)}
	for range 2 { // the second run sends nothing
		sum, err := pipeline.Report(ctx, st, city, "2027-Q1", outbox, opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range sum.Recipients {
			fmt.Printf("%-12s %-8s %s\n", r.Key, r.Status, r.Subject)
		}
	}
	// Output:
	// city-manager sent     Springfield — Q1 FY2027 community KPIs: 1 of 5 on target
	// public-works sent     Springfield — Q1 FY2027 community KPIs: 1 of 2 on target
	// city-manager skipped  Springfield — Q1 FY2027 community KPIs: 1 of 5 on target
	// public-works skipped  Springfield — Q1 FY2027 community KPIs: 1 of 2 on target
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ (the demo city's report)")

// demoTime is the fixed clock of the demo quarter's pipeline run in tests.
var demoTime = time.Date(2026, 10, 2, 11, 0, 0, 0, time.UTC)

// demo is the sample city run through ingest, score and kpi once per test binary: the city,
// its latest quarter and that quarter's kpis.json.
var demo struct {
	once sync.Once
	city *config.City
	q    kpi.Quarter
	doc  []byte
	err  error
}

func demoQuarter(t *testing.T) (*config.City, kpi.Quarter, []byte) {
	t.Helper()
	demo.once.Do(func() {
		demo.err = func() error {
			ctx := context.Background()
			dir, err := os.MkdirTemp("", "civicpulse-demo-")
			if err != nil {
				return err
			}
			// Removed by the OS; a test's TempDir would go with the first test that asked.
			st, err := store.NewDir(dir)
			if err != nil {
				return err
			}
			files, err := sample.Generate(sample.DefaultSeed)
			if err != nil {
				return err
			}
			for _, f := range files {
				if err := st.Put(ctx, f.Key, bytes.NewReader(f.Data)); err != nil {
					return err
				}
			}
			city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
			if err != nil {
				return err
			}
			if _, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: demoTime, AuthorKey: []byte("civicpulse-demo-author-key"), Logger: reportQuiet}); err != nil {
				return err
			}
			if _, err := pipeline.Score(ctx, st, score.New(city.Topics), pipeline.ScoreOptions{Logger: reportQuiet}); err != nil {
				return err
			}
			q, err := pipeline.LatestQuarter(ctx, st, city)
			if err != nil {
				return err
			}
			if _, err := pipeline.KPI(ctx, st, city, q, pipeline.KPIOptions{Now: demoTime, Logger: reportQuiet}); err != nil {
				return err
			}
			_, key := pipeline.KPIKeys(q)
			doc, err := store.ReadAll(ctx, st, key)
			if err != nil {
				return err
			}
			demo.city, demo.q, demo.doc = city, q, doc
			return nil
		}()
	})
	if demo.err != nil {
		t.Fatalf("demo quarter: %v", demo.err)
	}
	return demo.city, demo.q, demo.doc
}

// TestDemoReportGolden renders the demo city's quarter as `civicpulse demo` does (in preview)
// and compares each recipient's report.html, report.txt, kpis.csv and subject with
// testdata/demo/. The demo data, scorer and KPIs change often: after such a change, review
// the diff of `go test ./shared/pipeline -run DemoReportGolden -update`. Whatever the
// goldens say, every figure of the three renderings is checked against kpis.json.
func TestDemoReportGolden(t *testing.T) {
	t.Parallel()
	city, q, docJSON := demoQuarter(t)
	ctx := context.Background()
	st := reportDir(t)
	_, key := pipeline.KPIKeys(q)
	if err := st.Put(ctx, key, bytes.NewReader(docJSON)); err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Report(ctx, st, city, q.String(), nil, pipeline.ReportOptions{Preview: true, Now: demoTime, Logger: reportQuiet})
	if err != nil {
		t.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(docJSON, &doc); err != nil {
		t.Fatal(err)
	}
	if len(sum.Recipients) != len(city.Recipients) || len(sum.Recipients) == 0 {
		t.Fatalf("got %d recipients; want the city's %d", len(sum.Recipients), len(city.Recipients))
	}
	for _, r := range sum.Recipients {
		t.Run(r.Key, func(t *testing.T) {
			read := func(name string) []byte {
				b, err := store.ReadAll(ctx, st, pipeline.ReportKey(q.String(), r.Key, name))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			html, text, table := read("report.html"), read("report.txt"), read("kpis.csv")
			golden(t, filepath.Join("demo", r.Key, "report.html"), html)
			golden(t, filepath.Join("demo", r.Key, "report.txt"), text)
			golden(t, filepath.Join("demo", r.Key, "kpis.csv"), table)
			golden(t, filepath.Join("demo", r.Key, "subject"), []byte(r.Subject+"\n"))
			checkFigures(t, &doc, r.Subject, html, text, table)
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run DemoReportGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs from the golden file at line %d (after a change to the demo data, scorer or KPIs: review, then go test -run DemoReportGolden -update)\n got: %.300q\nwant: %.300q", path, i+1, g, w)
				return
			}
		}
	}
}

// checkFigures reads every KPI figure back out of the CSV, the HTML table and the text and
// compares it with kpis.json: the CSV exactly, the worded figures to their rounding.
func checkFigures(t *testing.T, doc *kpi.Document, subject string, htmlPage, text, table []byte) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(table, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("kpis.csv: %v", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	byID := map[string]kpi.Result{}
	for _, k := range doc.KPIs {
		byID[k.ID] = k
	}
	var scope []kpi.Result
	met := 0
	for _, row := range rows[1:] {
		k, ok := byID[row[col["kpi_id"]]]
		if !ok {
			t.Errorf("kpis.csv: KPI %q is not in kpis.json", row[col["kpi_id"]])
			continue
		}
		scope = append(scope, k)
		if k.Status == kpi.StatusMet {
			met++
		}
		noData := k.Status == kpi.StatusNoData
		for _, c := range []struct {
			name string
			v    *float64
		}{{"value", k.Value}, {"ci_low", k.CILow}, {"ci_high", k.CIHigh}, {"target", &k.Target}, {"previous", k.Previous}} {
			cell := row[col[c.name]]
			if c.v == nil || (noData && c.name != "target" && c.name != "previous") {
				if cell != "" {
					t.Errorf("kpis.csv %s %s got %q; want empty", k.ID, c.name, cell)
				}
				continue
			}
			if f, err := strconv.ParseFloat(cell, 64); err != nil || f != *c.v {
				t.Errorf("kpis.csv %s %s got %q; want %v", k.ID, c.name, cell, *c.v)
			}
		}
		if row[col["n"]] != strconv.FormatInt(k.N, 10) || row[col["status"]] != k.Status || row[col["unit"]] != k.Unit {
			t.Errorf("kpis.csv %s: n, status, unit got %s %s %s; want %d %s %s", k.ID, row[col["n"]], row[col["status"]], row[col["unit"]], k.N, k.Status, k.Unit)
		}
	}
	if want := fmt.Sprintf(": %d of %d on target", met, len(scope)); !strings.HasSuffix(subject, want) {
		t.Errorf("subject %q; want it to end %q", subject, want)
	}

	// The HTML KPI table: the one table that is not role=presentation.
	cells := kpiTable(t, htmlPage)
	if len(cells) != len(scope) {
		t.Fatalf("HTML KPI table has %d rows; want %d", len(cells), len(scope))
	}
	// The text: "   Value: X (target Y)" per KPI, in table order.
	var values [][2]string
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "   Value: "); ok {
			v, target, _ := strings.Cut(strings.TrimSuffix(v, ")"), " (target ")
			values = append(values, [2]string{v, target})
		}
	}
	if len(values) != len(scope) {
		t.Fatalf("text has %d Value lines; want %d", len(values), len(scope))
	}
	for i, k := range scope {
		if !strings.Contains(cells[i][0], k.Label) {
			t.Errorf("HTML row %d label %q; want %q", i+1, cells[i][0], k.Label)
		}
		for _, got := range []struct{ where, value, target string }{
			{"HTML", cells[i][1], cells[i][2]}, {"text", values[i][0], values[i][1]},
		} {
			checkShown(t, got.where+" "+k.ID+" target", k.Unit, got.target, &k.Target, true)
			var v *float64
			if k.Status != kpi.StatusNoData {
				v = k.Value
			}
			checkShown(t, got.where+" "+k.ID+" value", k.Unit, got.value, v, false)
		}
	}
}

// checkShown parses a figure as the report words it ("+12", "61%", "1,610", "4.5 days",
// "≥ 60%") and compares it with the raw value to the precision shown.
func checkShown(t *testing.T, what, unit, shown string, raw *float64, target bool) {
	t.Helper()
	s := strings.TrimSpace(shown)
	if target {
		if !strings.HasPrefix(s, "≥ ") && !strings.HasPrefix(s, "≤ ") {
			t.Errorf("%s %q: want ≥ or ≤ first", what, shown)
		}
		s = strings.TrimSpace(strings.TrimLeft(s, "≥≤"))
	}
	if raw == nil {
		if s != "No data" {
			t.Errorf("%s got %q; want No data", what, shown)
		}
		return
	}
	want, tol := *raw, 0.005
	switch unit {
	case kpi.UnitScore, kpi.UnitShare:
		want, tol = want*100, 0.5
	case kpi.UnitCount:
		tol = 0.5
	case kpi.UnitDays:
		tol = 0.05
	}
	s = strings.NewReplacer(",", "", "+", "", "%", "", " days", "", " day", "").Replace(s)
	got, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(got-want) > tol+1e-9 {
		t.Errorf("%s shows %q; kpis.json has %v (%s)", what, shown, *raw, unit)
	}
}

// kpiTable returns the text of the label, value and target cells of each row of the HTML's
// data table.
func kpiTable(t *testing.T, page []byte) [][3]string {
	t.Helper()
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var table *xhtml.Node
	for n := range doc.Descendants() {
		if n.Type == xhtml.ElementNode && n.Data == "table" && attr(n, "role") != "presentation" {
			table = n
			break
		}
	}
	if table == nil {
		t.Fatal("HTML has no KPI table")
	}
	var rows [][3]string
	for tr := range table.Descendants() {
		if tr.Type != xhtml.ElementNode || tr.Data != "tr" {
			continue
		}
		var cells []string
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == xhtml.ElementNode && (c.Data == "td" || c.Data == "th") {
				cells = append(cells, textOf(c))
			}
		}
		if len(cells) >= 3 && !strings.HasPrefix(cells[0], "KPI and trend") {
			rows = append(rows, [3]string{cells[0], cells[1], cells[2]})
		}
	}
	return rows
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *xhtml.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == xhtml.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// TestReportConcurrentSES runs the report for one quarter 20 times at once against the S3
// server and SES on a moto of the test's own: each recipient receives exactly one message,
// read back from moto, and it is the message.eml the store keeps.
func TestReportConcurrentSES(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.S3(t, "city/")
	endpoint := mailtest.StartMoto(t)
	city := reportFixture(t, st)
	ses := mail.NewSES(mailtest.MotoSES(t, endpoint, city.Report.From))

	const runs = 20
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := pipeline.ReportOptions{Now: reportNow.Add(time.Duration(i) * time.Second), Logger: reportQuiet}
			_, err := pipeline.Report(ctx, st, city, "2027-Q1", ses, opts)
			// A run that finds another's claim still open reports it in doubt; that is its job.
			if err != nil && !errors.Is(err, mail.ErrInDoubt) {
				t.Errorf("run %d: %v", i, err)
			}
		}()
	}
	wg.Wait()

	sent := mailtest.MotoMessages(t, endpoint)
	perRecipient := map[string][]mailtest.Sent{}
	for _, m := range sent {
		perRecipient[strings.Join(m.To, ",")] = append(perRecipient[strings.Join(m.To, ",")], m)
	}
	if len(sent) != len(city.Recipients) {
		t.Errorf("moto received %d messages; want %d, one per recipient", len(sent), len(city.Recipients))
	}
	for _, to := range city.Recipients {
		msgs := perRecipient[to.Email]
		if len(msgs) != 1 {
			t.Errorf("%s received %d messages; want 1", to.Email, len(msgs))
			continue
		}
		eml, err := store.ReadAll(ctx, st, pipeline.ReportKey("2027-Q1", to.Key, "message.eml"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(msgs[0].Raw, eml) {
			t.Errorf("%s: the message moto received differs from message.eml", to.Key)
		}
		rec, err := mail.NewLedger(st).Status(ctx, "2027-Q1", to.Key)
		if err != nil || rec.Status != mail.StatusSent || rec.ProviderID != msgs[0].ID {
			t.Errorf("%s: ledger got %+v, %v; want sent with moto's id %s", to.Key, rec, err, msgs[0].ID)
		}
	}
}
