//go:build !race

package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/faultproxy"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

const (
	faultRuns = 50
	// faultRate is the share of S3 requests faulted: four in five of the faults fail the
	// request (SlowDown, InternalError, Reset, Truncate) and one in five delays it, so 20% of
	// the requests fail.
	faultRate = 0.25
)

// faultNow is the clock of every run, so that runs write the same bytes.
var faultNow = time.Date(2026, 10, 2, 11, 0, 0, 0, time.UTC)

// faultInbox keeps the inbox files of the sample city's latest quarter, FY2027-Q1: its survey
// and the last of its three months of posts (September 2026). That is a twentieth of the demo's
// data, which keeps 50 runs within the test budget (each month more adds about half).
func faultInbox(key string) bool {
	for _, s := range []string{"FY2027-Q1", "search-2026-09-"} {
		if strings.Contains(key, s) {
			return true
		}
	}
	return false
}

// TestFaults runs the demo pipeline (sample city, ingest, score, kpi, report through SES on
// a moto of the test's own) on the S3 server once directly, then 50 times in parallel, each
// under its own prefix, through a fault proxy that fails a seeded 20% of the requests. Every
// run completes; every object it writes is byte for byte the clean run's, except the send
// ledger's records (which carry the SES message id and the claim's token); and moto received
// exactly one message per run and recipient: the one the run's ledger names, equal to the
// run's message.eml.
//
// It is built without the race detector, which would multiply its CPU time several fold: `make
// test` runs it apart, without -race. The proxy and the store's retries, resumes and
// concurrent conditional writes run under -race in shared/store/faultproxy's tests.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("50 pipeline runs")
	}
	base := storetest.S3Client(t)
	bucket := storetest.NewBucket(t, base)
	endpoint := mailtest.StartMoto(t)
	ctx := context.Background()

	sampleCity, err := config.Load(bytes.NewReader(sample.CityYAML), sample.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	ses := mail.NewSES(mailtest.MotoSES(t, endpoint, sampleCity.Report.From))

	start := time.Now()
	clean := store.NewS3(base, bucket, "clean")
	if err := faultPipeline(ctx, clean, ses); err != nil {
		t.Fatalf("clean run: %v", err)
	}
	want := faultSnapshot(t, clean)
	t.Logf("clean run: %d objects in %s", len(want), time.Since(start).Round(time.Millisecond))

	// Runs in parallel, several per core: most of a run's time is spent waiting, on the S3
	// server, the proxy's delays and the client's backoff.
	sem := make(chan struct{}, 5*runtime.GOMAXPROCS(0))
	var (
		mu    sync.Mutex
		total = faultproxy.Stats{Faults: map[faultproxy.Kind]int{}}
		runs  = make([]*store.S3, faultRuns)
	)
	start = time.Now()
	var wg sync.WaitGroup
	for i := range faultRuns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			proxy, err := faultproxy.Start(*base.Options().BaseEndpoint, faultproxy.Options{
				Seed: uint64(i + 1), Rate: faultRate, MaxLatency: 20 * time.Millisecond,
			})
			if err != nil {
				t.Error(err)
				return
			}
			defer proxy.Close()
			err = faultPipeline(ctx, store.NewS3(faultClient(base, proxy.URL), bucket, fmt.Sprintf("run-%02d", i+1)), ses)
			stats := proxy.Stats()
			if err != nil {
				t.Errorf("run %d (seed %d; %s): %v", i+1, i+1, stats, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			total.Requests += stats.Requests
			total.Retries += stats.Retries
			total.After += stats.After
			for k, n := range stats.Faults {
				total.Faults[k] += n
			}
		})
	}
	wg.Wait()
	t.Logf("%d faulted runs in %s: %s", faultRuns, time.Since(start).Round(time.Millisecond), total)
	if t.Failed() {
		return
	}
	for _, k := range faultproxy.Kinds {
		if total.Faults[k] == 0 {
			t.Errorf("no %s fault was injected in %d requests", k, total.Requests)
		}
	}
	if share := float64(total.Failed()) / float64(total.Requests); share < 0.15 || share > 0.25 {
		t.Errorf("%.1f%% of the requests failed; want about 20%%", 100*share)
	}
	if total.After == 0 || total.Retries == 0 {
		t.Errorf("%d faults after the server answered, %d SDK retries; want some of each", total.After, total.Retries)
	}

	for i := range runs {
		runs[i] = store.NewS3(base, bucket, fmt.Sprintf("run-%02d", i+1)) // read back directly
	}
	for i, st := range runs {
		got := faultSnapshot(t, st)
		var diff []string
		for k, h := range want {
			if g, ok := got[k]; !ok {
				diff = append(diff, k+" (missing)")
			} else if g != h {
				diff = append(diff, k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				diff = append(diff, k+" (extra)")
			}
		}
		slices.Sort(diff)
		if len(diff) > 0 {
			t.Errorf("run %d differs from the clean run in %d objects: %v", i+1, len(diff), diff[:min(len(diff), 10)])
		}
	}

	// Exactly one message per run and recipient: moto holds one message per ledger record,
	// each the one the ledger names, to its recipient, equal to the run's message.eml.
	city, err := pipeline.LoadCity(ctx, clean, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	q, err := pipeline.LatestQuarter(ctx, clean, city)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]mailtest.Sent{}
	msgs := mailtest.MotoMessages(t, endpoint)
	for _, m := range msgs {
		byID[m.ID] = m
	}
	if want := (faultRuns + 1) * len(city.Recipients); len(msgs) != want || len(byID) != want {
		t.Errorf("moto received %d messages (%d ids); want %d: one per run and recipient", len(msgs), len(byID), want)
	}
	for i, st := range append([]*store.S3{clean}, runs...) {
		for _, r := range city.Recipients {
			rec, err := mail.NewLedger(st).Status(ctx, q.String(), r.Key)
			if err != nil || rec.Status != mail.StatusSent || rec.Attempt != 1 {
				t.Errorf("run %d, %s: ledger says %+v, %v; want sent at the first attempt", i, r.Key, rec, err)
				continue
			}
			m, ok := byID[rec.ProviderID]
			if !ok {
				t.Errorf("run %d, %s: moto has no message %s, which the ledger says was sent", i, r.Key, rec.ProviderID)
				continue
			}
			delete(byID, rec.ProviderID)
			eml, err := store.ReadAll(ctx, st, pipeline.ReportKey(q.String(), r.Key, "message.eml"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.To, []string{r.Email}) || !bytes.Equal(m.Raw, eml) {
				t.Errorf("run %d, %s: moto's message %s is to %v and differs from message.eml: %v", i, r.Key, m.ID, m.To, !bytes.Equal(m.Raw, eml))
			}
		}
	}
	for id, m := range byID {
		t.Errorf("moto has message %s to %v that no ledger records: a duplicate", id, m.To)
	}
}

// faultPipeline is `civicpulse demo --sender ses` on st, on the inbox files faultInbox keeps,
// with the clock at faultNow.
func faultPipeline(ctx context.Context, st store.Store, sender mail.Sender) error {
	quiet := slog.New(slog.DiscardHandler)
	if err := sample.Install(ctx, st, sample.DefaultSeed, faultInbox); err != nil {
		return err
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		return err
	}
	if _, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: faultNow, AuthorKey: []byte("civicpulse-demo-author-key"), Logger: quiet}); err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if _, err := pipeline.Score(ctx, st, score.New(city.Topics), pipeline.ScoreOptions{Logger: quiet}); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	q, err := pipeline.LatestQuarter(ctx, st, city)
	if err != nil {
		return err
	}
	if _, err := pipeline.KPI(ctx, st, city, q, pipeline.KPIOptions{Now: faultNow, Logger: quiet}); err != nil {
		return fmt.Errorf("kpi: %w", err)
	}
	if _, err := pipeline.Report(ctx, st, city, q.String(), sender, pipeline.ReportOptions{Now: faultNow, Logger: quiet}); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// faultClient is the test server's client pointed at the proxy, with the store's retry policy
// and backoff capped at 20ms (the proxy's faults need no time to pass).
func faultClient(base *s3.Client, proxyURL string) *s3.Client {
	o := base.Options()
	o.ExpressCredentials = nil // the copy shares base's, which s3.New would point at the new client
	o.BaseEndpoint = aws.String(proxyURL)
	o.Retryer = store.S3Retryer(func(o *retry.StandardOptions) { o.MaxBackoff = 20 * time.Millisecond })
	return s3.New(o)
}

// faultSnapshot hashes every object of a run but the send ledger's records, which carry the
// message id SES gave and the claim token of the run.
func faultSnapshot(t *testing.T, st store.Store) map[string][32]byte {
	t.Helper()
	ctx := context.Background()
	infos, err := st.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	snap := map[string][32]byte{}
	for _, info := range infos {
		if strings.HasPrefix(info.Key, "state/sent/") || strings.HasSuffix(info.Key, "/sent.json") {
			continue
		}
		b, err := store.ReadAll(ctx, st, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		snap[info.Key] = sha256.Sum256(b)
	}
	return snap
}
