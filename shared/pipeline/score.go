package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

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
			s := table.Scores{Sentiment: r.Sentiment, SentimentLabel: r.SentimentLabel, Topics: r.Topics,
				Keyphrases: []string{}, Places: []string{}, ScorerVersion: sc.Version()}
			if s.Topics == nil {
				s.Topics = []string{}
			}
			if r.PrimaryTopic != "" {
				s.PrimaryTopic = &r.PrimaryTopic
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
