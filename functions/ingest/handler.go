package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/lambdaenv"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event is what starts an ingest: an SQS batch from the inbox FIFO queue, whose messages are
// EventBridge "Object Created" events (one per file dropped under inbox/) or the daily
// schedule's {"stage":"ingest"} (the API pulls, then the whole inbox). The same
// {"stage":"ingest"} invoked directly runs the daily ingest by hand.
type Event struct {
	Stage   string              `json:"stage"`
	Records []events.SQSMessage `json:"Records"`
}

// message is one inbox queue message: EventBridge's S3 "Object Created" event, of which the
// key matters, or the schedule's {"stage":"ingest"}.
type message struct {
	Stage      string `json:"stage"`
	DetailType string `json:"detail-type"`
	Detail     struct {
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// Response is the ingest summary and, for an SQS batch, the messages that failed: Lambda
// deletes the others from the queue and retries only these (ReportBatchItemFailures).
type Response struct {
	pipeline.IngestSummary
	events.SQSEventResponse
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

// Handle runs one ingest. In an SQS batch each message succeeds or fails on its own; a file
// ingested before (a redelivered event) is skipped, and one no longer in the inbox is done.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Response, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Response{}, fmt.Errorf("decode event: %w", err)
	}
	city, err := pipeline.LoadCity(ctx, h.Store, h.ConfigKey)
	if err != nil {
		return Response{}, err
	}
	now := h.Now()
	opts := pipeline.IngestOptions{Now: now, AuthorKey: h.AuthorKey, Logger: h.Logger}
	if len(ev.Records) == 0 {
		sum, err := h.daily(ctx, city, opts)
		return Response{IngestSummary: sum}, err
	}
	resp := Response{IngestSummary: pipeline.IngestSummary{BadReasons: map[string]int{}}}
	resp.BatchItemFailures = []events.SQSBatchItemFailure{}
	for i, r := range ev.Records {
		// A FIFO queue keeps its order only if, from the first failed message on, the
		// whole rest of the batch goes back.
		if len(resp.BatchItemFailures) > 0 {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			continue
		}
		if err := h.ingestMessage(ctx, r, city, opts, &resp.IngestSummary); err != nil {
			h.logger().Error("ingest message", "message_id", r.MessageId, "record", i, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}

// daily pulls the API sources into the inbox, then ingests the whole inbox. A failed pull
// still lets the ingest run over what is there; its error is returned after.
func (h *Handler) daily(ctx context.Context, city *config.City, opts pipeline.IngestOptions) (pipeline.IngestSummary, error) {
	secrets := h.Secrets
	if secrets == nil {
		secrets = pull.SecretsFunc(lambdaenv.Secret)
	}
	_, pullErr := pipeline.Pull(ctx, h.Store, city, pipeline.PullOptions{Now: opts.Now, Secrets: secrets, Client: h.PullClient, Logger: h.Logger})
	sum, err := pipeline.Ingest(ctx, h.Store, city, opts)
	return sum, errors.Join(pullErr, err)
}

// ingestMessage runs what one queue message asks for: the daily ingest, or one file.
func (h *Handler) ingestMessage(ctx context.Context, r events.SQSMessage, city *config.City, opts pipeline.IngestOptions, total *pipeline.IngestSummary) error {
	var m message
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	if m.Stage == "ingest" {
		sum, err := h.daily(ctx, city, opts)
		add(total, sum)
		return err
	}
	key := m.Detail.Object.Key
	if !strings.HasPrefix(key, pipeline.InboxPrefix) {
		return fmt.Errorf("message names %q, not an inbox/ object", key)
	}
	if ok, err := store.Exists(ctx, h.Store, key); err != nil {
		return err
	} else if !ok {
		// Expired or removed since the event: its batch, if any, was recorded when it ran.
		h.logger().Warn("inbox object is gone; nothing to ingest", "key", key, "message_id", r.MessageId)
		return nil
	}
	opts.Keys = []string{key}
	sum, err := pipeline.Ingest(ctx, h.Store, city, opts)
	add(total, sum)
	return err
}

// add adds one ingest's counts to a batch's.
func add(total *pipeline.IngestSummary, s pipeline.IngestSummary) {
	total.Files += s.Files
	total.Skipped += s.Skipped
	total.Feedback += s.Feedback
	total.Answers += s.Answers
	total.Duplicates += s.Duplicates
	total.Bad += s.Bad
	for r, n := range s.BadReasons {
		total.BadReasons[r] += n
	}
	total.Objects = append(total.Objects, s.Objects...)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}
