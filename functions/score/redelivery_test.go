package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// SQS delivers at least once and in no particular order: a curated object's message twice (in
// two batches or one), in reverse order, or after the schedule scored it, leaves the same
// scored objects as one delivery in order.
func TestRedeliveryChangesNothing(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keep := func(k string) bool {
		return strings.HasSuffix(k, "FY2027-Q1.csv") || strings.HasSuffix(k, "search-2026-09-01-p001.json")
	}
	if err := sample.Install(ctx, base, sample.DefaultSeed, keep); err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, base, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Ingest(ctx, base, city, pipeline.IngestOptions{Now: time.Date(2026, 10, 5, 14, 3, 0, 0, time.UTC), AuthorKey: []byte("k"), Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	ingested := storetest.ReadTree(t, base)
	var curated []string
	for k := range ingested {
		if strings.HasPrefix(k, pipeline.CuratedFeedback) {
			curated = append(curated, k)
		}
	}
	slices.Sort(curated)
	if len(curated) < 3 {
		t.Fatalf("ingest wrote %d curated feedback objects; want at least 3 for two batches", len(curated))
	}
	batch := func(keys ...string) []byte {
		var ev Event
		for _, k := range keys {
			ev.Records = append(ev.Records, sqsMessage(fmt.Sprintf("m-%x", k), k))
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	half := len(curated) / 2
	first, second := batch(curated[:half]...), batch(curated[half:]...)
	both := batch(slices.Concat(curated, curated)...)
	schedule, err := os.ReadFile(filepath.Join("..", "..", "events", "score-schedule.json"))
	if err != nil {
		t.Fatal(err)
	}

	deliver := func(t *testing.T, evs ...[]byte) map[string][]byte {
		st := storetest.NewDirFrom(t, ingested)
		h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Logger: quiet}
		for i, ev := range evs {
			resp, err := h.Handle(ctx, ev)
			if err != nil || len(resp.BatchItemFailures) > 0 {
				t.Fatalf("event %d: %v, failed messages %v", i, err, resp.BatchItemFailures)
			}
		}
		return storetest.ReadTree(t, st)
	}
	want := deliver(t, first, second)
	for _, k := range curated {
		if _, ok := want[pipeline.ScoredFeedback+strings.TrimPrefix(k, pipeline.CuratedFeedback)]; !ok {
			t.Fatalf("the in-order delivery did not score %s", k)
		}
	}
	for _, tc := range []struct {
		name string
		evs  [][]byte
	}{
		{"each twice", [][]byte{first, first, second, second}},
		{"reversed", [][]byte{second, first}},
		{"reversed twice", [][]byte{second, first, second, first}},
		{"one batch, each twice", [][]byte{both}},
		{"after the schedule", [][]byte{schedule, second, first}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.CompareTree(t, want, deliver(t, tc.evs...))
		})
	}
}
