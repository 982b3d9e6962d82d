package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/lambdaenv"
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
	// Secrets holds the API pulls' credentials; nil reads them from Secrets Manager.
	Secrets pull.Secrets
	// PullClient sends the API pulls' requests; nil means a default pull.Client.
	PullClient *pull.Client
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
	now := h.Now()
	opts := pipeline.IngestOptions{Now: now, AuthorKey: h.AuthorKey, Logger: h.Logger}
	var pullErr error
	if k := ev.Detail.Object.Key; k != "" {
		opts.Keys = []string{k}
	} else {
		// The daily schedule: pull the API sources into the inbox first. A failed pull
		// still lets the ingest run over what is there; its error is returned after.
		secrets := h.Secrets
		if secrets == nil {
			secrets = pull.SecretsFunc(lambdaenv.Secret)
		}
		_, pullErr = pipeline.Pull(ctx, h.Store, city, pipeline.PullOptions{Now: now, Secrets: secrets, Client: h.PullClient, Logger: h.Logger})
	}
	sum, err := pipeline.Ingest(ctx, h.Store, city, opts)
	return sum, errors.Join(pullErr, err)
}
