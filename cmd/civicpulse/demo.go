package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	var c common
	var seed int64
	var quarter string
	var rf reportFlags
	fs := newFlagSet(e, "demo [--store S] [--seed N] [--quarter YYYY-Qn] [--sender outbox|ses]", "demo")
	c.register(fs)
	rf.register(fs)
	fs.Int64Var(&seed, "seed", sample.DefaultSeed, "seed of the sample city's data")
	fs.StringVar(&quarter, "quarter", "", "quarter to report (default: the latest with data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := e.logger(c.level())
	start := time.Now()
	st, err := store.Open(ctx, c.store)
	if err != nil {
		return err
	}

	log.Info("demo 1/5: generating the sample city", "seed", seed, "store", st.String())
	files, err := sample.Generate(seed)
	if err != nil {
		return fmt.Errorf("generate sample city: %w", err)
	}
	written := 0
	for _, f := range files {
		key := f.Key
		// Unchanged files are left alone, so a second demo changes nothing.
		if old, err := store.ReadAll(ctx, st, key); err == nil && bytes.Equal(old, f.Data) {
			continue
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := st.Put(ctx, key, bytes.NewReader(f.Data)); err != nil {
			return err
		}
		written++
	}
	log.Info("sample city ready", "files", len(files), "written", written)
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		return err
	}

	log.Info("demo 2/5: ingest")
	isum, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now(), AuthorKey: authorKey(log), Logger: log})
	if err != nil {
		return err
	}
	log.Info("demo 3/5: score")
	ssum, err := pipeline.Score(ctx, st, score.New(city.Topics), pipeline.ScoreOptions{Logger: log})
	if err != nil {
		return err
	}
	q, err := pipeline.LatestQuarter(ctx, st, city)
	if quarter != "" {
		q, err = kpi.ParseQuarter(quarter)
	}
	if err != nil {
		return err
	}
	log.Info("demo 4/5: kpi", "quarter", q.String())
	doc, err := pipeline.KPI(ctx, st, city, q, pipeline.KPIOptions{Now: now(), Logger: log})
	if err != nil {
		return err
	}
	log.Info("demo 5/5: report", "quarter", q.String())
	rsum, err := report(ctx, e, st, city, q, rf, log)
	if err != nil {
		return err
	}

	_, kpiJSON := pipeline.KPIKeys(q)
	fmt.Fprintf(e.stdout, "\nCivicPulse demo: %s, %s (%s)\n", city.Name, q.Label(), st)
	fmt.Fprintf(e.stdout, "  ingested   %d new files, %d feedback rows, %d survey answers, %d quarantined, %d duplicates dropped (%d files seen before)\n",
		isum.Files, isum.Feedback, isum.Answers, isum.Bad, isum.Duplicates, isum.Skipped)
	fmt.Fprintf(e.stdout, "  scored     %d objects, %d rows (%s; %d already scored)\n", ssum.Objects, ssum.Rows, ssum.ScorerVersion, ssum.Skipped)
	met := 0
	for _, k := range doc.KPIs {
		if k.Status == kpi.StatusMet {
			met++
		}
	}
	fmt.Fprintf(e.stdout, "  KPIs       %d of %d on target\n", met, len(doc.KPIs))
	fmt.Fprintf(e.stdout, "\n  Parquet    %s/{curated,scored}/feedback/source=*/month=*/*.parquet\n", st)
	fmt.Fprintf(e.stdout, "  KPIs       %s/%s\n", st, kpiJSON)
	for _, r := range rsum.Recipients {
		fmt.Fprintf(e.stdout, "  email      %-14s %-8s %s\n", r.Key, r.Status, r.Subject)
	}
	fmt.Fprintf(e.stdout, "  messages   %s/reports/quarter=%s/<recipient>/message.eml\n", st, q)
	fmt.Fprintf(e.stdout, "\n  look at rows: civicpulse cat %s/%s\n", st, firstParquet(ctx, st))
	fmt.Fprintf(e.stdout, "  done in %s\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

func firstParquet(ctx context.Context, st store.Store) string {
	infos, err := st.List(ctx, pipeline.ScoredFeedback)
	if err != nil || len(infos) == 0 {
		return pipeline.ScoredFeedback
	}
	return infos[len(infos)-1].Key
}
