package main

import (
	"bytes"
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
)

// An S3 "Object Created" event ingests that one file; the schedule ingests the rest.
func TestHandleObjectCreatedThenSchedule(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files, err := sample.Generate(sample.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	var one []byte
	for _, f := range files {
		key := f.Key
		if key != sample.ConfigKey && !strings.Contains(key, "2026-09-01") && !strings.Contains(key, "FY2027-Q1") {
			continue
		}
		if strings.HasSuffix(key, "FY2027-Q1.csv") {
			one = f.Data
			key = "inbox/resident_survey/export.csv" // the key of events/ingest-s3-put.json
		}
		if err := st.Put(ctx, key, bytes.NewReader(f.Data)); err != nil {
			t.Fatal(err)
		}
	}
	if one == nil {
		t.Fatal("sample has no FY2027-Q1 survey")
	}
	ev, err := os.ReadFile(filepath.Join("..", "..", "events", "ingest-s3-put.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, AuthorKey: []byte("k"),
		Now: func() time.Time { return time.Date(2026, 10, 5, 14, 3, 0, 0, time.UTC) }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	sum, err := h.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 1 || sum.Answers == 0 {
		t.Errorf("object event: %+v; want just the one survey file", sum)
	}
	sum, err = h.Handle(ctx, json.RawMessage(`{"stage":"ingest"}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files == 0 || sum.Skipped != 1 {
		t.Errorf("schedule: %+v; want the twitter pages, and the survey skipped as already ingested", sum)
	}
	if _, err := h.Handle(ctx, json.RawMessage(`{"detail":`)); err == nil {
		t.Error("a malformed event was accepted")
	}
}
