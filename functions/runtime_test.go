// Package functions_test runs each Lambda's real bootstrap binary through the Lambda Runtime
// API, served here as AWS documents it, on the sample events in events/.
package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// runtimeAPI serves one invocation of the Lambda Runtime API and records the answer.
type runtimeAPI struct {
	event []byte
	mu    sync.Mutex
	sent  bool
	ready time.Time // the first poll for an invocation: init is over
	done  chan struct{}
	resp  []byte
	fail  []byte
}

func (r *runtimeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	const base = "/2018-06-01/runtime/"
	path := strings.TrimPrefix(req.URL.Path, base)
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		r.mu.Lock()
		first := !r.sent
		if first {
			r.sent, r.ready = true, time.Now()
		}
		r.mu.Unlock()
		if !first {
			<-req.Context().Done() // one invocation per test: the next poll waits until the end
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(5*time.Minute).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
		w.Write(r.event)
	case req.Method == http.MethodPost && path == "invocation/req-1/response":
		r.resp, _ = io.ReadAll(req.Body)
		w.WriteHeader(http.StatusAccepted)
		close(r.done)
	case req.Method == http.MethodPost && path == "invocation/req-1/error":
		r.fail, _ = io.ReadAll(req.Body)
		w.WriteHeader(http.StatusAccepted)
		close(r.done)
	case req.Method == http.MethodPost && path == "init/error":
		r.fail, _ = io.ReadAll(req.Body)
		w.WriteHeader(http.StatusAccepted)
		close(r.done)
	default:
		http.NotFound(w, req)
	}
}

var (
	buildMu  sync.Mutex
	builtDir string
	built    = map[string]string{}
)

// build compiles a function's bootstrap with the Makefile target `sam build` calls
// (infra/sam.mk), for this machine's architecture instead of the template's arm64, once per
// test binary.
func build(t testing.TB, fn string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[fn]; ok {
		return p
	}
	if builtDir == "" {
		d, err := os.MkdirTemp("", "civicpulse-bootstrap-")
		if err != nil {
			t.Fatal(err)
		}
		builtDir = d
	}
	dir := filepath.Join(builtDir, fn)
	target := "build-" + strings.ToUpper(fn[:1]) + fn[1:] + "Function"
	cmd := exec.Command("make", "-s", "-f", filepath.Join("infra", "sam.mk"), target, "ARTIFACTS_DIR="+dir, "LAMBDA_GOARCH="+runtime.GOARCH)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", target, err, b)
	}
	out := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("make %s wrote no bootstrap: %v", target, err)
	}
	built[fn] = out
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// invocation is what one run of a bootstrap answered, and how long its cold start took.
type invocation struct {
	resp, fail, logs []byte
	init             time.Duration // process start to the first poll for an invocation
	first            time.Duration // process start to the first response
}

// invoke starts bootstrap (a cold start), gives it one event through the Runtime API and
// returns its answer and its log.
func invoke(t testing.TB, bootstrap string, event []byte, env []string) invocation {
	t.Helper()
	api := &runtimeAPI{event: event, done: make(chan struct{})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bootstrap)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"),
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_LAMBDA_FUNCTION_NAME=test", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512"}, env...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bootstrap, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-api.done:
	case err := <-exited:
		t.Fatalf("bootstrap exited before answering: %v\n%s", err, stdout.String())
	case <-ctx.Done():
		t.Fatalf("bootstrap did not answer in time\n%s", stdout.String())
	}
	first := time.Since(start)
	cmd.Process.Kill()
	<-exited
	api.mu.Lock()
	defer api.mu.Unlock()
	return invocation{resp: api.resp, fail: api.fail, logs: stdout.Bytes(), init: api.ready.Sub(start), first: first}
}

func event(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lake is the sample city on a fresh bucket of the S3 test server, with a private moto for SES:
// what the functions meet in AWS, short of AWS.
type lake struct {
	store store.Store
	moto  string
	env   []string
}

func newLake(t *testing.T) *lake {
	t.Helper()
	client := storetest.S3Client(t)
	bucket := storetest.NewBucket(t, client)
	st := store.NewS3(client, bucket, "")
	if err := sample.Install(context.Background(), st, sample.DefaultSeed, nil); err != nil {
		t.Fatal(err)
	}
	moto := mailtest.StartMoto(t)
	mailtest.MotoSES(t, moto, sampleCity(t).Report.From)
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" {
		key, secret = "civicpulse", "civicpulse-secret"
	}
	return &lake{store: st, moto: moto, env: []string{
		"CIVICPULSE_STORE=s3://" + bucket + "/",
		"AWS_ENDPOINT_URL_S3=" + os.Getenv(storetest.EnvS3),
		"AWS_ENDPOINT_URL_SESV2=" + moto,
		"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
		"CIVICPULSE_AUTHOR_KEY=test-key", "CIVICPULSE_SENDER=ses",
	}}
}

