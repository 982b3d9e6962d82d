package pipeline

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"maps"
	"math"
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
//
// A file is streamed: read once to name its batch, then once more into raw/ and the parser,
// whose records are redacted, deduplicated and encoded as they come, so memory does not grow
// with the file (the batch's record ids go to sorted runs in temporary files behind a Bloom
// filter outside the heap, about 1.5 bytes of memory a record). One month's object
// is encoded at a time; the records of a file's other months wait, uncompressed, in
// temporary files until it is written (a survey export's answers, which repeat their
// question's text, can take a few times the export's size there).
//
// No record is stored twice by runs one after the other, whatever their files overlap, nor by
// runs at once over the same file (they write the same objects) or over files with no record
// in common. Runs at once over different files that share records can both store those: each
// reads the month's id index before the other has written it. The window is one file's
// ingest; keep ingests of one source from overlapping (one at a time per source) where that
// matters.
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
	cache := &idCache{parts: map[string]*cachedIndex{}}
	defer cache.close()
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		rec, skipped, err := ingestFile(ctx, st, city, red, cache, key, opts.Now)
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
func ingestFile(ctx context.Context, st store.Store, city *config.City, red *ingest.Redactor, cache *idCache, key string, now time.Time) (rec *batchRecord, skipped bool, err error) {
	rest, ok := strings.CutPrefix(key, InboxPrefix)
	sourceID, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || name == "" {
		return nil, false, fmt.Errorf("inbox object %s: want inbox/<source>/<file>", key)
	}
	src, ok := city.Source(sourceID)
	if !ok {
		return nil, false, fmt.Errorf("inbox object %s: source %q is not in the city config", key, sourceID)
	}
	batch, size, err := batchID(ctx, st, src.ID, key)
	if err != nil {
		return nil, false, err
	}
	stateKey := "state/ingest/source=" + src.ID + "/" + batch + ".json"
	if done, err := store.Exists(ctx, st, stateKey); err != nil || done {
		return nil, done, err
	}
	// A batch a crashed run began keeps that run's time (see startBatch).
	if now, err = startBatch(ctx, st, src.ID, batch, key, now); err != nil {
		return nil, false, err
	}

	day := now.UTC().Format("2006-01-02")
	ext := strings.TrimPrefix(path.Ext(name), ".")
	if ext == "" {
		ext = "bin"
	}
	rec = &batchRecord{Batch: batch, Source: src.ID, InboxKey: key, IngestedAt: now.UTC(),
		RawKey: fmt.Sprintf("raw/source=%s/ingest_date=%s/%s.%s", src.ID, day, batch, ext), BadReasons: map[string]int{}}

	// One read of the object feeds the copy to raw/ and the parser, whose records are
	// redacted, deduplicated and written as they come: nothing holds the whole file.
	body, err := st.Get(ctx, key)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", key, err)
	}
	defer body.Close()
	sum := newBatchHash(src.ID)
	rawCopy := startPut(ctx, st, rec.RawKey)
	in := &inputReader{r: io.TeeReader(body, io.MultiWriter(sum, rawCopy.pipe)), size: size}
	fb := newPartitionWriter[table.Feedback](ctx, st, "feedback", CuratedFeedback, src.ID, batch,
		func(f *table.Feedback) string { return f.Month }, func(f *table.Feedback) string { return f.ID })
	ans := newPartitionWriter[table.SurveyAnswer](ctx, st, "survey_answers", CuratedSurveyAnswers, src.ID, batch,
		func(a *table.SurveyAnswer) string { return a.Month }, func(a *table.SurveyAnswer) string { return answerKey(*a) })
	fb.cache, ans.cache = cache, cache
	cache.startFile()
	in.stop = func() error { return errors.Join(fb.err, ans.err) }
	fail := func(err error) (*batchRecord, bool, error) {
		rawCopy.abort(err)
		fb.abort(err)
		ans.abort(err)
		return nil, false, err
	}
	b, perr := ingest.Stream(in, name, ingest.Options{
		Source: src, Location: city.Location(), DistrictID: city.DistrictID, IngestedAt: now},
		func(it *ingest.Item) { fb.add(red.Feedback(it)) },
		func(a *table.SurveyAnswer) { red.Answer(a); ans.add(*a) })
	// The parser may stop before the end (a broken JSON page ends a file): raw/ gets it all.
	if _, err := io.Copy(io.Discard, in); err != nil && in.err == nil {
		in.err = err
	}
	if in.err != nil {
		return fail(fmt.Errorf("read %s: %w", key, in.err))
	}
	if err := errors.Join(fb.err, ans.err); err != nil {
		return fail(err)
	}
	if got := batchOf(sum); got != batch {
		return fail(fmt.Errorf("inbox object %s changed while it was ingested (batch %s, now %s): run again", key, batch, got))
	}
	if err := rawCopy.finish(); err != nil {
		fb.abort(err)
		ans.abort(err)
		return nil, false, fmt.Errorf("copy %s to raw: %w", key, err)
	}
	if perr != nil {
		// The file as a whole is unreadable: it is quarantined as one bad record, not retried,
		// and what the parser made of it before it gave up is not stored.
		fb.abort(perr)
		ans.abort(perr)
		fb = newPartitionWriter[table.Feedback](ctx, st, "feedback", CuratedFeedback, src.ID, batch, nil, nil)
		ans = newPartitionWriter[table.SurveyAnswer](ctx, st, "survey_answers", CuratedSurveyAnswers, src.ID, batch, nil, nil)
		b = &ingest.Batch{Bad: []ingest.Bad{{File: name, Reason: "unreadable file", Detail: perr.Error()}}}
	}
	red.Bad(b.Bad)
	for _, w := range []interface{ finish() ([]string, error) }{fb, ans} {
		objs, err := w.finish()
		if err != nil {
			fb.abort(err)
			ans.abort(err)
			return nil, false, err
		}
		rec.Objects = append(rec.Objects, objs...)
	}
	rec.Duplicates = fb.duplicates + ans.duplicates
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
	rec.Feedback, rec.Answers, rec.Bad = fb.rows, ans.rows, len(b.Bad)
	// Written last: its presence means every object above is complete.
	if err := putJSON(ctx, st, stateKey, rec); err != nil {
		return nil, false, err
	}
	return rec, false, nil
}

