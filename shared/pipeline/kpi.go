package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parquet-go/parquet-go"

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
	// Ingest keeps ids unique in the lake (TestKPIsRecomputedByDuckDB checks it), so the
	// computer need not remember every id of the quarter.
	comp := kpi.NewComputer(city, q, kpi.UniqueIDs())
	defer func() { comp.Close() }() // its temporary files, if it spilled: comp may become parts[0]
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
	// Objects are folded in parallel, one partial aggregate per worker, then merged: the
	// merged aggregate equals the single pass exactly (kpi.TestMergeEqualsSinglePass).
	// Keyphrases get their quote candidates in a second pass over the objects that hold
	// rows of the quarter, once the phrases that emerge are known (kpi.DeferPhraseQuotes):
	// kept for every phrase, the candidates grew with the input.
	workers := min(runtime.GOMAXPROCS(0), len(keys))
	parts := make([]*kpi.Computer, workers)
	errs := make([]error, workers)
	current := make([][]string, workers) // per worker: the objects with rows of the quarter
	// Objects are read one ahead of the workers, so that a worker finds the next object's
	// bytes read when it is done with one (from S3, a request's wait). The workers+1
	// buffers are reused from object to object.
	next := make(chan object)
	free := make(chan *[]byte, workers+1)
	for range workers + 1 {
		free <- new([]byte)
	}
	var failed atomic.Bool
	go func() {
		defer close(next)
		for _, k := range keys {
			buf := <-free
			if failed.Load() {
				free <- buf
				return // a worker failed: the stage fails, whatever the other objects hold
			}
			data, err := readObject(ctx, st, k, buf)
			next <- object{key: k, data: data, err: err, buf: buf}
		}
	}()
	// Computers past their memory limits spill to temporary files: closed however the run
	// ends (a part merged into another has handed its files over).
	defer func() {
		for _, p := range parts {
			if p != nil {
				p.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		parts[w] = kpi.NewComputer(city, q, kpi.UniqueIDs(), kpi.DeferPhraseQuotes())
		wg.Go(func() {
			scratch := new(scanScratch)
			for o := range next {
				if errs[w] == nil {
					errs[w] = o.err
				}
				if errs[w] == nil {
					before := parts[w].Current()
					errs[w] = foldScoredObject(o.key, o.data, parts[w], false, scratch)
					if parts[w].Current() > before {
						current[w] = append(current[w], o.key)
					}
				}
				if errs[w] != nil {
					failed.Store(true)
				}
				free <- o.buf // drained after an error, so that the reader ends
			}
			parts[w].Finish() // sorts in parallel what the merge and the document would sort alone
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// The first part is the total: a fresh one would hold a third copy of the largest
	// aggregates (close times, author hashes) while merging.
	if len(parts) > 0 {
		comp = parts[0]
	}
	for i, p := range parts[min(1, len(parts)):] {
		if err := comp.Merge(p); err != nil {
			return nil, err
		}
		p.Close()
		parts[i+1] = nil // let the part's memory go before the next is merged
	}
	if comp.QuotePhrases() {
		quote := slices.Concat(current...)
		slices.Sort(quote)
		var buf []byte
		scratch := new(scanScratch)
		for _, k := range quote {
			data, err := readObject(ctx, st, k, &buf)
			if err != nil {
				return nil, err
			}
			if err := foldScoredObject(k, data, comp, true, scratch); err != nil {
				return nil, err
			}
		}
	}
	akeys, err := listParquet(ctx, st, CuratedSurveyAnswers, keep)
	if err != nil {
		return nil, fmt.Errorf("list survey answers: %w", err)
	}
	for _, k := range akeys {
		source := partition(k, "source")
		err := foldParquet(ctx, st, k, func(rows []table.SurveyAnswer) {
			for i := range rows {
				rows[i].Source = source
			}
			comp.AddAnswers(rows)
		})
		if err != nil {
			return nil, err
		}
	}
	doc := comp.Document(opts.Now)
	if err := comp.Err(); err != nil {
		return nil, err
	}
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

// openParquet reads one Parquet object and opens it.
func openParquet(ctx context.Context, st store.Store, key string) (*parquet.File, error) {
	b, err := store.ReadAll(ctx, st, key)
	if err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return f, nil
}

// foldParquet streams the rows of one Parquet object to fold in batches, so that memory holds
// the object's bytes and one batch, whatever the number of rows. The batch's memory is reused:
// fold must copy what it keeps.
func foldParquet[T any](ctx context.Context, st store.Store, key string, fold func([]T)) (err error) {
	f, err := openParquet(ctx, st, key)
	if err != nil {
		return err
	}
	defer func() {
		// parquet-go panics when the file's schema cannot be converted to the row type.
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: %v", key, r)
		}
	}()
	pr := parquet.NewGenericReader[T](f)
	defer pr.Close()
	buf := make([]T, foldBatch)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := pr.Read(buf)
		if n > 0 {
			fold(buf[:n])
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", key, err)
		}
	}
}

// foldBatch is how many rows foldParquet reads at a time: parquet-go's row reader holds
// buffers for a batch of every column; at 2,048 rows the survey-answer pass of a ten-million
// post quarter was the KPI stage's peak, about 5 MB RSS above what it is at 256.
const foldBatch = 256

// object is a scored-feedback object read for a worker, in a buffer it gives back.
type object struct {
	key  string
	data []byte
	err  error
	buf  *[]byte
}

// readObject reads one object into *buf, emptied first, and returns its bytes. Reusing the
// previous object's buffer saves allocating, zeroing and growing one per object: nothing
// folded views the bytes of a file once it is folded (pages are decoded into parquet-go's
// own buffers, and the computer copies the strings it keeps).
func readObject(ctx context.Context, st store.Store, key string, buf *[]byte) ([]byte, error) {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b := (*buf)[:0]
	if f, ok := rc.(interface{ Stat() (fs.FileInfo, error) }); ok {
		// A file says its size: the buffer is made to measure, with room for the next
		// object to be a little larger, rather than doubled as it fills.
		if fi, err := f.Stat(); err == nil && int64(cap(b)) <= fi.Size() {
			b = make([]byte, 0, fi.Size()+fi.Size()/8+1)
		}
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rc.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", key, err)
		}
	}
	*buf = b
	return b, nil
}

// foldScoredObject streams the KPI columns of one scored-feedback object, read into data,
// into comp; with quotesOnly it offers its rows, folded before, to the emerging phrases of
// comp (the second pass of kpi.DeferPhraseQuotes).
func foldScoredObject(key string, data []byte, comp *kpi.Computer, quotesOnly bool, scratch *scanScratch) (err error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: %v", key, r)
		}
	}()
	source := partition(key, "source")
	err = scanScoredColumns(f, source, comp, quotesOnly, scratch)
	if errors.Is(err, errNotProjectable) {
		// An object written before a column existed: read it whole; missing columns read as
		// zero values.
		pr := parquet.NewGenericReader[table.ScoredFeedback](f)
		defer pr.Close()
		buf := make([]table.ScoredFeedback, 1024)
		for {
			n, rerr := pr.Read(buf)
			for i := range buf[:n] {
				buf[i].Source = source
			}
			switch {
			case n > 0 && quotesOnly:
				comp.AddQuotes(buf[:n]) // complete rows: AddQuotes takes those it may quote
			case n > 0:
				comp.AddFeedback(buf[:n])
			}
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			if rerr != nil {
				return fmt.Errorf("read %s: %w", key, rerr)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	return nil
}

// errNotProjectable is returned by foldScoredColumns for a file that lacks a projected column.
var errNotProjectable = errors.New("file lacks a column of the projection")

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
