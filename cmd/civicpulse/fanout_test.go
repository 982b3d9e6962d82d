package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// The KPI stage folds the quarter's objects with min(GOMAXPROCS, objects) workers, each a
// partial aggregate, and merges them. Whatever the number of workers and however the objects
// fall to them, kpis.parquet and _kpis.json are byte for byte those of one worker.
func TestKPIFanOutEqualsOneWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	demo := runDemoDir(t)
	lake := t.TempDir()
	copyTree(t, demo, lake, "config", "curated", "scored")
	start := time.Now()
	defer func() { t.Logf("the fan-out runs took %s", time.Since(start).Round(time.Millisecond)) }()
	ctx := context.Background()
	st, err := store.Open(ctx, lake)
	if err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	q, err := kpi.ParseQuarter("2027-Q1")
	if err != nil {
		t.Fatal(err)
	}
	objects, err := st.List(ctx, pipeline.ScoredFeedback)
	if err != nil {
		t.Fatal(err)
	}
	if len(objects) < 8 {
		t.Fatalf("the demo lake has %d scored objects; want at least 8 to give 8 workers work", len(objects))
	}
	pk, jk := pipeline.KPIKeys(q)
	now := time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC)
	kpis := func(procs int) (parquetBytes, jsonBytes []byte) {
		t.Helper()
		// Not parallel: GOMAXPROCS is the process's, and the stage sizes its pool by it.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, k := range []string{pk, jk} {
			if err := st.Delete(ctx, k); err != nil {
				t.Fatalf("delete %s: %v", k, err)
			}
		}
		if _, err := pipeline.KPI(ctx, st, city, q, pipeline.KPIOptions{Now: now, Logger: slog.New(slog.DiscardHandler)}); err != nil {
			t.Fatalf("kpi with GOMAXPROCS=%d: %v", procs, err)
		}
		p, err := store.ReadAll(ctx, st, pk)
		if err != nil {
			t.Fatal(err)
		}
		j, err := store.ReadAll(ctx, st, jk)
		if err != nil {
			t.Fatal(err)
		}
		return p, j
	}
	wantParquet, wantJSON := kpis(1)
	if !bytes.Contains(wantJSON, []byte(`"value"`)) {
		t.Fatalf("one worker's _kpis.json has no values:\n%s", wantJSON)
	}
	for _, procs := range []int{3, 8} { // uneven and even splits of the objects
		gotParquet, gotJSON := kpis(procs)
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("GOMAXPROCS=%d: _kpis.json differs from one worker's:\n%s", procs, lineDiff(gotJSON, wantJSON))
		}
		if !bytes.Equal(gotParquet, wantParquet) {
			t.Errorf("GOMAXPROCS=%d: kpis.parquet (%d bytes) differs from one worker's (%d bytes)", procs, len(gotParquet), len(wantParquet))
		}
	}
}

// copyTree copies the named top folders of src to dst.
func copyTree(t *testing.T, src, dst string, tops ...string) {
	t.Helper()
	for _, top := range tops {
		err := filepath.WalkDir(filepath.Join(src, top), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		if err != nil {
			t.Fatalf("copy %s: %v", top, err)
		}
	}
}
