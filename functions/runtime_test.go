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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
)

// runtimeAPI serves one invocation of the Lambda Runtime API and records the answer.
type runtimeAPI struct {
	event []byte
	mu    sync.Mutex
	sent  bool
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
		r.sent = true
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

// build compiles a function's bootstrap the way template.yaml does (but for this machine),
// once per test binary.
func build(t *testing.T, fn string) string {
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
	out := filepath.Join(builtDir, fn, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-o", out, "./"+fn)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", fn, err, b)
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

// invoke runs bootstrap for one event and returns its response (or its error) and its log.
func invoke(t *testing.T, bootstrap string, event []byte, env []string) (resp, fail, logs []byte) {
	t.Helper()
	api := &runtimeAPI{event: event, done: make(chan struct{})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bootstrap)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"),
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "AWS_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=test", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512"}, env...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
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
	cmd.Process.Kill()
	<-exited
	return api.resp, api.fail, stdout.Bytes()
}

func event(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeSample puts the sample city into a directory store.
func writeSample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := store.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := sample.Install(context.Background(), st, sample.DefaultSeed, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The four bootstraps, in pipeline order, on one store: each answers its sample event through
// the Runtime API, logs JSON, and leaves its stage's objects.
func TestBootstrapsThroughRuntimeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four binaries")
	}
	dir := writeSample(t)
	env := []string{"CIVICPULSE_STORE=" + dir, "CIVICPULSE_AUTHOR_KEY=test-key", "CIVICPULSE_SENDER=outbox"}
	steps := []struct {
		fn, event string
		check     func(t *testing.T, resp map[string]any)
		objects   string // a prefix the stage must have written under
	}{
		{"ingest", "ingest-schedule.json", func(t *testing.T, r map[string]any) {
			if r["files"].(float64) < 16 || r["feedback"].(float64) < 1000 || r["bad"].(float64) < 1 {
				t.Errorf("ingest response %v; want ≥16 files, ≥1000 feedback rows and the planted bad records", r)
			}
		}, "curated/feedback/"},
		{"score", "score-schedule.json", func(t *testing.T, r map[string]any) {
			if r["rows"].(float64) < 1000 {
				t.Errorf("score response %v; want ≥1000 rows", r)
			}
		}, "scored/feedback/"},
		{"kpi", "kpi-quarter.json", func(t *testing.T, r map[string]any) {
			if r["quarter"] != "2027-Q1" || int(r["kpis"].(float64)) != len(sampleCity(t).KPIs) {
				t.Errorf("kpi response %v; want quarter 2027-Q1 with the sample city's %d KPIs", r, len(sampleCity(t).KPIs))
			}
		}, "kpi/quarter=2027-Q1/"},
		{"report", "report-quarter.json", func(t *testing.T, r map[string]any) {
			rs, _ := r["recipients"].([]any)
			if len(rs) != 2 {
				t.Fatalf("report response %v; want 2 recipients", r)
			}
			for _, x := range rs {
				if x.(map[string]any)["status"] != "sent" {
					t.Errorf("recipient %v; want sent (to the outbox)", x)
				}
			}
		}, "outbox/"},
	}
	for _, s := range steps {
		t.Run(s.fn, func(t *testing.T) {
			resp, fail, logs := invoke(t, build(t, s.fn), event(t, s.event), env)
			if fail != nil {
				t.Fatalf("invocation error: %s\nlogs:\n%s", fail, logs)
			}
			var r map[string]any
			if err := json.Unmarshal(resp, &r); err != nil {
				t.Fatalf("response %q: %v", resp, err)
			}
			s.check(t, r)
			for _, line := range bytes.Split(bytes.TrimSpace(logs), []byte("\n")) {
				if len(line) > 0 && !json.Valid(line) {
					t.Errorf("log line is not JSON: %s", line)
				}
			}
			if m, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(s.objects), "*")); len(m) == 0 {
				t.Errorf("nothing written under %s", s.objects)
			}
		})
	}
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
