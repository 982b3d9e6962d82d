package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event starts a score run: {} or {"stage":"score"} scores whatever is new; "months" limits
// it; "rescore" scores again (after a lexicon or taxonomy change).
type Event struct {
	Months  []string `json:"months"`
	Rescore bool     `json:"rescore"`
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
	return pipeline.Score(ctx, h.Store, h.scorer, pipeline.ScoreOptions{Months: ev.Months, Rescore: ev.Rescore, Logger: h.Logger})
}