func (l *lake) keys(t *testing.T, prefix string) []string {
	t.Helper()
	infos, err := l.store.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, i := range infos {
		keys = append(keys, i.Key)
	}
	return keys
}

// The four bootstraps, built by the Makefile targets `sam build` uses, in pipeline order on one
// bucket of the S3 server with SES on moto: each answers every one of its sample events in
// events/ through the Runtime API, logs JSON, and leaves its stage's objects. Each run is a
// cold start; the test logs how long each took to its first response.
func TestBootstrapsThroughRuntimeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four binaries")
	}
	l := newLake(t)
	city := sampleCity(t)
	sent := func(t *testing.T) int { return len(mailtest.MotoMessages(t, l.moto)) }
	steps := []struct {
		fn, event string
		prepare   func(t *testing.T, ev []byte) []byte // may point the event at the lake's objects
		check     func(t *testing.T, r map[string]any)
		objects   string // a prefix the stage must have written under
	}{
		{fn: "ingest", event: "ingest-schedule.json", check: func(t *testing.T, r map[string]any) {
			if num(r["files"]) < 16 || num(r["feedback"]) < 1000 || num(r["bad"]) < 1 {
				t.Errorf("ingest response %v; want ≥16 files, ≥1000 feedback rows and the planted bad records", r)
			}
		}, objects: "curated/feedback/"},
		{fn: "ingest", event: "ingest-sqs.json", prepare: func(t *testing.T, ev []byte) []byte {
			// The file the event names arrives again under a new name: ingested once already.
			survey := l.keys(t, "inbox/resident_survey/")[0]
			b, err := store.ReadAll(context.Background(), l.store, survey)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.store.Put(context.Background(), "inbox/resident_survey/export.csv", bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
			return ev
		}, check: func(t *testing.T, r map[string]any) {
			if num(r["skipped"]) != 1 || num(r["files"]) != 0 || len(r["batchItemFailures"].([]any)) != 0 {
				t.Errorf("ingest response %v; want the re-sent export skipped, no failed messages", r)
			}
		}, objects: "state/ingest/"},
		{fn: "score", event: "score-schedule.json", check: func(t *testing.T, r map[string]any) {
			if num(r["rows"]) < 1000 {
				t.Errorf("score response %v; want ≥1000 rows", r)
			}
		}, objects: "scored/feedback/"},
		{fn: "score", event: "score-sqs.json", prepare: func(t *testing.T, ev []byte) []byte {
			// The sample event names a made-up object: point it at one the ingest wrote.
			var sqs map[string]any
			if err := json.Unmarshal(ev, &sqs); err != nil {
				t.Fatal(err)
			}
			rec := sqs["Records"].([]any)[0].(map[string]any)
			var body map[string]any
			if err := json.Unmarshal([]byte(rec["body"].(string)), &body); err != nil {
				t.Fatal(err)
			}
			body["detail"].(map[string]any)["object"].(map[string]any)["key"] = l.keys(t, "curated/feedback/")[0]
			b, _ := json.Marshal(body)
			rec["body"] = string(b)
			out, _ := json.Marshal(sqs)
			return out
		}, check: func(t *testing.T, r map[string]any) {
			if num(r["objects"]) != 1 || num(r["rows"]) == 0 || len(r["batchItemFailures"].([]any)) != 0 {
				t.Errorf("score response %v; want the one object scored again, no failed messages", r)
			}
		}, objects: "scored/feedback/"},
		{fn: "kpi", event: "kpi-quarter.json", check: func(t *testing.T, r map[string]any) {
			if r["quarter"] != "2027-Q1" || int(num(r["kpis"])) != len(city.KPIs) {
				t.Errorf("kpi response %v; want quarter 2027-Q1 with the sample city's %d KPIs", r, len(city.KPIs))
			}
		}, objects: "kpi/quarter=2027-Q1/"},
		{fn: "kpi", event: "kpi-last-quarter.json", check: func(t *testing.T, r map[string]any) {
			if want := pipeline.PreviousQuarter(city, time.Now()).String(); r["quarter"] != want {
				t.Errorf("kpi response %v; want the quarter that ended last, %s", r, want)
			}
		}, objects: "kpi/"},
		{fn: "report", event: "report-preview.json", check: func(t *testing.T, r map[string]any) {
			if rs, _ := r["recipients"].([]any); len(rs) != len(city.Recipients) || sent(t) != 0 {
				t.Errorf("preview response %v with %d messages sent; want %d recipients, nothing sent", r, sent(t), len(city.Recipients))
			}
		}, objects: "reports/quarter=2027-Q1/"},
		{fn: "report", event: "report-quarter.json", check: func(t *testing.T, r map[string]any) {
			rs, _ := r["recipients"].([]any)
			for _, x := range rs {
				if x.(map[string]any)["status"] != "sent" {
					t.Errorf("recipient %v; want sent", x)
				}
			}
			if len(rs) != len(city.Recipients) || sent(t) != len(city.Recipients) {
				t.Errorf("report response %v, %d messages in SES; want %d recipients sent once", r, sent(t), len(city.Recipients))
			}
		}, objects: "state/sent/"},
		{fn: "report", event: "report-quarter.json", check: func(t *testing.T, r map[string]any) {
			// Step Functions retried the report step: nobody gets a second email.
			if n := sent(t); n != len(city.Recipients) {
				t.Errorf("after a second delivery SES holds %d messages; want %d", n, len(city.Recipients))
			}
		}, objects: "state/sent/"},
	}
	used := map[string]bool{}
	var timings []string
	for _, s := range steps {
		used[s.event] = true
		if !t.Run(s.fn+"/"+strings.TrimSuffix(s.event, ".json"), func(t *testing.T) {
			ev := event(t, s.event)
			if s.prepare != nil {
				ev = s.prepare(t, ev)
			}
			inv := invoke(t, build(t, s.fn), ev, l.env)
			if inv.fail != nil {
				t.Fatalf("invocation error: %s\nlogs:\n%s", inv.fail, inv.logs)
			}
			var r map[string]any
			if err := json.Unmarshal(inv.resp, &r); err != nil {
				t.Fatalf("response %q: %v", inv.resp, err)
			}
			s.check(t, r)
			for _, line := range bytes.Split(bytes.TrimSpace(inv.logs), []byte("\n")) {
				if len(line) > 0 && !json.Valid(line) {
					t.Errorf("log line is not JSON: %s", line)
				}
			}
			if len(l.keys(t, s.objects)) == 0 {
				t.Errorf("nothing written under %s", s.objects)
			}
			timings = append(timings, fmt.Sprintf("%-7s %-22s init %6.1f ms  first response %8.1f ms",
				s.fn, s.event, inv.init.Seconds()*1000, inv.first.Seconds()*1000))
		}) {
			break // the later stages need this one's objects
		}
	}
	t.Logf("cold starts (process start to the first poll, and to the first response):\n%s", strings.Join(timings, "\n"))
	if !t.Failed() {
		t.Run("statemachine", func(t *testing.T) {
			testStateMachine(t, l, pipeline.PreviousQuarter(city, time.Now()).String(), sent)
		})
	}
	files, _ := filepath.Glob(filepath.Join("..", "events", "*.json"))
	for _, f := range files {
		if t.Failed() {
			break
		}
		if !used[filepath.Base(f)] {
			t.Errorf("events/%s is not run through a bootstrap here", filepath.Base(f))
		}
	}
}

