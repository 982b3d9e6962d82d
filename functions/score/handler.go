package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event starts a score run: the schedule ({"stage":"score"}) scores whatever is new;
// "months" limits it; "rescore" scores again (after a lexicon or taxonomy change). An SQS
// batch of EventBridge "Object Created" events scores just the curated objects they name.
type Event struct {
	Months  []string `json:"months"`
	Rescore bool     `json:"rescore"`
	Records []struct {
		Body string `json:"body"`
	} `json:"Records"`
}

// objectCreated is the part of EventBridge's S3 "Object Created" event that names the object.
type objectCreated struct {
	Detail struct {
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

// keys returns the curated objects an SQS batch names.
func (ev Event) keys() ([]string, error) {
	var keys []string
	for i, r := range ev.Records {
		var oc objectCreated
		if err := json.Unmarshal([]byte(r.Body), &oc); err != nil {
			return nil, fmt.Errorf("decode Records[%d].body: %w", i, err)
		}
		if k := oc.Detail.Object.Key; strings.HasPrefix(k, pipeline.CuratedFeedback) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Handler scores curated feedback.
type Handler struct {
	Store     store.Store
	ConfigKey string
	Logger    *slog.Logger

	scorer  *score.Scorer
	version string // of the taxonomy the scorer was built from
}

// Handle runs one score pass. The scorer is built on the first call and kept while the city's
// taxonomy is unchanged, so warm invocations skip compiling it.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (pipeline.ScoreSummary, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return pipeline.ScoreSummary{}, fmt.Errorf("decode event: %w", err)
	}
	city, err := pipeline.LoadCity(ctx, h.Store, h.ConfigKey)
	if err != nil {
		return pipeline.ScoreSummary{}, err
	}
	if sc := score.New(city.Topics); h.scorer == nil || sc.Version() != h.version {
		h.scorer, h.version = sc, sc.Version()
	}
	keys, err := ev.keys()
	if err != nil {
		return pipeline.ScoreSummary{}, err
	}
	if len(ev.Records) > 0 && len(keys) == 0 {
		return pipeline.ScoreSummary{ScorerVersion: h.version}, nil // nothing of ours in the batch
	}
	return pipeline.Score(ctx, h.Store, h.scorer, pipeline.ScoreOptions{Keys: keys, Months: ev.Months, Rescore: ev.Rescore, Logger: h.Logger})
}
