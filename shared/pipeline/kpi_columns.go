package pipeline

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// columnCursor walks one column chunk a page at a time through the pages' typed data
// (Page.Data and the definition and repetition levels), never through parquet.Value: a
// Value per cell, filled by an interface call, was most of the stage's time. Memory holds
// the page being read, and of a column of plain strings the pages the batch being read may
// still view (see release). A dictionary-encoded page is read by index: its dictionary's
// values are copied once per column chunk.
type columnCursor struct {
	pages  parquet.Pages
	page   parquet.Page
	held   []parquet.Page // plain string pages the current batch may still view
	kind   parquet.Kind
	maxDef byte // a value is present (not null, not an empty list) at this level
	done   bool

	// The current page: n level entries, the next entry i, the next present value v.
	defs, reps []byte // nil when the column has none
	n, i, v    int
	idx        []int32 // of a dictionary-encoded page, else nil
	i64        []int64
	f64        []float64
	str        []string // of a plain byte-array page, viewing it

	dict    parquet.Dictionary // the dictionary whose values follow
	dictI64 []int64
	dictF64 []float64
	dictStr []string // copies: they outlive the dictionary's pages
}

func newColumnCursor(chunk parquet.ColumnChunk, leaf parquet.LeafColumn, reuse *columnCursor) columnCursor {
	return columnCursor{pages: chunk.Pages(), kind: leaf.Node.Type().Kind(), maxDef: byte(leaf.MaxDefinitionLevel),
		held: reuse.held[:0], str: reuse.str[:0], dictStr: reuse.dictStr[:0]}
}

// release gives back the pages no value of the next batch views: called when a batch starts.
func (c *columnCursor) release() {
	for i, p := range c.held {
		parquet.Release(p)
		c.held[i] = nil
	}
	c.held = c.held[:0]
}

func (c *columnCursor) close() {
	c.release()
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		c.pages.Close()
	}
}

