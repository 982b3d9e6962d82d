package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// IngestOptions configure one ingest run.
type IngestOptions struct {
	Now time.Time
	// AuthorKey is the city's secret for hashing authors.
	AuthorKey []byte
	// Keys limits the run to these inbox keys (an S3 event); empty means the whole inbox.
	Keys   []string
	Logger *slog.Logger
}

// IngestSummary says what an ingest run did.
type IngestSummary struct {
	Files      int            `json:"files"`       // inbox files ingested now
	Skipped    int            `json:"skipped"`     // inbox files ingested before
	Feedback   int            `json:"feedback"`    // feedback rows written
	Answers    int            `json:"answers"`     // survey answer rows written
	Duplicates int            `json:"duplicates"`  // records already stored by an earlier batch, or twice in one file
	Bad        int            `json:"bad"`         // records quarantined
	BadReasons map[string]int `json:"bad_reasons"` // quarantined records by reason
	Objects    []string       `json:"objects"`     // objects written
}

// batchRecord is state/ingest/<batch>.json: the proof that a raw object was ingested.
type batchRecord struct {
	Batch      string         `json:"batch"`
	Source     string         `json:"source"`
	InboxKey   string         `json:"inbox_key"`
	RawKey     string         `json:"raw_key"`
	IngestedAt time.Time      `json:"ingested_at"`
	Feedback   int            `json:"feedback"`
	Answers    int            `json:"answers"`
	Duplicates int            `json:"duplicates"`
	Bad        int            `json:"bad"`
	BadReasons map[string]int `json:"bad_reasons,omitempty"`
	Objects    []string       `json:"objects"`
}

// Ingest parses every new file under inbox/<source>/ into the curated tables. The batch id
// is a hash of the source and the file's bytes: a file dropped twice is ingested once, and a
// run that died half-way is simply run again.
func Ingest(ctx context.Context, st store.Store, city *config.City, opts IngestOptions) (IngestSummary, error) {
	log := logger(opts.Logger)
	sum := IngestSummary{BadReasons: map[string]int{}}
	keys := opts.Keys
	if len(keys) == 0 {
		infos, err := st.List(ctx, InboxPrefix)
		if err != nil {
			return sum, fmt.Errorf("list inbox: %w", err)
		}
		for _, i := range infos {
			keys = append(keys, i.Key)
		}
	}
	handles := map[string]bool{}
	for _, h := range city.PublicHandles {
		handles[strings.ToLower(strings.TrimPrefix(h, "@"))] = true
	}
	red := &ingest.Redactor{Key: opts.AuthorKey, PublicHandles: handles}
	var errs []error
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		rec, skipped, err := ingestFile(ctx, st, city, red, key, opts.Now)
		switch {
		case err != nil:
			log.Error("ingest file failed", "key", key, "err", err)
			errs = append(errs, err)
		case skipped:
			sum.Skipped++
			log.Debug("already ingested", "key", key)
		case rec != nil:
			sum.Files++
			sum.Feedback += rec.Feedback
			sum.Answers += rec.Answers
			sum.Duplicates += rec.Duplicates
			sum.Bad += rec.Bad
			for r, n := range rec.BadReasons {
				sum.BadReasons[r] += n
			}
			sum.Objects = append(sum.Objects, rec.Objects...)
			log.Info("ingested", "key", key, "batch", rec.Batch, "feedback", rec.Feedback, "answers", rec.Answers, "duplicates", rec.Duplicates, "bad", rec.Bad)
		}
	}
	return sum, errors.Join(errs...)
}

