package lambdaenv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/lambdaenv"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	e, err := lambdaenv.Load(context.Background(), env(map[string]string{"CIVICPULSE_STORE": dir, "LOG_LEVEL": "debug"}), &logs)
	if err != nil {
		t.Fatal(err)
	}
	if e.Store.String() != dir || e.ConfigKey != "config/city.yaml" {
		t.Errorf("store %s, config %s; want %s and the default config key", e.Store, e.ConfigKey, dir)
	}
	e.Logger.Debug("hello", "n", 1)
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line["msg"] != "hello" {
		t.Errorf("log %q (%v); want one JSON line at debug level", logs.String(), err)
	}
	if _, err := lambdaenv.Load(context.Background(), env(nil), &logs); err == nil || !strings.Contains(err.Error(), "CIVICPULSE_STORE") {
		t.Errorf("Load without a store: %v; want an error naming CIVICPULSE_STORE", err)
	}
}

func TestAuthorKey(t *testing.T) {
	k, err := lambdaenv.AuthorKey(context.Background(), env(map[string]string{"CIVICPULSE_AUTHOR_KEY": "s3cret"}))
	if err != nil || string(k) != "s3cret" {
		t.Errorf("AuthorKey = %q, %v", k, err)
	}
	if _, err := lambdaenv.AuthorKey(context.Background(), env(nil)); err == nil {
		t.Error("AuthorKey with nothing set succeeded; authors would be hashed with no secret")
	}
}

func ExampleNewLogger() {
	var buf bytes.Buffer
	log := lambdaenv.NewLogger(&buf, "warn")
	log.Info("not shown")
	log.Warn("late data", "quarter", "2027-Q1")
	var line map[string]any
	_ = json.Unmarshal(buf.Bytes(), &line)
	fmt.Println(line["level"], line["msg"], line["quarter"])
	// Output: WARN late data 2027-Q1
}

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env    map[string]string
		want   int64
		wantOK bool
	}{
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}, 1024 << 20 * 85 / 100, true},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}, 128 << 20 * 85 / 100, true},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024", "GOMEMLIMIT": "200MiB"}, 0, false},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"}, 0, false},
		{map[string]string{}, 0, false},
	} {
		got, ok := lambdaenv.MemoryLimit(env(tc.env))
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("MemoryLimit(%v) = %d, %v; want %d, %v", tc.env, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestLoadSetsTheMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	vars := map[string]string{"CIVICPULSE_STORE": t.TempDir(), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}
	if _, err := lambdaenv.Load(context.Background(), env(vars), io.Discard); err != nil {
		t.Fatal(err)
	}
	if got, want := debug.SetMemoryLimit(-1), int64(512<<20*85/100); got != want {
		t.Errorf("memory limit after Load = %d; want %d", got, want)
	}
}