// batchID is the id of an inbox object's batch: a hash of its source and bytes, read as a
// stream; size is the number of bytes.
func batchID(ctx context.Context, st store.Store, source, key string) (id string, size int64, err error) {
	body, err := st.Get(ctx, key)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", key, err)
	}
	defer body.Close()
	h := newBatchHash(source)
	if size, err = io.Copy(h, body); err != nil {
		return "", 0, fmt.Errorf("read %s: %w", key, err)
	}
	return batchOf(h), size, nil
}

// newBatchHash starts the hash of a batch id: the source, a zero byte, then the object's
// bytes, written to it.
func newBatchHash(source string) hash.Hash {
	h := sha256.New()
	h.Write([]byte(source + "\x00"))
	return h
}

// batchOf is the batch id of a batch hash: its first ten bytes in hex.
func batchOf(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)[:10]) }

// inputReader is the parser's view of an inbox object: it remembers a read error, which
// is the store's fault and not the file's, and it stops the parser once writing has failed.
type inputReader struct {
	r    io.Reader
	err  error
	stop func() error
	size int64 // of the object, as batchID read it
	read int64
}

// Len is the number of bytes left, as the object's size says: the parsers that read a file
// whole (CSV exports) then read it into one buffer of its size, not into one that doubles as
// it fills (three times the file, in all, for the collector to find).
func (r *inputReader) Len() int { return int(max(r.size-r.read, 0)) }