// BenchmarkColdStart measures each function's init: process start to its first poll of the
// Runtime API, the part of a cold start the code controls (Lambda adds its own sandbox start).
func BenchmarkColdStart(b *testing.B) {
	dir := b.TempDir()
	st, err := store.NewDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Put(context.Background(), sample.ConfigKey, bytes.NewReader(sample.CityYAML)); err != nil {
		b.Fatal(err)
	}
	env := []string{"CIVICPULSE_STORE=" + dir, "CIVICPULSE_AUTHOR_KEY=k", "CIVICPULSE_SENDER=outbox"}
	for _, fn := range []string{"ingest", "score", "kpi", "report"} {
		bin := build(b, fn)
		b.Run(fn, func(b *testing.B) {
			var init time.Duration
			for b.Loop() {
				init += invoke(b, bin, []byte(`{"quarter":"2027-Q1","preview":true}`), env).init
			}
			b.ReportMetric(init.Seconds()*1000/float64(b.N), "init-ms/op")
		})
	}
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// A function whose environment is incomplete fails its init with a message, not a panic.
func TestBootstrapInitError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := build(t, "kpi")
	api := &runtimeAPI{event: []byte(`{}`), done: make(chan struct{})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://")}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("kpi started without CIVICPULSE_STORE; output:\n%s", out)
	}
	if !bytes.Contains(out, []byte("CIVICPULSE_STORE is not set")) || !json.Valid(bytes.TrimSpace(out)) {
		t.Errorf("output = %s; want one JSON log line naming CIVICPULSE_STORE", out)
	}
}

func sampleCity(t *testing.T) *config.City {
	t.Helper()
	c, err := config.Load(bytes.NewReader(sample.CityYAML), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