// ingestFile ingests one inbox object; rec is nil for an object that is not a source's file.
func ingestFile(ctx context.Context, st store.Store, city *config.City, red *ingest.Redactor, key string, now time.Time) (rec *batchRecord, skipped bool, err error) {
	rest, ok := strings.CutPrefix(key, InboxPrefix)
	sourceID, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || name == "" {
		return nil, false, fmt.Errorf("inbox object %s: want inbox/<source>/<file>", key)
	}
	src, ok := city.Source(sourceID)
	if !ok {
		return nil, false, fmt.Errorf("inbox object %s: source %q is not in the city config", key, sourceID)
	}
	raw, err := store.ReadAll(ctx, st, key)
	if err != nil {
		return nil, false, err
	}
	h := sha256.Sum256(append([]byte(src.ID+"\x00"), raw...))
	batch := hex.EncodeToString(h[:10])
	stateKey := "state/ingest/source=" + src.ID + "/" + batch + ".json"
	if done, err := store.Exists(ctx, st, stateKey); err != nil || done {
		return nil, done, err
	}

	day := now.UTC().Format("2006-01-02")
	ext := strings.TrimPrefix(path.Ext(name), ".")
	if ext == "" {
		ext = "bin"
	}
	rec = &batchRecord{Batch: batch, Source: src.ID, InboxKey: key, IngestedAt: now.UTC(),
		RawKey: fmt.Sprintf("raw/source=%s/ingest_date=%s/%s.%s", src.ID, day, batch, ext), BadReasons: map[string]int{}}
	if err := st.Put(ctx, rec.RawKey, bytes.NewReader(raw)); err != nil {
		return nil, false, fmt.Errorf("copy %s to raw: %w", key, err)
	}

	b, perr := ingest.Parse(bytes.NewReader(raw), name, ingest.Options{
		Source: src, Location: city.Location(), DistrictID: city.DistrictID, IngestedAt: now})
	if perr != nil {
		// The file as a whole is unreadable: it is quarantined as one bad record, not retried.
		b = &ingest.Batch{Bad: []ingest.Bad{{File: name, Reason: "unreadable file", Detail: perr.Error()}}}
	}
	all := red.Apply(b)
	feedback := dedupe(all, func(f table.Feedback) string { return f.ID })
	answers := dedupe(b.Answers, answerKey)
	rec.Duplicates = len(all) - len(feedback) + len(b.Answers) - len(answers)

	// Records stored by earlier batches (overlapping API windows, re-exports) are dropped by
	// the id index of their partition; this batch's own index is ignored, so a re-run after a
	// crash writes the same objects again.
	var dups int
	feedback, dups, err = dropStored(ctx, st, "feedback", src.ID, batch, feedback,
		func(f table.Feedback) string { return f.Month }, func(f table.Feedback) string { return f.ID })
	if err != nil {
		return nil, false, err
	}
	rec.Duplicates += dups
	answers, dups, err = dropStored(ctx, st, "survey_answers", src.ID, batch, answers,
		func(a table.SurveyAnswer) string { return a.Month }, answerKey)
	if err != nil {
		return nil, false, err
	}
	rec.Duplicates += dups

	for month, rows := range groupBy(feedback, func(f table.Feedback) string { return f.Month }) {
		k := fmt.Sprintf("%ssource=%s/month=%s/%s.parquet", CuratedFeedback, src.ID, month, batch)
		if err := putParquet(ctx, st, k, rows); err != nil {
			return nil, false, err
		}
		rec.Objects = append(rec.Objects, k)
		if err := putIDIndex(ctx, st, "feedback", src.ID, month, batch, rows, func(f table.Feedback) string { return f.ID }); err != nil {
			return nil, false, err
		}
	}
	for month, rows := range groupBy(answers, func(a table.SurveyAnswer) string { return a.Month }) {
		k := fmt.Sprintf("%ssource=%s/month=%s/%s.parquet", CuratedSurveyAnswers, src.ID, month, batch)
		if err := putParquet(ctx, st, k, rows); err != nil {
			return nil, false, err
		}
		rec.Objects = append(rec.Objects, k)
		if err := putIDIndex(ctx, st, "survey_answers", src.ID, month, batch, rows, answerKey); err != nil {
			return nil, false, err
		}
	}
	if len(b.Bad) > 0 {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, bad := range b.Bad {
			rec.BadReasons[bad.Reason]++
			if err := enc.Encode(struct {
				ingest.Bad
				Message string `json:"message"`
			}{bad, bad.Error()}); err != nil {
				return nil, false, err
			}
		}
		k := fmt.Sprintf("quarantine/source=%s/ingest_date=%s/%s.jsonl", src.ID, day, batch)
		if err := st.Put(ctx, k, &buf); err != nil {
			return nil, false, err
		}
		rec.Objects = append(rec.Objects, k)
	}
	slices.Sort(rec.Objects)
	rec.Feedback, rec.Answers, rec.Bad = len(feedback), len(answers), len(b.Bad)
	// Written last: its presence means every object above is complete.
	if err := putJSON(ctx, st, stateKey, rec); err != nil {
		return nil, false, err
	}
	return rec, false, nil
}

