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

// columnCursor walks the values of one column chunk a page at a time, so that memory holds
// one page per column whatever the size of the row group. Pages go back to parquet-go's pool
// once no value of the row being read views them: for a list column, whose row may continue
// on the next page, only when the next row starts (see release).
type columnCursor struct {
	pages parquet.Pages
	page  parquet.Page
	held  []parquet.Page // list column: pages the current row may still view
	list  bool
	vals  []parquet.Value
	i     int
	done  bool
	err   error
}

// release gives back the pages that no longer hold a value of the row being read: called by
// readList when a row starts.
func (c *columnCursor) release() {
	for i, p := range c.held {
		parquet.Release(p)
		c.held[i] = nil
	}
	c.held = c.held[:0]
}

// fill makes c.vals[c.i] the next value; it reports false at the end of the chunk.
func (c *columnCursor) fill() (bool, error) {
	for c.i >= len(c.vals) {
		if c.done {
			return false, nil
		}
		// Releasing the page of a list column here made two workers count a few rows
		// differently on 10M rows: the row being read still viewed its first topics when its
		// list went on in the next page, and another worker's page reused the buffer.
		if c.page != nil {
			if c.list {
				c.held = append(c.held, c.page)
			} else {
				parquet.Release(c.page)
			}
		}
		c.page = nil
		p, err := c.pages.ReadPage()
		if errors.Is(err, io.EOF) {
			c.done = true
			return false, nil
		}
		if err != nil {
			return false, err
		}
		c.page = p
		n := int(p.NumValues())
		if cap(c.vals) < n {
			c.vals = make([]parquet.Value, n)
		}
		c.vals = c.vals[:n]
		c.i = 0
		r := p.Values()
		read := 0
		for read < n {
			m, err := r.ReadValues(c.vals[read:])
			read += m
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return false, err
			}
			if m == 0 {
				break
			}
		}
		c.vals = c.vals[:read]
	}
	return true, nil
}

// next returns the first value of the next row, or nil (setting c.err) past the end.
func (c *columnCursor) next() *parquet.Value {
	if c.i < len(c.vals) {
		v := &c.vals[c.i]
		c.i++
		return v
	}
	return c.nextPage()
}

func (c *columnCursor) nextPage() *parquet.Value {
	ok, err := c.fill()
	if err == nil && !ok {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		if c.err == nil {
			c.err = err
		}
		return nil
	}
	v := &c.vals[c.i]
	c.i++
	return v
}

