package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// KPIOptions configure one KPI run.
type KPIOptions struct {
	Now    time.Time
	Logger *slog.Logger
}

// KPIKeys are the objects a quarter's KPIs are written to. The JSON's name starts with an
// underscore because Athena reads every file of a table's folder except those starting with
// "_" or ".": a plain kpis.json beside kpis.parquet would make every query of the kpis table
// fail on a file that is not Parquet.
func KPIKeys(q kpi.Quarter) (parquetKey, jsonKey string) {
	dir := "kpi/quarter=" + q.String() + "/"
	return dir + "kpis.parquet", dir + "_kpis.json"
}

// KPI computes a quarter's KPIs from scored feedback and survey answers of its trend window
// and writes kpi/quarter=Q/kpis.parquet and _kpis.json. When the figures equal those already
// written, the objects are left as they are, so a re-run changes nothing.
func KPI(ctx context.Context, st store.Store, city *config.City, q kpi.Quarter, opts KPIOptions) (*kpi.Document, error) {
	log := logger(opts.Logger)
	comp := kpi.NewComputer(city, q)
	months := map[string]bool{}
	for _, wq := range comp.Window() {
		for _, m := range comp.Calendar().Months(wq) {
			months[m] = true
		}
	}
	keep := func(m string) bool { return months[m] }
	keys, err := listParquet(ctx, st, ScoredFeedback, keep)
	if err != nil {
		return nil, fmt.Errorf("list scored feedback: %w", err)
	}
	for _, k := range keys {
		rows, err := readParquet[table.ScoredFeedback](ctx, st, k)
		if err != nil {
			return nil, err
		}
		source := partition(k, "source")
		for i := range rows {
			rows[i].Source = source
		}
		comp.AddFeedback(rows)
	}
	akeys, err := listParquet(ctx, st, CuratedSurveyAnswers, keep)
	if err != nil {
		return nil, fmt.Errorf("list survey answers: %w", err)
	}
	for _, k := range akeys {
		rows, err := readParquet[table.SurveyAnswer](ctx, st, k)
		if err != nil {
			return nil, err
		}
		source := partition(k, "source")
		for i := range rows {
			rows[i].Source = source
		}
		comp.AddAnswers(rows)
	}
	doc := comp.Document(opts.Now)
	pk, jk := KPIKeys(q)
	if old, err := readDocument(ctx, st, jk); err == nil && sameFigures(old, doc) {
		log.Info("kpis unchanged", "quarter", q.String(), "key", jk)
		return old, nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := putParquet(ctx, st, pk, kpi.Rows(doc)); err != nil {
		return nil, err
	}
	if err := putJSON(ctx, st, jk, doc); err != nil {
		return nil, err
	}
	log.Info("kpis written", "quarter", q.String(), "feedback_objects", len(keys), "answer_objects", len(akeys), "key", jk)
	return doc, nil
}

func readDocument(ctx context.Context, st store.Store, key string) (*kpi.Document, error) {
	b, err := store.ReadAll(ctx, st, key)
	if err != nil {
		return nil, err
	}
	var d kpi.Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return &d, nil
}

// sameFigures compares two documents but for when they were computed.
func sameFigures(a, b *kpi.Document) bool {
	x, y := *a, *b
	x.ComputedAt, y.ComputedAt = time.Time{}, time.Time{}
	ja, err1 := json.Marshal(x)
	jb, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// LatestQuarter is the last quarter that has scored feedback: what the demo reports on.
func LatestQuarter(ctx context.Context, st store.Store, city *config.City) (kpi.Quarter, error) {
	keys, err := listParquet(ctx, st, ScoredFeedback, nil)
	if err != nil {
		return kpi.Quarter{}, err
	}
	var months []string
	for _, k := range keys {
		months = append(months, partition(k, "month"))
	}
	if len(months) == 0 {
		return kpi.Quarter{}, fmt.Errorf("no scored feedback in %s: run ingest and score first", st)
	}
	last := slices.Max(months)
	t, err := time.ParseInLocation("2006-01", last, city.Location())
	if err != nil {
		return kpi.Quarter{}, fmt.Errorf("month partition %q: %w", last, err)
	}
	cal := kpi.Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()}
	return cal.Of(t), nil
}

// PreviousQuarter is the quarter that ended before now: what a scheduled run reports on.
func PreviousQuarter(city *config.City, now time.Time) kpi.Quarter {
	cal := kpi.Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()}
	return cal.Of(now).Add(-1)
}
