package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

func runIngest(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlagSet(e, "ingest [--store S] [--config F]", "ingest")
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, city, err := c.open(ctx)
	if err != nil {
		return err
	}
	log := e.logger(c.level())
	sum, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now(), AuthorKey: authorKey(log), Logger: log})
	printJSON(e, sum)
	return err
}

func runScore(ctx context.Context, e *env, args []string) error {
	var c common
	var rescore bool
	var months monthsFlag
	var quarter string
	fs := newFlagSet(e, "score [--store S] [--rescore] [--quarter YYYY-Qn | --month YYYY-MM...]\n       civicpulse score < in.jsonl > out.jsonl", "score")
	c.register(fs)
	fs.BoolVar(&rescore, "rescore", false, "score again what is already scored (after a lexicon or taxonomy change)")
	fs.Var(&months, "month", "only this month partition (repeatable)")
	fs.StringVar(&quarter, "quarter", "", "only the three months of this fiscal quarter, such as 2027-Q1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	storeGiven := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "store" || f.Name == "config" {
			storeGiven = true
		}
	})
	if !storeGiven {
		// No store: a filter from JSON Lines to JSON Lines, for scripts and evaluation.
		return score.ScoreLines(e.stdin, e.stdout, score.New(config.DefaultTopics()))
	}
	st, city, err := c.open(ctx)
	if err != nil {
		return err
	}
	if quarter != "" {
		q, err := kpi.ParseQuarter(quarter)
		if err != nil {
			return fmt.Errorf("--quarter: %w", err)
		}
		months = append(months, kpi.Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()}.Months(q)...)
	}
	sc, err := pipeline.NewScorer(ctx, st, city)
	if err != nil {
		return err
	}
	sum, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{Rescore: rescore, Months: months, Logger: e.logger(c.level())})
	printJSON(e, sum)
	return err
}

func runKPI(ctx context.Context, e *env, args []string) error {
	var c common
	var quarter string
	fs := newFlagSet(e, "kpi [--store S] [--quarter YYYY-Qn]", "kpi")
	c.register(fs)
	fs.StringVar(&quarter, "quarter", "", "fiscal quarter, such as 2027-Q1 (default: the quarter that ended last)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, city, err := c.open(ctx)
	if err != nil {
		return err
	}
	q, err := quarterFlag(quarter, city)
	if err != nil {
		return err
	}
	doc, err := pipeline.KPI(ctx, st, city, q, pipeline.KPIOptions{Now: now(), Logger: e.logger(c.level())})
	if err != nil {
		return err
	}
	for _, k := range doc.KPIs {
		v := "—"
		if k.Value != nil {
			v = fmt.Sprintf("%.3f", *k.Value)
		}
		fmt.Fprintf(e.stdout, "%-28s %10s  n=%-6d %s\n", k.ID, v, k.N, k.Status)
	}
	return nil
}

func runCat(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "cat FILE...", "cat")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("cat: name at least one Parquet file")
	}
	for _, name := range fs.Args() {
		if err := catFile(ctx, e, name); err != nil {
			return fmt.Errorf("cat %s: %w", name, err)
		}
	}
	return nil
}

func catFile(ctx context.Context, e *env, name string) error {
	var r interface {
		ReadAt([]byte, int64) (int, error)
	}
	var size int64
	if bucket, key, ok := cutS3(name); ok {
		st, err := store.Open(ctx, "s3://"+bucket)
		if err != nil {
			return err
		}
		b, err := store.ReadAll(ctx, st, key)
		if err != nil {
			return err
		}
		r, size = bytesReaderAt(b), int64(len(b))
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		r, size = f, st.Size()
	}
	return table.WriteJSONLines(e.stdout, r, size, table.ParsePartitions(name))
}

func printJSON(e *env, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(e.stdout, string(b))
}
