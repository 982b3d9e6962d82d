package pipeline

import (
	"errors"
	"fmt"
	"io"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/civicpulse/civicpulse/shared/table"
)

// columnCursor walks the values of one column chunk a page at a time, so that memory holds
// one page per column whatever the size of the row group.
type columnCursor struct {
	pages parquet.Pages
	page  parquet.Page
	vals  []parquet.Value
	i     int
	done  bool
	err   error
}

// fill makes c.vals[c.i] the next value; it reports false at the end of the chunk.
func (c *columnCursor) fill() (bool, error) {
	for c.i >= len(c.vals) {
		if c.done {
			return false, nil
		}
		// Pages are left to the garbage collector rather than parquet.Release'd to the pool:
		// releasing them made two workers count a few rows differently on 10M rows.
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
	c.page = nil
	if c.pages != nil {
		c.pages.Close()
	}
}

// The columns of scored feedback the KPI stage reads: the other fifteen are never decoded.
const (
	colAuthorKey = iota
	colChannel
	colClosedAt
	colCreatedAt
	colDistrict
	colEngagement
	colID
	colKeyphrases
	colSentiment
	colSentimentLabel
	colText
	colTopics
	numKPIColumns
)

var kpiColumnNames = [numKPIColumns]string{"author_key", "channel", "closed_at", "created_at", "district",
	"engagement", "id", "keyphrases", "sentiment", "sentiment_label", "text", "topics"}

// bytesString views b as a string without copying. The string is valid only while the page
// that holds b is: rows are folded one at a time, and the computer clones what it keeps.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// foldScoredColumns streams the projected scored-feedback rows of a Parquet file to fold,
// decoding the projection's column chunks page by page rather than through row
// reconstruction. Each row handed to fold views the file's pages: fold must copy what it
// keeps, and gets one row at a time so that no row outlives the pages it views.
func foldScoredColumns(f *parquet.File, source string, fold func([]table.ScoredFeedback)) error {
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
		cur                [numKPIColumns]columnCursor
		author, district   string
		engagement         int64
		closedAt           time.Time
		topics, keyphrases []string
		row                = make([]table.ScoredFeedback, 1)
	)
	for _, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		for i, s := range src {
			cur[i] = columnCursor{pages: chunks[s].Pages(), vals: cur[i].vals}
		}
		err := func() error {
			defer func() {
				for i := range cur {
					cur[i].close()
				}
			}()
			for range rg.NumRows() {
				r := &row[0]
				*r = table.ScoredFeedback{Source: source}
				if v := cur[colID].next(); v != nil && !v.IsNull() {
					r.ID = bytesString(v.ByteArray())
				}
				if v := cur[colChannel].next(); v != nil && !v.IsNull() {
					r.Channel = bytesString(v.ByteArray())
				}
				if v := cur[colCreatedAt].next(); v != nil && !v.IsNull() {
					r.CreatedAt = time.UnixMilli(v.Int64()).UTC()
				}
				if v := cur[colAuthorKey].next(); v != nil && !v.IsNull() {
					author = bytesString(v.ByteArray())
					r.AuthorKey = &author
				}
				if v := cur[colText].next(); v != nil && !v.IsNull() {
					r.Text = bytesString(v.ByteArray())
				}
				if v := cur[colDistrict].next(); v != nil && !v.IsNull() {
					district = bytesString(v.ByteArray())
					r.District = &district
				}
				if v := cur[colEngagement].next(); v != nil && !v.IsNull() {
					engagement = v.Int64()
					r.Engagement = &engagement
				}
				if v := cur[colClosedAt].next(); v != nil && !v.IsNull() {
					closedAt = time.UnixMilli(v.Int64()).UTC()
					r.ClosedAt = &closedAt
				}
				if v := cur[colSentiment].next(); v != nil && !v.IsNull() {
					r.Sentiment = v.Double()
				}
				if v := cur[colSentimentLabel].next(); v != nil && !v.IsNull() {
					r.SentimentLabel = bytesString(v.ByteArray())
				}
				topics = readList(&cur[colTopics], topics[:0])
				if len(topics) > 0 {
					r.Topics = topics
				}
				keyphrases = readList(&cur[colKeyphrases], keyphrases[:0])
				if len(keyphrases) > 0 {
					r.Keyphrases = keyphrases
				}
				for i := range cur {
					if err := cur[i].err; err != nil {
						return fmt.Errorf("column %s: %w", kpiColumnNames[i], err)
					}
				}
				fold(row)
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// readList appends the non-null values of the next row of a list column to dst.
func readList(c *columnCursor, dst []string) []string {
	for first := true; first || c.more(); first = false {
		if v := c.next(); v != nil && !v.IsNull() {
			dst = append(dst, bytesString(v.ByteArray()))
		}
	}
	return dst
}
