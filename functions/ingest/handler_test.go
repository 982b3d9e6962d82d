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
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// An SQS message with an S3 "Object Created" event ingests that one file; the schedule ingests
// the rest.
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
			key = "inbox/resident_survey/export.csv" // the key of events/ingest-sqs.json
		}
		if err := st.Put(ctx, key, bytes.NewReader(f.Data)); err != nil {
			t.Fatal(err)
		}
	}
	if one == nil {
		t.Fatal("sample has no FY2027-Q1 survey")
	}
	ev, err := os.ReadFile(filepath.Join("..", "..", "events", "ingest-sqs.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, AuthorKey: []byte("k"),
		Now: func() time.Time { return time.Date(2026, 10, 5, 14, 3, 0, 0, time.UTC) }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	sum, err := h.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 1 || sum.Answers == 0 || len(sum.BatchItemFailures) != 0 {
		t.Errorf("object event: %+v; want just the one survey file, no failures", sum)
	}
	sum, err = h.Handle(ctx, json.RawMessage(`{"stage":"ingest"}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files == 0 || sum.Skipped != 1 || sum.BatchItemFailures != nil {
		t.Errorf("schedule: %+v; want the twitter pages, and the survey skipped as already ingested", sum)
	}
	if _, err := h.Handle(ctx, json.RawMessage(`{"detail":`)); err == nil {
		t.Error("a malformed event was accepted")
	}
}

// In an SQS batch each message stands alone: a redelivered file is skipped, a file gone from
// the inbox is done, the schedule's message runs the daily sweep, and from the first malformed
// or foreign message on, the rest of the batch goes back to the FIFO queue in order.
func TestHandleSQSBatch(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := sample.Install(ctx, st, sample.DefaultSeed, func(key string) bool {
		return key == sample.ConfigKey || strings.HasSuffix(key, "FY2027-Q1.csv")
	}); err != nil {
		t.Fatal(err)
	}
	infos, err := st.List(ctx, pipeline.InboxPrefix)
	if err != nil || len(infos) != 1 {
		t.Fatalf("inbox %v, %v; want the one survey", infos, err)
	}
	survey := infos[0].Key
	msg := func(id, key string) map[string]any {
		body, _ := json.Marshal(map[string]any{"detail-type": "Object Created", "source": "aws.s3",
			"detail": map[string]any{"object": map[string]any{"key": key}}})
		return map[string]any{"messageId": id, "body": string(body), "eventSource": "aws:sqs"}
	}
	batch, _ := json.Marshal(map[string]any{"Records": []any{
		msg("first", survey),
		msg("again", survey), // the same event delivered twice in one batch
		msg("gone", "inbox/resident_survey/expired.csv"),
		map[string]any{"messageId": "daily", "body": `{"stage":"ingest"}`, "eventSource": "aws:sqs"},
		msg("foreign", "curated/feedback/source=x/month=2026-09/a.parquet"),
		map[string]any{"messageId": "garbled", "body": "{", "eventSource": "aws:sqs"},
		msg("after", survey), // fine, but behind a failure: it waits its turn
	}})
	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, AuthorKey: []byte("k"),
		Now: func() time.Time { return time.Date(2026, 10, 5, 14, 3, 0, 0, time.UTC) }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	resp, err := h.Handle(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "foreign,garbled,after" {
		t.Errorf("failed messages %v; want foreign,garbled,after", failed)
	}
	if resp.Files != 1 || resp.Skipped != 2 || resp.Answers == 0 {
		t.Errorf("batch summary %+v; want the survey ingested once, then skipped by the redelivery and the sweep", resp.IngestSummary)
	}
	before := storetest.ReadTree(t, st)
	// The whole batch again (Lambda retried it): nothing changes.
	if _, err := h.Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	storetest.CompareTree(t, before, storetest.ReadTree(t, st))
}