func (r *inputReader) Read(p []byte) (int, error) {
	if r.stop != nil {
		if err := r.stop(); err != nil {
			return 0, err
		}
	}
	n, err := r.r.Read(p)
	r.read += int64(n)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

// pendingPut is an object being written through a pipe while it is made.
type pendingPut struct {
	pipe *io.PipeWriter
	done chan error
}

// startPut starts writing key from what is written to the returned pipe; the object exists
// only once finish has returned nil (Store.Put never shows a partial object, and a pipe
// closed with an error fails the Put).
func startPut(ctx context.Context, st store.Store, key string) *pendingPut {
	pr, pw := io.Pipe()
	p := &pendingPut{pipe: pw, done: make(chan error, 1)}
	go func() {
		err := st.Put(ctx, key, pr)
		// Unblock the writer if Put stopped reading early.
		pr.CloseWithError(cmp.Or(err, io.ErrClosedPipe))
		p.done <- err
	}()
	return p
}

// finish ends the object and waits for it to be stored.
func (p *pendingPut) finish() error {
	p.pipe.Close()
	return <-p.done
}

// abort fails the Put, so that no object is stored, and waits for it.
func (p *pendingPut) abort(err error) {
	p.pipe.CloseWithError(fmt.Errorf("write aborted: %w", err))
	<-p.done
}

// partitionWriter writes one table's rows of a batch as they come, one Parquet object per
// month (curated/<table>/source=<s>/month=<m>/<batch>.parquet), deduplicating them by id
// within the batch and against the id index of earlier batches, and at the end writes the
// batch's id index of each month.
//
// Memory does not grow with the batch's rows (the batch's ids are kept as stored ones are:
// storedIDs, about 1.5 bytes a row in memory, outside the heap): one month's object is
// written at a time, by a table.Writer, which holds at most a row group.
// The rows of the other months (a survey export's responses come in any order of months)
// wait in a temporary file, each month's in their own, and are written once the first
// month's object is done, in the order they came: an object is what a writer given all its
// month's rows at once would write. A writer open per month would hold each month's row
// group, and the page buffers of every column of each (over a megabyte a writer).
type partitionWriter[T any] struct {
	ctx                     context.Context
	st                      store.Store
	tbl, prefix, src, batch string
	month, id               func(*T) string
	cur                     *monthPart[T]           // the month being written
	spools                  map[string]*rowSpool[T] // the other months' rows, by month
	monthIdx                map[string]uint16       // months by number, from 1
	months                  []string                // and back
	seen                    []*storedIDs            // this batch's ids by month number; 0: stored by an earlier batch
	stored                  map[string]*storedIDs   // earlier batches' ids, by month
	cache                   *idCache                // where they come from
	objects                 []string
	rows, duplicates        int
	err                     error
}

type monthPart[T any] struct {
	month string
	w     *table.Writer[T]
	put   *pendingPut
	key   string
}

func newPartitionWriter[T any](ctx context.Context, st store.Store, tbl, prefix, src, batch string, month, id func(*T) string) *partitionWriter[T] {
	return &partitionWriter[T]{ctx: ctx, st: st, tbl: tbl, prefix: prefix, src: src, batch: batch, month: month, id: id,
		spools: map[string]*rowSpool[T]{}, monthIdx: map[string]uint16{},
		seen: []*storedIDs{newStoredIDs()}, stored: map[string]*storedIDs{}}
}

// add writes a row unless its id was seen before in this batch or is stored by an earlier one.
func (w *partitionWriter[T]) add(row T) {
	if w.err != nil {
		return
	}
	m, id := w.month(&row), w.id(&row)
	key := idKeyOf(id) // decoded once for the looks below
	for _, seen := range w.seen {
		dup, err := seen.hasKey(key)
		if err != nil {
			w.err = fmt.Errorf("%s: check this batch's ids: %w", w.tbl, err)
			return
		}
		if dup {
			w.duplicates++
			return
		}
	}
	n, ok := w.monthIdx[m]
	if !ok {
		if len(w.months) == math.MaxUint16 {
			w.err = fmt.Errorf("%s: more than %d months in one batch", w.tbl, math.MaxUint16)
			return
		}
		w.months = append(w.months, m)
		w.seen = append(w.seen, newStoredIDs())
		n = uint16(len(w.months))
		w.monthIdx[m] = n
	}
	stored, ok := w.stored[m]
	if !ok {
		var err error
		if stored, err = w.cache.load(w.ctx, w.st, idIndexDir(w.tbl, w.src, m), w.batch); err != nil {
			w.err = err
			return
		}
		w.stored[m] = stored
	}
	dup, err := stored.hasKey(key)
	if err != nil {
		w.err = fmt.Errorf("%s: check id index of %s: %w", w.tbl, m, err)
		return
	}
	if dup {
		// Marked seen (as month 0, in no index) so a second copy in this batch counts once.
		w.markSeen(key, 0)
		w.duplicates++
		return
	}
	if !w.markSeen(key, n) {
		return
	}
	if w.cur == nil {
		w.cur = w.startPart(m)
	}
	if w.cur.month == m {
		if err := w.cur.w.Add(row); err != nil {
			w.err = fmt.Errorf("write %s: %w", w.cur.key, err)
			return
		}
	} else {
		sp := w.spools[m]
		if sp == nil {
			if sp, err = newRowSpool[T](); err != nil {
				w.err = fmt.Errorf("%s: %w", w.tbl, err)
				return
			}
			w.spools[m] = sp
		}
		if err := sp.add(&row); err != nil {
			w.err = fmt.Errorf("%s: %w", w.tbl, err)
			return
		}
	}
	w.rows++
}

// markSeen adds id to the batch's ids of month n, and reports whether it could.
func (w *partitionWriter[T]) markSeen(key idKey, n uint16) bool {
	if err := w.seen[n].addKey(key); err != nil {
		w.err = fmt.Errorf("%s: keep this batch's ids: %w", w.tbl, err)
		return false
	}
	return true
}

// startPart starts the object of month m.
func (w *partitionWriter[T]) startPart(m string) *monthPart[T] {
	k := fmt.Sprintf("%ssource=%s/month=%s/%s.parquet", w.prefix, w.src, m, w.batch)
	put := startPut(w.ctx, w.st, k)
	return &monthPart[T]{month: m, w: table.NewWriter[T](put.pipe), put: put, key: k}
}

// closePart ends the object being written.
func (w *partitionWriter[T]) closePart() error {
	p := w.cur
	w.cur = nil
	if err := p.w.Close(); err != nil {
		p.put.abort(err)
		return fmt.Errorf("write %s: %w", p.key, err)
	}
	if err := p.put.finish(); err != nil {
		return fmt.Errorf("write %s: %w", p.key, err)
	}
	w.objects = append(w.objects, p.key)
	return nil
}

// finish ends the month being written, writes the other months' objects from their spools,
// then writes each month's id index, and returns the objects written.
func (w *partitionWriter[T]) finish() ([]string, error) {
	if w.err != nil {
		return nil, w.err
	}
	fail := func(err error) ([]string, error) {
		w.abort(err)
		return nil, err
	}
	if w.cur != nil {
		if err := w.closePart(); err != nil {
			return fail(err)
		}
	}
	for _, m := range slices.Sorted(maps.Keys(w.spools)) {
		sp := w.spools[m]
		w.cur = w.startPart(m)
		err := sp.each(func(row *T) error { return w.cur.w.Add(*row) })
		if err != nil {
			return fail(fmt.Errorf("write %s: %w", w.cur.key, err))
		}
		if err := w.closePart(); err != nil {
			return fail(err)
		}
		sp.close()
		delete(w.spools, m)
	}
	for n, m := range w.months {
		if err := putIDIndex(w.ctx, w.st, w.tbl, w.src, m, w.batch, w.seen[n+1]); err != nil {
			w.err = err
			w.closeSeen()
			return nil, err
		}
	}
	w.closeSeen()
	return w.objects, nil
}

// closeSeen frees the batch's ids (their filters and files).
func (w *partitionWriter[T]) closeSeen() {
	for _, s := range w.seen {
		s.close()
	}
}

// abort fails the object being written, so that it is not stored, and drops the spools.
func (w *partitionWriter[T]) abort(err error) {
	if w.cur != nil {
		w.cur.put.abort(err)
		w.cur = nil
	}
	for m, sp := range w.spools {
		sp.close()
		delete(w.spools, m)
	}
	w.closeSeen()
	if w.err == nil {
		w.err = err
	}
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

// idCache holds, for one ingest run, the ids the id index holds for the partitions the file
// being ingested writes, with the index objects they were read from: the next file of the
// same partitions reads only the index objects written since, not every earlier batch's
// again. Partitions the file does not write are dropped, so it holds what one file needs.
// The ids themselves are held compactly (storedIDs: a Bloom filter in memory, the ids in
// temporary files), so memory does not grow with what a month already holds.
type idCache struct {
	parts map[string]*cachedIndex // by index directory
}

type cachedIndex struct {
	ids  *storedIDs
	read map[string]bool // index objects read into ids
	used bool            // by the file being ingested
}

// startFile drops the partitions the last file did not use.
func (c *idCache) startFile() {
	for dir, p := range c.parts {
		if !p.used {
			p.ids.close()
			delete(c.parts, dir)
		}
		p.used = false
	}
}

// close frees every partition's ids.
func (c *idCache) close() {
	for dir, p := range c.parts {
		p.ids.close()
		delete(c.parts, dir)
	}
}

// load returns the ids that batches other than batch stored in one partition.
func (c *idCache) load(ctx context.Context, st store.Store, dir, batch string) (*storedIDs, error) {
	own := dir + batch + ".ids"
	p := c.parts[dir]
	if p != nil && p.read[own] {
		// This batch's own index, left by a run that died before its state record, was read
		// for another file: its ids are not "stored by another batch". Read the rest anew.
		p.ids.close()
		p = nil
	}
	if p == nil {
		p = &cachedIndex{ids: newStoredIDs(), read: map[string]bool{}}
		c.parts[dir] = p
	}
	p.used = true
	infos, err := st.List(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("list id index %s: %w", dir, err)
	}
	for _, in := range infos {
		if in.Key == own || p.read[in.Key] {
			continue
		}
		if err := p.ids.read(ctx, st, in.Key); err != nil {
			p.ids.close()
			delete(c.parts, dir) // partly read
			return nil, fmt.Errorf("read id index: %w", err)
		}
		p.read[in.Key] = true
	}
	return p.ids, nil
}

// putIDIndex writes the sorted ids, one a line, that this batch stored in one partition. It
// writes nothing for a partition with none.
func putIDIndex(ctx context.Context, st store.Store, tbl, source, month, batch string, ids *storedIDs) error {
	if ids.len() == 0 {
		return nil
	}
	// Lower-case hex sorts as its bytes do: the other ids go in between.
	other := slices.Sorted(maps.Keys(ids.other))
	k := idIndexDir(tbl, source, month) + batch + ".ids"
	put := startPut(ctx, st, k)
	bw := bufio.NewWriterSize(put.pipe, 64<<10)
	var line [25]byte
	line[24] = '\n'
	writeOther := func(before []byte) { // nil: all that is left
		for len(other) > 0 && (before == nil || other[0] < string(before)) {
			bw.WriteString(other[0])
			bw.WriteByte('\n')
			other = other[1:]
		}
	}
	err := ids.eachHex(func(id *[12]byte) error {
		hex.Encode(line[:24], id[:])
		writeOther(line[:24])
		_, err := bw.Write(line[:])
		return err
	})
	writeOther(nil)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		put.abort(err)
		return fmt.Errorf("write id index %s: %w", k, err)
	}
	if err := put.finish(); err != nil {
		return fmt.Errorf("write id index %s: %w", k, err)
	}
	return nil
}

// idKey is an id as the id sets look it up: RecordID's hex decoded, or the id itself.
type idKey struct {
	hex   [12]byte
	isHex bool
	id    string // when not hex
}

func idKeyOf(id string) idKey {
	if k, ok := hexID(id); ok {
		return idKey{hex: k, isHex: true}
	}
	return idKey{id: id}
}

// hexID decodes 24 lower-case hex digits; upper case would not encode back the same.
func hexID(id string) (k [12]byte, ok bool) {
	if len(id) != 24 {
		return k, false
	}
	bad := byte(0)
	for i := range k {
		hi, lo := hexValue[id[2*i]], hexValue[id[2*i+1]]
		bad |= hi | lo
		k[i] = hi<<4 | lo&0xF
	}
	return k, bad&0x80 == 0
}

// hexValue is each byte's value as a lower-case hex digit, or 0xFF.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case c >= '0' && c <= '9':
			t[c] = byte(c - '0')
		case c >= 'a' && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		default:
			t[c] = 0xFF
		}
	}
	return t
}()
