package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// The quarterly state machine retries, and a person may start it again: the same quarter's
// event twice, the quarter that ended ({}) after it was named, or two quarters in reverse
// order leave the same KPI objects as one delivery of each in order. A delivery an hour later
// over the same figures keeps the objects as they are, computed_at included; the order of
// two quarters' first deliveries can only change when each was computed, so those come at
// the same instant.
func TestRedeliveryChangesNothing(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keep := func(k string) bool {
		return strings.HasSuffix(k, "FY2027-Q1.csv") || strings.HasSuffix(k, "FY2026-Q4.csv") ||
			strings.HasSuffix(k, "search-2026-09-01-p001.json") || strings.HasSuffix(k, "search-2026-06-01-p001.json")
	}
	if err := sample.Install(ctx, base, sample.DefaultSeed, keep); err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, base, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Ingest(ctx, base, city, pipeline.IngestOptions{Now: time.Unix(0, 0), AuthorKey: []byte("k"), Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	sc, err := pipeline.NewScorer(ctx, base, city)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Score(ctx, base, sc, pipeline.ScoreOptions{Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	scored := storetest.ReadTree(t, base)
	event := func(name string) Event {
		b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return ev
	}
	named, last := event("kpi-quarter.json"), event("kpi-last-quarter.json")
	if named.Quarter != "2027-Q1" || last.Quarter != "" {
		t.Fatalf("events name %q and %q; want 2027-Q1 and the quarter that ended", named.Quarter, last.Quarter)
	}
	earlier := Event{Quarter: "2026-Q4"}

	type delivery struct {
		ev    Event
		later time.Duration // after the first delivery
	}
	deliver := func(t *testing.T, ds ...delivery) map[string][]byte {
		st := storetest.NewDirFrom(t, scored)
		// Two days into FY2027 Q2, in the city's zone: the quarter that ended is 2027-Q1.
		start := time.Date(2026, 10, 3, 6, 0, 0, 0, city.Location())
		for i, d := range ds {
			h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Now: func() time.Time { return start.Add(d.later) }, Logger: quiet}
			if _, err := h.Handle(ctx, d.ev); err != nil {
				t.Fatalf("event %d (%+v): %v", i, d.ev, err)
			}
		}
		return storetest.ReadTree(t, st)
	}
	want := deliver(t, delivery{earlier, 0}, delivery{named, 0})
	for _, q := range []string{"2026-Q4", "2027-Q1"} {
		if _, ok := want["kpi/quarter="+q+"/_kpis.json"]; !ok {
			t.Fatalf("the in-order delivery wrote no KPIs for %s", q)
		}
	}
	for _, tc := range []struct {
		name string
		ds   []delivery
	}{
		{"each twice", []delivery{{earlier, 0}, {earlier, 0}, {named, 0}, {named, 0}}},
		{"each again an hour later", []delivery{{earlier, 0}, {named, 0}, {earlier, time.Hour}, {named, time.Hour}}},
		{"reversed", []delivery{{named, 0}, {earlier, 0}}},
		{"reversed, again later", []delivery{{named, 0}, {earlier, 0}, {named, time.Hour}, {earlier, 2 * time.Hour}}},
		{"named, then as the quarter that ended", []delivery{{earlier, 0}, {named, 0}, {last, time.Hour}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.CompareTree(t, want, deliver(t, tc.ds...))
		})
	}
}
