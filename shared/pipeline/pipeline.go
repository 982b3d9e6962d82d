// Package pipeline runs the stages of CivicPulse over an object store: ingest (inbox/ to raw/,
// curated/ and quarantine/), score (curated/ to scored/), kpi (scored/ to kpi/) and report
// (kpi/ to reports/ and the mail sender). The Lambda functions and the civicpulse command are
// thin adapters over these functions, so a laptop runs exactly what AWS runs.
//
// Every stage is idempotent: objects are named after their input, finished work is recorded
// under state/, and a second run over the same input changes nothing. A stage stopped at any
// point — its context cancelled, its process killed, a write torn — and run again ends where
// an uninterrupted run ends, and sends no report twice (crash_test.go).
package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// ConfigKey is where the city's config lives in its store.
const ConfigKey = "config/city.yaml"

// Table prefixes of the lake.
const (
	InboxPrefix          = "inbox/"
	CuratedFeedback      = "curated/feedback/"
	CuratedSurveyAnswers = "curated/survey_answers/"
	ScoredFeedback       = "scored/feedback/"
)

// LoadCity reads and validates the city config at key.
func LoadCity(ctx context.Context, st store.Store, key string) (*config.City, error) {
	b, err := store.ReadAll(ctx, st, key)
	if err != nil {
		return nil, fmt.Errorf("load city config: %w", err)
	}
	return config.Load(bytes.NewReader(b), key)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// putJSON writes v as indented JSON.
func putJSON(ctx context.Context, st store.Store, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return st.Put(ctx, key, bytes.NewReader(append(b, '\n')))
}

// putParquet writes rows as one Parquet object.
func putParquet[T any](ctx context.Context, st store.Store, key string, rows []T) error {
	b, err := table.Encode(rows)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return st.Put(ctx, key, bytes.NewReader(b))
}

// partition returns the value of a Hive partition (name=value) in a key.
func partition(key, name string) string {
	for _, p := range table.ParsePartitions(key) {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

// listParquet lists the Parquet objects under prefix whose month partition passes keep.
func listParquet(ctx context.Context, st store.Store, prefix string, keep func(month string) bool) ([]string, error) {
	infos, err := st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, i := range infos {
		if strings.HasSuffix(i.Key, ".parquet") && (keep == nil || keep(partition(i.Key, "month"))) {
			keys = append(keys, i.Key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}