// more reports whether the next value continues the current row (a repeated column).
func (c *columnCursor) more() bool {
	if c.i < len(c.vals) {
		return c.vals[c.i].RepetitionLevel() != 0
	}
	ok, err := c.fill()
	if err != nil && c.err == nil {
		c.err = err
	}
	return ok && err == nil && c.vals[c.i].RepetitionLevel() != 0
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

// bytesString views b as a string without copying. The string is valid only while the page
// that holds b is: rows are folded one at a time, and the computer clones what it keeps.
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
// (kpi.Computer.MayQuote). Rows are folded one at a time, so that no row outlives the pages
// it views.
func foldScoredColumns(f *parquet.File, source string, comp *kpi.Computer) error {
	return scanScoredColumns(f, source, comp, false)
}

// quoteScoredColumns offers the rows of a Parquet file, folded before, to the emerging
// phrases of comp (kpi.DeferPhraseQuotes): it reads the columns that decide whether a row
// may be quoted, and the id and text of those that may.
func quoteScoredColumns(f *parquet.File, source string, comp *kpi.Computer) error {
	return scanScoredColumns(f, source, comp, true)
}

// nextIf is cur[col].next() if the column is read, else nil.
func (cur *foldCursors) nextIf(col int, need *[numFoldColumns]bool) *parquet.Value {
	if !need[col] {
		return nil
	}
	return cur[col].next()
}

// foldCursors are the cursors of the columns read for every row.
type foldCursors [numFoldColumns]columnCursor

// allColumns are the columns foldScoredColumns reads for every row, quoteColumns those
// quoteScoredColumns reads.
var allColumns = func() (all [numFoldColumns]bool) {
	for i := range all {
		all[i] = true
	}
	return all
}()
var quoteColumns = [numFoldColumns]bool{colAuthorKey: true, colCreatedAt: true, colEngagement: true,
	colKeyphrases: true, colSentiment: true}

// scanScoredColumns is foldScoredColumns, or with quotesOnly quoteScoredColumns.
func scanScoredColumns(f *parquet.File, source string, comp *kpi.Computer, quotesOnly bool) error {
	need := allColumns
	if quotesOnly {
		need = quoteColumns
	}
	mayQuote := comp.FoldRow
	if quotesOnly {
		mayQuote = comp.MayQuote
	}
	var src [numKPIColumns]int
	for i, name := range kpiColumnNames {
		path := []string{name}
		if name == "topics" || name == "keyphrases" {
			path = []string{name, "list", "element"}
		}
		leaf, ok := f.Schema().Lookup(path...)
		if !ok || leaf.Node == nil {
			return fmt.Errorf("column %v: %w", path, errNotProjectable)
		}
		src[i] = leaf.ColumnIndex
	}
	var (
		cur                foldCursors
		author, district   string
		engagement         int64
		closedAt           time.Time
		topics, keyphrases []string
		row                table.ScoredFeedback
		pending            []quoted
	)
	for _, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		for i := range cur {
			if !need[i] {
				continue // never read: its cursor stays empty
			}
			// The value buffer is reused emptied: left as the last page of the previous row
			// group filled it, the cursor served those values as the first rows of this one,
			// and every column of a file of several row groups went out of step by the length
			// of its last page.
			cur[i] = columnCursor{pages: chunks[src[i]].Pages(), vals: cur[i].vals[:0], held: cur[i].held[:0],
				list: i == colTopics || i == colKeyphrases}
		}
		ids, texts := quotedColumn{chunk: chunks[src[colID]]}, quotedColumn{chunk: chunks[src[colText]]}
		// quote reads the id and text of the pending rows and offers them as quotes. It runs
		// every few hundred pending rows, not once a row group: the quote lists fill, and
		// turn rows away, only once rows with text reach them.
		quote := func() error {
			if len(pending) == 0 {
				return nil
			}
			rows := make([]table.ScoredFeedback, len(pending))
			for i, p := range pending {
				rows[i] = p.row
			}
			if err := ids.read(pending, func(i int, v string) { rows[i].ID = v }); err != nil {
				return fmt.Errorf("column id: %w", err)
			}
			if err := texts.read(pending, func(i int, v string) { rows[i].Text = v }); err != nil {
				return fmt.Errorf("column text: %w", err)
			}
			comp.AddQuotes(rows)
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
			for index := range rg.NumRows() {
				r := &row
				*r = table.ScoredFeedback{Source: source}
				if v := cur.nextIf(colChannel, &need); v != nil && !v.IsNull() {
					r.Channel = bytesString(v.ByteArray())
				}
				if v := cur[colCreatedAt].next(); v != nil && !v.IsNull() {
					r.CreatedAt = time.UnixMilli(v.Int64()).UTC()
				}
				if v := cur[colAuthorKey].next(); v != nil && !v.IsNull() {
					author = bytesString(v.ByteArray())
					r.AuthorKey = &author
				}
				if v := cur.nextIf(colDistrict, &need); v != nil && !v.IsNull() {
					district = bytesString(v.ByteArray())
					r.District = &district
				}
				if v := cur[colEngagement].next(); v != nil && !v.IsNull() {
					engagement = v.Int64()
					r.Engagement = &engagement
				}
				if v := cur.nextIf(colClosedAt, &need); v != nil && !v.IsNull() {
					closedAt = time.UnixMilli(v.Int64()).UTC()
					r.ClosedAt = &closedAt
				}
				if v := cur[colSentiment].next(); v != nil && !v.IsNull() {
					r.Sentiment = v.Double()
				}
				if v := cur.nextIf(colSentimentLabel, &need); v != nil && !v.IsNull() {
					r.SentimentLabel = bytesString(v.ByteArray())
				}
				topics = topics[:0]
				if need[colTopics] {
					topics = readList(&cur[colTopics], topics)
				}
				if len(topics) > 0 {
					r.Topics = topics
				}
				keyphrases = readList(&cur[colKeyphrases], keyphrases[:0])
				if len(keyphrases) > 0 {
					r.Keyphrases = keyphrases
				}
				for i := range cur {
					if err := cur[i].err; need[i] && err != nil {
						return fmt.Errorf("column %s: %w", kpiColumnNames[i], err)
					}
				}
				if mayQuote(r) {
					pending = append(pending, quoted{index: index, row: cloneQuotable(r)})
					if len(pending) == quoteBatch {
						if err := quote(); err != nil {
							return err
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
	pages parquet.Pages
	seq   *columnCursor // without an offset index: a sequential read
	at    int64         // the row seq reads next
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
			q.seq = &columnCursor{pages: q.chunk.Pages()}
		} else {
			q.pages = q.chunk.Pages()
		}
	}
	var v [1]parquet.Value
	for i, p := range pending {
		if q.seq != nil {
			for ; q.at <= p.index; q.at++ {
				x := q.seq.next()
				if x == nil {
					return fmt.Errorf("read row %d: %w", p.index, q.seq.err)
				}
				if q.at == p.index {
					set(i, strings.Clone(bytesString(x.ByteArray())))
				}
			}
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

// readList appends the non-null values of the next row of a list column to dst.
func readList(c *columnCursor, dst []string) []string {
	c.release() // the previous row is folded
	for first := true; first || c.more(); first = false {
		if v := c.next(); v != nil && !v.IsNull() {
			dst = append(dst, bytesString(v.ByteArray()))
		}
	}
	return dst
}