// IDIndexPrefix holds, per table, source and month, one object per batch listing the record
// ids that batch stored: state/ingest/ids/<table>/source=<s>/month=<m>/<batch>.ids.
const IDIndexPrefix = "state/ingest/ids/"

func idIndexDir(tbl, source, month string) string {
	return fmt.Sprintf("%s%s/source=%s/month=%s/", IDIndexPrefix, tbl, source, month)
}

// answerKey identifies a survey answer: one answer per response and question.
func answerKey(a table.SurveyAnswer) string {
	return ingest.RecordID(a.SurveyID, a.ResponseID+"\x00"+a.QuestionID)
}

// dropStored removes the rows whose id another batch has already stored in the same
// partition, and says how many it removed.
func dropStored[T any](ctx context.Context, st store.Store, tbl, source, batch string, rows []T, month, id func(T) string) ([]T, int, error) {
	stored := map[string]map[string]bool{}
	out := rows[:0:0]
	for _, r := range rows {
		m := month(r)
		ids, ok := stored[m]
		if !ok {
			var err error
			if ids, err = readIDIndex(ctx, st, idIndexDir(tbl, source, m), batch); err != nil {
				return nil, 0, err
			}
			stored[m] = ids
		}
		if !ids[id(r)] {
			out = append(out, r)
		}
	}
	return out, len(rows) - len(out), nil
}

func readIDIndex(ctx context.Context, st store.Store, dir, batch string) (map[string]bool, error) {
	infos, err := st.List(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("list id index %s: %w", dir, err)
	}
	ids := map[string]bool{}
	for _, in := range infos {
		if path.Base(in.Key) == batch+".ids" {
			continue
		}
		b, err := store.ReadAll(ctx, st, in.Key)
		if err != nil {
			return nil, fmt.Errorf("read id index: %w", err)
		}
		for _, id := range strings.Split(string(b), "\n") {
			if id != "" {
				ids[id] = true
			}
		}
	}
	return ids, nil
}

func putIDIndex[T any](ctx context.Context, st store.Store, tbl, source, month, batch string, rows []T, id func(T) string) error {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = id(r)
	}
	slices.Sort(ids)
	k := idIndexDir(tbl, source, month) + batch + ".ids"
	if err := st.Put(ctx, k, strings.NewReader(strings.Join(ids, "\n")+"\n")); err != nil {
		return fmt.Errorf("write id index %s: %w", k, err)
	}
	return nil
}

// dedupe keeps the first row of each key, in order.
func dedupe[T any](rows []T, key func(T) string) []T {
	seen := make(map[string]bool, len(rows))
	out := rows[:0:0]
	for _, r := range rows {
		k := key(r)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// groupBy splits rows by a key; rows keep their order and the map's keys are partitions.
func groupBy[T any](rows []T, key func(T) string) map[string][]T {
	out := map[string][]T{}
	for _, r := range rows {
		out[key(r)] = append(out[key(r)], r)
	}
	return out
}
