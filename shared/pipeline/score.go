package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// ScoreOptions configure one score run.
type ScoreOptions struct {
	// Rescore scores objects again even when their scored copy exists (after a lexicon or
	// taxonomy change).
	Rescore bool
	// Months limits the run to these month partitions; empty means all.
	Months []string
	// Keys limits the run to these curated objects (an S3 event); empty means all.
	Keys   []string
	Logger *slog.Logger
}

// ScoreSummary says what a score run did.
type ScoreSummary struct {
	Objects       int    `json:"objects"` // objects scored now
	Skipped       int    `json:"skipped"` // objects already scored
	Rows          int    `json:"rows"`
	ScorerVersion string `json:"scorer_version"`
}

// Score scores every curated feedback object into scored/feedback, under the same partition
// and name, so that a re-run overwrites rather than duplicates.
func Score(ctx context.Context, st store.Store, sc *score.Scorer, opts ScoreOptions) (ScoreSummary, error) {
	log := logger(opts.Logger)
	sum := ScoreSummary{ScorerVersion: sc.Version()}
	keys := opts.Keys
	if len(keys) == 0 {
		months := map[string]bool{}
		for _, m := range opts.Months {
			months[m] = true
		}
		var err error
		keys, err = listParquet(ctx, st, CuratedFeedback, func(m string) bool { return len(months) == 0 || months[m] })
		if err != nil {
			return sum, fmt.Errorf("list curated feedback: %w", err)
		}
	}
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		rest, ok := strings.CutPrefix(key, CuratedFeedback)
		if !ok {
			return sum, fmt.Errorf("score %s: not a curated feedback object", key)
		}
		out := ScoredFeedback + rest
		if !opts.Rescore {
			if done, err := store.Exists(ctx, st, out); err != nil {
				return sum, err
			} else if done {
				sum.Skipped++
				continue
			}
		}
		rows, err := readParquet[table.Feedback](ctx, st, key)
		if err != nil {
			return sum, err
		}
		scored := make([]table.ScoredFeedback, len(rows))
		for i, f := range rows {
			r := sc.Score(f.Text)
			s := table.Scores{Sentiment: r.Sentiment, SentimentLabel: r.SentimentLabel,
				SentimentTerms: orEmpty(r.SentimentTerms), Topics: orEmpty(r.Topics),
				Keyphrases: orEmpty(r.Keyphrases), Places: orEmpty(r.Places), ScorerVersion: sc.Version()}
			if r.PrimaryTopic != "" {
				s.PrimaryTopic = &r.PrimaryTopic
			}
			if f.District == nil && f.Lat != nil && f.Lon != nil {
				if d, ok := sc.District(*f.Lat, *f.Lon); ok {
					f.District = &d
				}
			}
			scored[i] = table.Scored(f, s)
		}
		if err := putParquet(ctx, st, out, scored); err != nil {
			return sum, err
		}
		sum.Objects++
		sum.Rows += len(rows)
		log.Info("scored", "key", out, "rows", len(rows))
	}
	return sum, nil
}

// orEmpty writes an empty list rather than a null one: Athena's array functions treat them
// differently.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewScorer builds the scorer for a city: its taxonomy, its district names as places, and,
// when city.yaml names districts_geojson, its district polygons read from the store. Ids in
// the polygons are resolved through the configured districts (id, name or alias).
func NewScorer(ctx context.Context, st store.Store, city *config.City) (*score.Scorer, error) {
	var names []string
	for _, d := range city.Districts {
		names = append(names, d.Name)
		names = append(names, d.Aliases...)
	}
	opts := []score.Option{score.WithPlaces(names...)}
	if key := city.DistrictsGeoJSON; key != "" {
		b, err := store.ReadAll(ctx, st, key)
		if err != nil {
			return nil, fmt.Errorf("read districts_geojson: %w", err)
		}
		prop := city.DistrictProperty
		if prop == "" {
			prop = "id"
		}
		d, err := score.ReadDistricts(bytes.NewReader(b), prop, city.DistrictID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		opts = append(opts, score.WithDistricts(d))
	}
	return score.New(city.Topics, opts...), nil
}