// load makes the next page of the chunk current; it reports false at the end of the chunk.
func (c *columnCursor) load() (bool, error) {
	if c.done {
		return false, nil
	}
	if c.page != nil {
		if c.kind == parquet.ByteArray && c.idx == nil {
			// Releasing it here made the rows of a batch view another page's reused buffer.
			c.held = append(c.held, c.page)
		} else {
			parquet.Release(c.page)
		}
		c.page = nil
	}
	p, err := c.pages.ReadPage()
	if errors.Is(err, io.EOF) {
		c.done = true
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c.page = p
	c.n, c.i, c.v = int(p.NumValues()), 0, 0
	c.defs, c.reps = p.DefinitionLevels(), p.RepetitionLevels()
	if c.maxDef == 0 || len(c.defs) == 0 {
		c.defs = nil
	}
	if len(c.reps) == 0 {
		c.reps = nil
	}
	if c.defs != nil && len(c.defs) != c.n || c.reps != nil && len(c.reps) != c.n {
		return false, fmt.Errorf("page of %d values has %d definition and %d repetition levels", c.n, len(c.defs), len(c.reps))
	}
	present := c.n
	if c.defs != nil {
		present = 0
		for _, d := range c.defs {
			if d == c.maxDef {
				present++
			}
		}
	}
	data := p.Data()
	var have int
	if d := p.Dictionary(); d != nil {
		c.idx = data.Int32()
		if d != c.dict {
			c.setDictionary(d)
		}
		size := len(c.dictStr) + len(c.dictI64) + len(c.dictF64) // one of them
		for _, x := range c.idx[:min(present, len(c.idx))] {
			if x < 0 || int(x) >= size {
				return false, fmt.Errorf("dictionary index %d out of %d values", x, size)
			}
		}
		have = len(c.idx)
	} else {
		c.idx = nil
		switch c.kind {
		case parquet.Int64:
			c.i64 = data.Int64()
			have = len(c.i64)
		case parquet.Double:
			c.f64 = data.Double()
			have = len(c.f64)
		case parquet.ByteArray:
			b, offs := data.ByteArray()
			c.str = c.str[:0]
			for j := 1; j < len(offs); j++ {
				c.str = append(c.str, bytesString(b[offs[j-1]:offs[j]]))
			}
			have = len(c.str)
		}
	}
	if have < present {
		return false, fmt.Errorf("page has %d values for %d present", have, present)
	}
	return true, nil
}

func (c *columnCursor) setDictionary(d parquet.Dictionary) {
	c.dict = d
	c.dictI64, c.dictF64, c.dictStr = c.dictI64[:0], c.dictF64[:0], c.dictStr[:0]
	data := d.Page().Data()
	switch c.kind {
	case parquet.Int64:
		c.dictI64 = append(c.dictI64, data.Int64()...)
	case parquet.Double:
		c.dictF64 = append(c.dictF64, data.Double()...)
	case parquet.ByteArray:
		b, offs := data.ByteArray()
		for j := 1; j < len(offs); j++ {
			c.dictStr = append(c.dictStr, string(b[offs[j-1]:offs[j]]))
		}
	}
}

// readScalars fills dst and has with the next len(dst) rows of a column that is not
// repeated; plain and dict pick the cursor's values of a plain and a dictionary page.
func readScalars[T any](c *columnCursor, dst []T, has []bool, plain, dict func(*columnCursor) []T) error {
	var zero T
	for k := 0; k < len(dst); {
		if c.i == c.n {
			ok, err := c.load()
			if err != nil {
				return err
			}
			if !ok {
				return io.ErrUnexpectedEOF
			}
			continue
		}
		m := min(len(dst)-k, c.n-c.i)
		out, ok := dst[k:k+m], has[k:k+m]
		switch {
		case c.defs == nil && c.idx == nil:
			copy(out, plain(c)[c.v:c.v+m])
			c.v += m
			for j := range ok {
				ok[j] = true
			}
		case c.defs == nil:
			vals := dict(c)
			for j, x := range c.idx[c.v : c.v+m] {
				out[j], ok[j] = vals[x], true
			}
			c.v += m
		default:
			var vals []T
			if c.idx == nil {
				vals = plain(c)
			} else {
				vals = dict(c)
			}
			for j, d := range c.defs[c.i : c.i+m] {
				if d != c.maxDef {
					out[j], ok[j] = zero, false
					continue
				}
				x := c.v
				if c.idx != nil {
					x = int(c.idx[x])
				}
				out[j], ok[j] = vals[x], true
				c.v++
			}
		}
		c.i += m
		k += m
	}
	return nil
}

func plainInt64s(c *columnCursor) []int64     { return c.i64 }
func dictInt64s(c *columnCursor) []int64      { return c.dictI64 }
func plainFloat64s(c *columnCursor) []float64 { return c.f64 }
func dictFloat64s(c *columnCursor) []float64  { return c.dictF64 }
func plainStrings(c *columnCursor) []string   { return c.str }
func dictStrings(c *columnCursor) []string    { return c.dictStr }

// readLists appends the present values of the next n rows of a repeated string column to
// dst[:0], row k from start[k] to start[k+1]. A row ends where the next starts (repetition
// level 0), which may be on the next page: a list may run across pages.
func (c *columnCursor) readLists(n int, dst []string, start []int32) ([]string, error) {
	dst = dst[:0]
	for k := range n {
		start[k] = int32(len(dst))
		for first := true; ; {
			if c.i == c.n {
				ok, err := c.load()
				if err != nil {
					return dst, err
				}
				if !ok {
					if first {
						return dst, io.ErrUnexpectedEOF
					}
					break
				}
				continue
			}
			if !first && (c.reps == nil || c.reps[c.i] == 0) {
				break
			}
			first = false
			if c.defs == nil || c.defs[c.i] == c.maxDef {
				if c.idx != nil {
					dst = append(dst, c.dictStr[c.idx[c.v]])
				} else {
					dst = append(dst, c.str[c.v])
				}
				c.v++
			}
			c.i++
		}
	}
	start[n] = int32(len(dst))
	return dst, nil
}

// The columns of scored feedback the KPI stage reads: the other thirteen are never decoded,
// and the id and text (most of a file's bytes once decompressed) only for the few rows that
// may be quoted.
const (
	colAuthorKey = iota
	colChannel
	colClosedAt
	colCreatedAt
	colDistrict
	colEngagement
	colKeyphrases
	colSentiment
	colSentimentLabel
	colTopics
	colID   // read by quotedColumn, for the rows that may be quoted only
	colText //
	numKPIColumns
)

const numFoldColumns = colID // the columns read for every row

var kpiColumnNames = [numKPIColumns]string{"author_key", "channel", "closed_at", "created_at", "district",
	"engagement", "keyphrases", "sentiment", "sentiment_label", "topics", "id", "text"}

// kpiColumnKinds are the physical types the typed reads expect; a file that stores a column
// otherwise is read row by row (errNotProjectable).
var kpiColumnKinds = [numKPIColumns]parquet.Kind{colClosedAt: parquet.Int64, colCreatedAt: parquet.Int64,
	colEngagement: parquet.Int64, colSentiment: parquet.Double, colAuthorKey: parquet.ByteArray,
	colChannel: parquet.ByteArray, colDistrict: parquet.ByteArray, colKeyphrases: parquet.ByteArray,
	colSentimentLabel: parquet.ByteArray, colTopics: parquet.ByteArray, colID: parquet.ByteArray,
	colText: parquet.ByteArray}

// bytesString views b as a string without copying. The string is valid only while the page
// that holds b is: a batch's rows are folded before its pages go back, and the computer
// clones what it keeps.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// quoted is a row that may be quoted, with its place in the row group, waiting for its id
// and text.
type quoted struct {
	index int64
	row   table.ScoredFeedback
}

// foldScoredColumns folds the projected scored-feedback rows of a Parquet file into comp,
// decoding the projection's column chunks page by page rather than through row
// reconstruction. Rows are folded without their id and text; the rows comp may quote get
// them from a second read of those two columns that decodes only the pages holding them
// (kpi.Computer.MayQuote).
func foldScoredColumns(f *parquet.File, source string, comp *kpi.Computer) error {
	return scanScoredColumns(f, source, comp, false, new(scanScratch))
}

// allColumns are the columns foldScoredColumns reads for every row, quoteColumns those the
// quote pass reads (scanScoredColumns with quotesOnly).
var allColumns = func() (all [numFoldColumns]bool) {
	for i := range all {
		all[i] = true
	}
	return all
}()
var quoteColumns = [numFoldColumns]bool{colAuthorKey: true, colCreatedAt: true, colEngagement: true,
	colKeyphrases: true, colSentiment: true}

// batchRows is how many rows of each column are decoded before they are folded: enough for
// the decoding loops to run long, few enough that a batch stays in the caches.
const batchRows = 2048

// scoredBatch is batchRows rows of the projection, a slice per column; a has slice tells
// which values are present (not null). Strings view pages or a dictionary's copies.
type scoredBatch struct {
	int64s  [3][batchRows]int64 // created_at, closed_at, engagement
	hasInt  [3][batchRows]bool
	sent    [batchRows]float64
	hasSent [batchRows]bool
	strs    [4][batchRows]string // author_key, channel, district, sentiment_label
	hasStr  [4][batchRows]bool
	topics  []string
	phrases []string
	tStart  [batchRows + 1]int32
	pStart  [batchRows + 1]int32
}

// Where each column of the projection goes in a scoredBatch: int64s and strs.
const (
	slotCreatedAt, slotClosedAt, slotEngagement         = 0, 1, 2
	slotAuthorKey, slotChannel, slotDistrict, slotLabel = 0, 1, 2, 3
)

var batchSlot = [numFoldColumns]int{colCreatedAt: slotCreatedAt, colClosedAt: slotClosedAt,
	colEngagement: slotEngagement, colAuthorKey: slotAuthorKey, colChannel: slotChannel,
	colDistrict: slotDistrict, colSentimentLabel: slotLabel}

// read decodes the next n rows of the needed columns into b.
func (b *scoredBatch) read(cur *[numFoldColumns]columnCursor, need *[numFoldColumns]bool, n int) error {
	for col := range cur {
		if !need[col] {
			continue
		}
		c := &cur[col]
		c.release() // the previous batch is folded
		var err error
		switch col {
		case colTopics:
			b.topics, err = c.readLists(n, b.topics, b.tStart[:])
		case colKeyphrases:
			b.phrases, err = c.readLists(n, b.phrases, b.pStart[:])
		case colSentiment:
			err = readScalars(c, b.sent[:n], b.hasSent[:n], plainFloat64s, dictFloat64s)
		case colCreatedAt, colClosedAt, colEngagement:
			s := batchSlot[col]
			err = readScalars(c, b.int64s[s][:n], b.hasInt[s][:n], plainInt64s, dictInt64s)
		default:
			s := batchSlot[col]
			err = readScalars(c, b.strs[s][:n], b.hasStr[s][:n], plainStrings, dictStrings)
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", kpiColumnNames[col], err)
		}
	}
	return nil
}

// scanScoredColumns is foldScoredColumns reusing scratch (which one goroutine at a time may
// use). With quotesOnly it offers the rows of a file folded before to the emerging phrases of
// comp (kpi.DeferPhraseQuotes) instead: it reads the columns that decide whether a row may be
// quoted, and the id and text of those that may.
func scanScoredColumns(f *parquet.File, source string, comp *kpi.Computer, quotesOnly bool, scratch *scanScratch) error {
	need := allColumns
	if quotesOnly {
		need = quoteColumns
	}
	mayQuote := comp.FoldRow
	if quotesOnly {
		mayQuote = comp.MayQuote
	}
	var leaves [numKPIColumns]parquet.LeafColumn
	for i, name := range kpiColumnNames {
		path := []string{name}
		if name == "topics" || name == "keyphrases" {
			path = []string{name, "list", "element"}
		}
		leaf, ok := f.Schema().Lookup(path...)
		if !ok || leaf.Node == nil || leaf.Node.Type().Kind() != kpiColumnKinds[i] {
			return fmt.Errorf("column %v: %w", path, errNotProjectable)
		}
		leaves[i] = leaf
	}
	// Rows created outside [lo, hi) are outside the trend window (kpi.Computer counts a
	// quarter's rows from a day beyond its bounds by its calendar): they are neither folded
	// nor quoted, so they are not even made into rows.
	const day = 86400000
	window := comp.Window()
	first, _ := comp.Calendar().Bounds(window[0])
	_, last := comp.Calendar().Bounds(window[len(window)-1])
	lo, hi := first.UnixMilli()-day, last.UnixMilli()+day
	scratch.reset(&need)
	var (
		cur       = &scratch.cur
		b         = &scratch.b
		closedAt  time.Time
		row       = table.ScoredFeedback{Source: source}
		pending   = scratch.pending[:0]
		created   = &b.int64s[slotCreatedAt]
		hasCreate = &b.hasInt[slotCreatedAt]
	)
	defer func() { scratch.pending = pending[:0] }()
	for _, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		for i := range cur {
			if need[i] {
				cur[i] = newColumnCursor(chunks[leaves[i].ColumnIndex], leaves[i], &cur[i])
			}
		}
		ids := quotedColumn{chunk: chunks[leaves[colID].ColumnIndex], leaf: leaves[colID]}
		texts := quotedColumn{chunk: chunks[leaves[colText].ColumnIndex], leaf: leaves[colText]}
		// quote reads the id and text of the pending rows and offers them as quotes. It runs
		// every few hundred pending rows, not once a row group: the quote lists fill, and
		// turn rows away, only once rows with text reach them. Rows are offered one at a
		// time, and each is asked MayQuote again first: the rows offered before it may have
		// made the lists more selective (kpi.Computer.TightenQuotes), and a row they now turn
		// away need not be read.
		quote := func() error {
			for i := range pending {
				p := &pending[i]
				if !comp.MayQuote(&p.row) {
					continue
				}
				one := pending[i : i+1]
				if err := ids.read(one, func(_ int, v string) { p.row.ID = v }); err != nil {
					return fmt.Errorf("column id: %w", err)
				}
				if err := texts.read(one, func(_ int, v string) { p.row.Text = v }); err != nil {
					return fmt.Errorf("column text: %w", err)
				}
				comp.AddQuotes(unsafe.Slice(&p.row, 1))
				comp.TightenQuotes(&p.row) // so that MayQuote turns away more of the rows that follow
			}
			pending = pending[:0]
			return nil
		}
		err := func() error {
			defer func() {
				for i := range cur {
					if need[i] {
						cur[i].close()
					}
				}
				ids.close()
				texts.close()
			}()
			rows := rg.NumRows()
			for base := int64(0); base < rows; base += batchRows {
				n := int(min(batchRows, rows-base))
				if err := b.read(cur, &need, n); err != nil {
					return err
				}
				for j := range n {
					ms := created[j]
					if !hasCreate[j] || ms < lo || ms >= hi {
						continue // a null created_at is the zero time: outside too
					}
					// Every field the projection reads is set: the row is not zeroed whole,
					// a struct of thirty fields that the garbage collector watches.
					r := &row
					r.CreatedAt, r.Sentiment = time.UnixMilli(ms).UTC(), b.sent[j]
					r.Channel, r.SentimentLabel = b.strs[slotChannel][j], b.strs[slotLabel][j]
					r.AuthorKey, r.District, r.ClosedAt, r.Engagement = nil, nil, nil, nil
					r.Topics, r.Keyphrases = nil, nil
					if b.hasStr[slotAuthorKey][j] {
						r.AuthorKey = &b.strs[slotAuthorKey][j]
					}
					if b.hasStr[slotDistrict][j] {
						r.District = &b.strs[slotDistrict][j]
					}
					if b.hasInt[slotClosedAt][j] {
						closedAt = time.UnixMilli(b.int64s[slotClosedAt][j]).UTC()
						r.ClosedAt = &closedAt
					}
					if b.hasInt[slotEngagement][j] {
						r.Engagement = &b.int64s[slotEngagement][j]
					}
					if s, e := b.tStart[j], b.tStart[j+1]; e > s {
						r.Topics = b.topics[s:e:e]
					}
					if s, e := b.pStart[j], b.pStart[j+1]; e > s {
						r.Keyphrases = b.phrases[s:e:e]
					}
					if mayQuote(r) {
						pending = append(pending, quoted{index: base + int64(j), row: cloneQuotable(r)})
						if len(pending) == quoteBatch {
							if err := quote(); err != nil {
								return err
							}
						}
					}
				}
			}
			return quote()
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// scanScratch is what scanScoredColumns reuses from one object to the next: a batch is a
// quarter of a megabyte and the cursors' slices grow to a page's values; made anew for each of
// a quarter's thousands of objects, they were two thirds of the stage's allocations (7 GB on
// ten million rows) and kept the garbage collector busy. Each worker of the KPI stage has its
// own, and the quote pass one: they go when their pass ends.
type scanScratch struct {
	cur     [numFoldColumns]columnCursor
	b       scoredBatch
	pending []quoted
}

// reset readies a scratch for a scan that reads the need columns: the values of the others
// are cleared, so that no row reads what a scan of another object left (strings that view
// pages given back), and the pending quotes of the last scan are let go.
func (s *scanScratch) reset(need *[numFoldColumns]bool) {
	b := &s.b
	for col, read := range need {
		if read {
			continue
		}
		switch col {
		case colTopics:
			b.topics, b.tStart = b.topics[:0], [batchRows + 1]int32{}
		case colKeyphrases:
			b.phrases, b.pStart = b.phrases[:0], [batchRows + 1]int32{}
		case colSentiment:
			b.sent, b.hasSent = [batchRows]float64{}, [batchRows]bool{}
		case colCreatedAt, colClosedAt, colEngagement:
			b.int64s[batchSlot[col]], b.hasInt[batchSlot[col]] = [batchRows]int64{}, [batchRows]bool{}
		default:
			b.strs[batchSlot[col]], b.hasStr[batchSlot[col]] = [batchRows]string{}, [batchRows]bool{}
		}
	}
	clear(s.pending[:cap(s.pending)])
	s.pending = s.pending[:0]
}

// quoteBatch is how many rows that may be quoted wait for their id and text.
const quoteBatch = 128

// cloneQuotable copies what AddQuotes reads of a row that views pages.
func cloneQuotable(r *table.ScoredFeedback) table.ScoredFeedback {
	c := table.ScoredFeedback{Source: r.Source, CreatedAt: r.CreatedAt, Sentiment: r.Sentiment,
		SentimentLabel: strings.Clone(r.SentimentLabel), Channel: strings.Clone(r.Channel)}
	if r.AuthorKey != nil {
		c.AuthorKey = new(strings.Clone(*r.AuthorKey))
	}
	if r.Engagement != nil {
		c.Engagement = new(*r.Engagement)
	}
	for _, t := range r.Topics {
		c.Topics = append(c.Topics, strings.Clone(t))
	}
	for _, k := range r.Keyphrases {
		c.Keyphrases = append(c.Keyphrases, strings.Clone(k))
	}
	return c
}

// quotedColumn reads the values of a required string column at rows in increasing order,
// decoding only the pages that hold them: the file's offset index locates the pages.
type quotedColumn struct {
	chunk parquet.ColumnChunk
	leaf  parquet.LeafColumn
	pages parquet.Pages
	seq   *columnCursor // without an offset index: a sequential read
	at    int64         // the row seq reads next
	skip  [256]string
	has   [256]bool
}

func (q *quotedColumn) close() {
	if q.pages != nil {
		q.pages.Close()
	}
	if q.seq != nil {
		q.seq.close()
	}
}

// read calls set with the value of each pending row.
func (q *quotedColumn) read(pending []quoted, set func(i int, v string)) error {
	if q.pages == nil && q.seq == nil {
		if _, err := q.chunk.OffsetIndex(); err != nil {
			// No offset index to seek with: each seek would decode the chunk from its start.
			c := newColumnCursor(q.chunk, q.leaf, &columnCursor{})
			q.seq = &c
		} else {
			q.pages = q.chunk.Pages()
		}
	}
	var v [1]parquet.Value
	for i, p := range pending {
		if q.seq != nil {
			if q.at > p.index {
				return fmt.Errorf("read row %d after row %d", p.index, q.at-1)
			}
			n := 0
			for q.at <= p.index {
				q.seq.release() // what was read before is copied
				n = int(min(p.index+1-q.at, int64(len(q.skip))))
				if err := readScalars(q.seq, q.skip[:n], q.has[:n], plainStrings, dictStrings); err != nil {
					return fmt.Errorf("read row %d: %w", p.index, err)
				}
				q.at += int64(n)
			}
			set(i, strings.Clone(q.skip[n-1])) // the last value read is the row's
			continue
		}
		if err := q.pages.SeekToRow(p.index); err != nil {
			return fmt.Errorf("seek to row %d: %w", p.index, err)
		}
		// The page is left to the garbage collector: the pages reader may serve the next
		// row from it again.
		page, err := q.pages.ReadPage()
		if err != nil {
			return fmt.Errorf("read row %d: %w", p.index, err)
		}
		n, err := page.Values().ReadValues(v[:])
		if n == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read row %d: %w", p.index, err)
		}
		set(i, strings.Clone(bytesString(v[0].ByteArray())))
	}
	return nil
}
