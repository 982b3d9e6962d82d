package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

func sqsMessage(id, key string) events.SQSMessage {
	body := fmt.Sprintf(`{"detail-type":"Object Created","detail":{"object":{"key":%q}}}`, key)
	return events.SQSMessage{MessageId: id, Body: body, EventSource: "aws:sqs"}
}

// One bad message in an SQS batch is reported alone; the good ones are scored and not retried.
func TestHandleSQSPartialBatchFailure(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, pipeline.ConfigKey, bytes.NewReader(sample.CityYAML)); err != nil {
		t.Fatal(err)
	}
	good := pipeline.CuratedFeedback + "source=twitter/month=2026-09/a.parquet"
	rows := []table.Feedback{{ID: "1", Channel: table.ChannelSocial, NativeID: "1", Text: "Huge pothole on Maple Ave, terrible",
		CreatedAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), IngestedAt: time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)}}
	b, err := table.Encode(rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, good, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	bad := events.SQSMessage{MessageId: "m-bad-body", Body: "{not json"}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		sqsMessage("m-good", good),
		bad,
		sqsMessage("m-missing", pipeline.CuratedFeedback+"source=twitter/month=2026-09/gone.parquet"),
		sqsMessage("m-other", "raw/source=twitter/ingest_date=2026-09-02/x.json"),
	}}
	raw, _ := json.Marshal(ev)
	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	resp, err := h.Handle(ctx, raw)
	if err != nil {
		t.Fatalf("Handle: %v; want per-message failures, not an error", err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if fmt.Sprint(failed) != "[m-bad-body m-missing]" {
		t.Errorf("batchItemFailures = %v; want [m-bad-body m-missing]", failed)
	}
	if resp.Objects != 1 || resp.Rows != 1 {
		t.Errorf("summary = %+v; want the one good object scored", resp.ScoreSummary)
	}
	scored, err := store.ReadAll(ctx, st, pipeline.ScoredFeedback+"source=twitter/month=2026-09/a.parquet")
	if err != nil {
		t.Fatal(err)
	}
	out, err := table.Decode[table.ScoredFeedback](scored)
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0]; got.PrimaryTopic == nil || *got.PrimaryTopic != "roads" || got.SentimentLabel != "negative" || len(got.Places) == 0 {
		t.Errorf("scored row = %+v; want roads, negative, a place", got)
	}
	// Lambda reads the failures from the JSON it returns.
	js, _ := json.Marshal(resp)
	if !bytes.Contains(js, []byte(`"batchItemFailures":[{"itemIdentifier":"m-bad-body"}`)) {
		t.Errorf("response JSON %s; want batchItemFailures", js)
	}
}

// The sample event of events/ decodes, and its object (absent here) is its only failure.
func TestHandleSampleEvent(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, pipeline.ConfigKey, bytes.NewReader(sample.CityYAML)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "score-sqs.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	resp, err := h.Handle(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "059f36b4-87a3-44ab-83d2-661975830a7d" {
		t.Errorf("failures = %+v; want the one message", resp.BatchItemFailures)
	}
	if resp, err := h.Handle(ctx, json.RawMessage(`{"stage":"score"}`)); err != nil || resp.BatchItemFailures != nil {
		t.Errorf("schedule: %+v, %v; want a summary and no batch failures", resp, err)
	}
}
