package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
)

// scoredSample is a directory store with the sample city ingested and scored.
func scoredSample(t *testing.T) *store.Dir {
	t.Helper()
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := sample.Install(ctx, st, sample.DefaultSeed, nil); err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: time.Unix(0, 0), AuthorKey: []byte("k"), Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	sc, err := pipeline.NewScorer(ctx, st, city)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestHandle(t *testing.T) {
	st := scoredSample(t)
	city, err := pipeline.LoadCity(context.Background(), st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	// Two days into FY2027 Q2, in the city's zone: the quarter that ended is 2027-Q1.
	now := time.Date(2026, 10, 3, 6, 0, 0, 0, city.Location())
	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		name    string
		ev      Event
		quarter string
		wantErr bool
	}{
		{"named quarter", Event{Quarter: "2026-Q4"}, "2026-Q4", false},
		{"the quarter that ended", Event{}, "2027-Q1", false},
		{"bad quarter", Event{Quarter: "2027-Q9"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h.Handle(context.Background(), tt.ev)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v; want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if out.Quarter != tt.quarter || out.KPIs != len(city.KPIs) || out.OnTarget > out.KPIs {
				t.Errorf("out = %+v; want quarter %s with %d KPIs", out, tt.quarter, len(city.KPIs))
			}
			if ok, err := store.Exists(context.Background(), st, "kpi/quarter="+tt.quarter+"/kpis.parquet"); !ok || err != nil {
				t.Errorf("kpis.parquet for %s not written (%v)", tt.quarter, err)
			}
		})
	}
}
