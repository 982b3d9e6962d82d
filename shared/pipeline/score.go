package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"

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
	var bufs scoreBuffers
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
		n, err := scoreObject(ctx, st, sc, key, out, &bufs)
		if err != nil {
			return sum, err
		}
		sum.Objects++
		sum.Rows += n
		log.Info("scored", "key", out, "rows", n)
	}
	return sum, nil
}

// scoreBatch is how many rows the stage reads, scores and writes at a time. A batch's rows
// and what they point to (text, terms, topics) take about 1.4 kB a row while held: 4,096
// rows held 5 to 6 MB, live the whole run.
var scoreBatch = 1024

// scoreRowGroupRows is the most rows in one row group of a scored object, as table.Write
// writes them; the writer holds one row group until it is compressed, so this and scoreBatch
// bound the stage's memory however large a partition grows.
var scoreRowGroupRows = table.RowGroupRows

// scoreObject scores one curated object into out a batch of rows at a time: the object is
// spooled to a temporary file (Parquet is read from its footer), and the scored rows stream
// to the store as they are encoded. A failure anywhere leaves no object at out.
func scoreObject(ctx context.Context, st store.Store, sc *score.Scorer, key, out string, bufs *scoreBuffers) (int, error) {
	f, size, err := spool(ctx, st, key)
	if err != nil {
		return 0, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	pf, err := parquet.OpenFile(f, size)
	if err != nil {
		return 0, fmt.Errorf("read %s: open parquet: %w", key, err)
	}

	put := startPut(ctx, st, out)
	n, err := scoreRows(sc, pf, put.pipe, key, bufs)
	if err != nil {
		put.abort(err)
		return 0, err
	}
	if err := put.finish(); err != nil {
		return 0, err
	}
	return n, nil
}

// scoreBuffers are a score run's batches of rows, kept from one object to the next: a
// partition has many small objects, and a batch is megabytes to allocate and clear. (The
// Parquet writer is not kept: one Reset after Close writes different bytes than a new one.)
type scoreBuffers struct {
	in     []table.Feedback
	scored []table.ScoredFeedback
}

// scoreRows reads every row of pf, scores it and writes it as Parquet to w.
//
// It reads each row group on its own and never asks for more rows than the group has left:
// parquet-go v0.32's row reader, asked for rows past a column chunk's end, reads (and fails
// to read) a page header again for every missing row of every column, which cost more than
// the reading itself. Rows are written scoreBatch at a time whatever the row groups, as
// writes of a multiple of 64 rows give the same file (see table.Writer).
func scoreRows(sc *score.Scorer, pf *parquet.File, w io.Writer, key string, bufs *scoreBuffers) (int, error) {
	pw := parquet.NewGenericWriter[table.ScoredFeedback](w, table.WriterOptions(int64(scoreRowGroupRows))...)
	if len(bufs.in) != scoreBatch {
		bufs.in = make([]table.Feedback, scoreBatch)
		bufs.scored = make([]table.ScoredFeedback, scoreBatch)
	}
	in, scored := bufs.in, bufs.scored
	clear(in)
	defer clear(scored) // hold no rows of this object once it is written
	total, held := 0, 0
	flush := func() error {
		if held == 0 {
			return nil
		}
		for i := range held {
			scored[i] = scoreRow(sc, in[i])
		}
		if _, err := pw.Write(scored[:held]); err != nil {
			return fmt.Errorf("encode scored %s: %w", key, err)
		}
		total += held
		held = 0
		clear(in) // the reader must not write into the last batch's pointers
		return nil
	}
	var encodeErr error // flush's, which readRowGroup returns unwrapped
	for _, rg := range pf.RowGroups() {
		if err := readRowGroup(rg, in, &held, func() error { encodeErr = flush(); return encodeErr }); err != nil {
			if encodeErr != nil {
				return 0, encodeErr
			}
			return 0, fmt.Errorf("read %s: %w", key, err)
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if err := pw.Close(); err != nil {
		return 0, fmt.Errorf("encode scored %s: %w", key, err)
	}
	return total, nil
}

// readRowGroup reads the rows of rg into in after its first *held rows, calling flush (which
// empties in) whenever in is full. It reads column by column (table.FeedbackReader) when rg
// has the feedback table's columns.
func readRowGroup(rg parquet.RowGroup, in []table.Feedback, held *int, flush func() error) error {
	var pr interface {
		Read([]table.Feedback) (int, error)
		Close() error
	}
	pr, err := table.NewFeedbackReader(rg)
	if errors.Is(err, table.ErrNotFeedbackColumns) {
		// Another shape of file (a column added or missing): parquet-go maps it by name.
		pr, err = parquet.NewGenericRowGroupReader[table.Feedback](rg), nil
	}
	if err != nil {
		return err
	}
	defer pr.Close()
	for left := rg.NumRows(); left > 0; {
		want := int(min(int64(len(in)-*held), left))
		n, err := pr.Read(in[*held : *held+want])
		*held += n
		left -= int64(n)
		if err != nil && !(err == io.EOF && left == 0) {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if n == 0 && err == nil {
			return io.ErrNoProgress
		}
		if *held == len(in) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func scoreRow(sc *score.Scorer, f table.Feedback) table.ScoredFeedback {
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
	return table.Scored(f, s)
}

// spool copies an object to a temporary file, which the caller closes and removes.
func spool(ctx context.Context, st store.Store, key string) (*os.File, int64, error) {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "civicpulse-score-*.parquet")
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", key, err)
	}
	size, err := io.Copy(f, rc)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, fmt.Errorf("read %s: %w", key, err)
	}
	return f, size, nil
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
