package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
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
