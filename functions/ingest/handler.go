package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event is what starts an ingest: the daily schedule ({"stage":"ingest"}: the whole inbox),
// or EventBridge's "Object Created" for one file dropped under inbox/.
type Event struct {
	DetailType string `json:"detail-type"`
	Detail     struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// Handler ingests inbox files.
type Handler struct {
	Store     store.Store
	ConfigKey string
	AuthorKey []byte
	Now       func() time.Time
	Logger    *slog.Logger
}

// Handle runs one ingest.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (pipeline.IngestSummary, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return pipeline.IngestSummary{}, fmt.Errorf("decode event: %w", err)
	}
	city, err := pipeline.LoadCity(ctx, h.Store, h.ConfigKey)
	if err != nil {
		return pipeline.IngestSummary{}, err
	}
	opts := pipeline.IngestOptions{Now: h.Now(), AuthorKey: h.AuthorKey, Logger: h.Logger}
	if k := ev.Detail.Object.Key; k != "" {
		opts.Keys = []string{k}
	}
	return pipeline.Ingest(ctx, h.Store, city, opts)
}
