package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event starts a score run: the schedule ({"stage":"score"}) scores whatever is new;
// "months" limits it; "rescore" scores again (after a lexicon or taxonomy change). An SQS
// batch of EventBridge "Object Created" events scores just the curated objects they name.
type Event struct {
	Months  []string            `json:"months"`
	Rescore bool                `json:"rescore"`
	Records []events.SQSMessage `json:"Records"`
}

// Response is the score summary and, for an SQS batch, the messages that failed: Lambda
// deletes the others from the queue and retries only these (ReportBatchItemFailures).
type Response struct {
	pipeline.ScoreSummary
	events.SQSEventResponse
}

// objectCreated is the part of EventBridge's S3 "Object Created" event that names the object.
type objectCreated struct {
	Detail struct {
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// Handler scores curated feedback.
type Handler struct {
	Store     store.Store
	ConfigKey string
	Logger    *slog.Logger

	scorer  *score.Scorer
	version string // of the taxonomy the scorer was built from
	built   string // the city settings the scorer was built from (see scorerInputs)
}

// scorerInputs are the parts of the city config a scorer is built from, as one string: while
// they are unchanged a warm invocation keeps its scorer instead of compiling another. (A
// districts GeoJSON file rewritten under the same key is picked up by the next cold start.)
func scorerInputs(city *config.City) string {
	b, _ := json.Marshal(struct {
		Topics                  []config.Topic
		Districts               []config.District
		GeoJSON, Property, Name string
		PublicHandles           []string
	}{city.Topics, city.Districts, city.DistrictsGeoJSON, city.DistrictProperty, city.Name, city.PublicHandles})
	return string(b)
}

// Handle runs one score pass. The scorer is built on the first call and kept while the city's
// taxonomy is unchanged, so warm invocations skip compiling it. In an SQS batch each message
// succeeds or fails on its own: one bad object does not send the whole batch back.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Response, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Response{}, fmt.Errorf("decode event: %w", err)
	}
	city, err := pipeline.LoadCity(ctx, h.Store, h.ConfigKey)
	if err != nil {
		return Response{}, err
	}
	if in := scorerInputs(city); h.scorer == nil || in != h.built {
		sc, err := pipeline.NewScorer(ctx, h.Store, city)
		if err != nil {
			return Response{}, err
		}
		h.scorer, h.version, h.built = sc, sc.Version(), in
	}
	if len(ev.Records) == 0 {
		sum, err := pipeline.Score(ctx, h.Store, h.scorer, pipeline.ScoreOptions{Months: ev.Months, Rescore: ev.Rescore, Logger: h.Logger})
		return Response{ScoreSummary: sum}, err
	}
	resp := Response{ScoreSummary: pipeline.ScoreSummary{ScorerVersion: h.version}}
	resp.BatchItemFailures = []events.SQSBatchItemFailure{}
	for i, r := range ev.Records {
		if err := h.scoreMessage(ctx, r, &resp.ScoreSummary); err != nil {
			h.logger().Error("score message", "message_id", r.MessageId, "record", i, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}

// scoreMessage scores the object one SQS message names; messages about other prefixes are
// done as soon as they are read.
func (h *Handler) scoreMessage(ctx context.Context, r events.SQSMessage, total *pipeline.ScoreSummary) error {
	var oc objectCreated
	if err := json.Unmarshal([]byte(r.Body), &oc); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	key := oc.Detail.Object.Key
	if !strings.HasPrefix(key, pipeline.CuratedFeedback) {
		return nil
	}
	// An object the queue names is scored even if a scored copy exists: the event says it
	// was (re)written.
	sum, err := pipeline.Score(ctx, h.Store, h.scorer, pipeline.ScoreOptions{Keys: []string{key}, Rescore: true, Logger: h.Logger})
	total.Objects += sum.Objects
	total.Skipped += sum.Skipped
	total.Rows += sum.Rows
	return err
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}
