package table

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// feedbackColumns are the leaf columns of Feedback, in schema order, with the kind of their
// values. FeedbackReader reads these and no others.
var feedbackColumns = []struct {
	name     string
	kind     parquet.Kind
	optional bool
}{
	{"id", parquet.ByteArray, false}, {"channel", parquet.ByteArray, false}, {"native_id", parquet.ByteArray, false},
	{"created_at", parquet.Int64, false}, {"ingested_at", parquet.Int64, false}, {"author_key", parquet.ByteArray, true},
	{"text", parquet.ByteArray, false}, {"url", parquet.ByteArray, true}, {"district", parquet.ByteArray, true},
	{"lat", parquet.Double, true}, {"lon", parquet.Double, true}, {"engagement", parquet.Int64, true},
	{"survey_id", parquet.ByteArray, true}, {"question_id", parquet.ByteArray, true},
	{"service_category", parquet.ByteArray, true}, {"status", parquet.ByteArray, true}, {"closed_at", parquet.Int64, true},
}

// feedbackColumnsMatch reports whether s has exactly the columns FeedbackReader reads.
func feedbackColumnsMatch(s *parquet.Schema) bool {
	cols := s.Columns()
	if len(cols) != len(feedbackColumns) {
		return false
	}
	for i, c := range feedbackColumns {
		leaf, ok := s.Lookup(c.name)
		if !ok || !slices.Equal(cols[i], []string{c.name}) || leaf.ColumnIndex != i ||
			leaf.MaxRepetitionLevel != 0 || leaf.Node.Type().Kind() != c.kind ||
			(leaf.MaxDefinitionLevel != 0) != c.optional {
			return false
		}
	}
	return true
}

// feedbackReadable is whether Feedback still has the columns FeedbackReader knows: a field
// added to Feedback and not to FeedbackReader sends every file to parquet-go's reader.
var feedbackReadable = feedbackColumnsMatch(parquet.SchemaOf(Feedback{}))

// ErrNotFeedbackColumns is returned by NewFeedbackReader for a row group whose columns are
// not Feedback's.
var ErrNotFeedbackColumns = errors.New("columns are not the feedback table's")

// FeedbackReader reads the rows of one row group of a feedback file column by column, as
// parquet.GenericReader[Feedback] would read them but at several times the speed: it reads
// required columns straight from their decoded PLAIN pages and the others as parquet.Values,
// and copies each batch's strings into one buffer per column and page rather than one
// allocation per string. Times are read back in UTC.
type FeedbackReader struct {
	cols   []valueCursor
	left   int64
	values []parquet.Value
	ints   []int64
}

// valueCursor reads the values of one column chunk, a page at a time.
type valueCursor struct {
	pages  parquet.Pages
	values parquet.ValueReader // of the current page; nil before the first and after each

	// A required column's PLAIN pages are read from their decoded arrays, without a
	// parquet.Value a row (see readStrings and readInt64s).
	plain   bool     // whether the current page is read so
	data    []byte   // byte arrays of the current page
	offsets []uint32 // where each byte array of the current page starts, and the last ends
	ints    []int64  // int64s of the current page
	pos     int      // the next value of the current page
}

// NewFeedbackReader starts reading rg, which must have Feedback's columns (else
// ErrNotFeedbackColumns). Close releases its pages.
func NewFeedbackReader(rg parquet.RowGroup) (*FeedbackReader, error) {
	if !feedbackReadable || !feedbackColumnsMatch(rg.Schema()) {
		return nil, ErrNotFeedbackColumns
	}
	chunks := rg.ColumnChunks()
	r := &FeedbackReader{cols: make([]valueCursor, len(chunks)), left: rg.NumRows()}
	for i, c := range chunks {
		r.cols[i].pages = c.Pages()
	}
	return r, nil
}

// Read reads up to len(rows) rows into rows, overwriting every field but Source and Month,
// and returns how many it read; io.EOF once the row group has no more rows.
func (r *FeedbackReader) Read(rows []Feedback) (int, error) {
	n := int(min(int64(len(rows)), r.left))
	if n == 0 {
		return 0, io.EOF
	}
	rows = rows[:n]
	if cap(r.values) < n {
		r.values = make([]parquet.Value, n)
	}
	vals := r.values[:n]
	for col := range r.cols {
		var err error
		switch col {
		case 0, 2, 6: // required strings
			var strs []string
			if strs, err = r.cols[col].readStrings(vals); err == nil {
				setStringColumn(col, rows, strs)
			}
		case 3, 4: // required timestamps
			if cap(r.ints) < n {
				r.ints = make([]int64, n)
			}
			ints := r.ints[:n]
			if err = r.cols[col].readInt64s(ints, vals); err == nil {
				for i, ms := range ints {
					t := time.UnixMilli(ms).UTC()
					if col == 3 {
						rows[i].CreatedAt = t
					} else {
						rows[i].IngestedAt = t
					}
				}
			}
		default:
			err = r.cols[col].read(vals, func(off int, vals []parquet.Value) {
				setColumn(col, rows[off:off+len(vals)], vals)
			})
		}
		if err != nil {
			return 0, fmt.Errorf("read column %s: %w", feedbackColumns[col].name, err)
		}
	}
	r.left -= int64(n)
	return n, nil
}

// read reads the column's next len(vals) values (one a row: no column repeats) into vals,
// handing each page's share to set, with its offset in vals, before the next page is read:
// a page's byte arrays may point into a buffer the next page reuses.
func (c *valueCursor) read(vals []parquet.Value, set func(off int, vals []parquet.Value)) error {
	off := 0
	for off < len(vals) {
		if c.values == nil {
			if err := c.nextPage(false); err != nil {
				return err
			}
		}
		n, err := c.values.ReadValues(vals[off:])
		if n > 0 {
			set(off, vals[off:off+n])
			off += n
		}
		if err == io.EOF {
			c.values = nil // its values were copied out; its buffers go with it
		} else if err != nil {
			return err
		} else if n == 0 {
			return io.ErrNoProgress
		}
	}
	return nil
}

// nextPage moves to the column's next page, to be read from its arrays if plain allows and
// it is a PLAIN page without nulls, else through its values.
func (c *valueCursor) nextPage(plain bool) error {
	p, err := c.pages.ReadPage()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	c.plain, c.values, c.data, c.offsets, c.ints, c.pos = false, nil, nil, nil, nil, 0
	if plain && p.Dictionary() == nil && p.NumNulls() == 0 {
		d := p.Data()
		switch d.Kind() {
		case encoding.ByteArray:
			c.data, c.offsets = d.ByteArray()
			c.plain = int64(len(c.offsets)) == p.NumValues()+1
		case encoding.Int64:
			c.ints = d.Int64()
			c.plain = int64(len(c.ints)) == p.NumValues()
		}
	}
	if !c.plain {
		c.values = p.Values()
	}
	return nil
}

// plainLeft is how many values of the current plain page are left to read.
func (c *valueCursor) plainLeft() int {
	if !c.plain {
		return 0
	}
	if c.offsets != nil {
		return len(c.offsets) - 1 - c.pos
	}
	return len(c.ints) - c.pos
}

// readStrings reads the next len(vals) values of a required byte-array column as strings,
// copied into one buffer a page; vals is scratch space for pages read through values.
func (c *valueCursor) readStrings(vals []parquet.Value) ([]string, error) {
	out := make([]string, len(vals))
	for off := 0; off < len(out); {
		if c.plain {
			n := min(len(out)-off, c.plainLeft())
			base := c.offsets[c.pos]
			buf := slices.Clone(c.data[base:c.offsets[c.pos+n]]) // one copy for them all
			for i := range n {
				if a, b := c.offsets[c.pos+i]-base, c.offsets[c.pos+i+1]-base; b > a {
					out[off+i] = unsafe.String(&buf[a], b-a)
				}
			}
			c.pos += n
			off += n
		} else if c.values != nil {
			n, err := c.values.ReadValues(vals[off:])
			copy(out[off:], byteStrings(vals[off:off+n]))
			off += n
			if err == io.EOF {
				c.values = nil
			} else if err != nil {
				return nil, err
			} else if n == 0 {
				return nil, io.ErrNoProgress
			}
			continue
		}
		if c.plainLeft() == 0 && c.values == nil && off < len(out) {
			if err := c.nextPage(true); err != nil {
				return nil, err
			}
		}
	}
	if c.plain && c.plainLeft() == 0 {
		c.plain = false
	}
	return out, nil
}

// readInt64s reads the next len(out) values of a required int64 column into out; vals is
// scratch space for pages read through values.
func (c *valueCursor) readInt64s(out []int64, vals []parquet.Value) error {
	for off := 0; off < len(out); {
		if c.plain {
			n := copy(out[off:], c.ints[c.pos:])
			c.pos += n
			off += n
		} else if c.values != nil {
			n, err := c.values.ReadValues(vals[off:len(out)])
			for i, v := range vals[off : off+n] {
				out[off+i] = v.Int64()
			}
			off += n
			if err == io.EOF {
				c.values = nil
			} else if err != nil {
				return err
			} else if n == 0 {
				return io.ErrNoProgress
			}
			continue
		}
		if c.plainLeft() == 0 && c.values == nil && off < len(out) {
			if err := c.nextPage(true); err != nil {
				return err
			}
		}
	}
	if c.plain && c.plainLeft() == 0 {
		c.plain = false
	}
	return nil
}

// setStringColumn sets required string column col of rows.
func setStringColumn(col int, rows []Feedback, strs []string) {
	for i, s := range strs {
		switch col {
		case 0:
			rows[i].ID = s
		case 2:
			rows[i].NativeID = s
		case 6:
			rows[i].Text = s
		}
	}
}

// setColumn sets column col of rows from vals.
func setColumn(col int, rows []Feedback, vals []parquet.Value) {
	switch col {
	case 0:
		setStrings(vals, func(i int, s string) { rows[i].ID = s })
	case 1:
		setStrings(vals, func(i int, s string) { rows[i].Channel = s })
	case 2:
		setStrings(vals, func(i int, s string) { rows[i].NativeID = s })
	case 3:
		for i, v := range vals {
			rows[i].CreatedAt = time.UnixMilli(v.Int64()).UTC()
		}
	case 4:
		for i, v := range vals {
			rows[i].IngestedAt = time.UnixMilli(v.Int64()).UTC()
		}
	case 5:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].AuthorKey = s })
	case 6:
		setStrings(vals, func(i int, s string) { rows[i].Text = s })
	case 7:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].URL = s })
	case 8:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].District = s })
	case 9:
		setOptional(vals, parquet.Value.Double, func(i int, f *float64) { rows[i].Lat = f })
	case 10:
		setOptional(vals, parquet.Value.Double, func(i int, f *float64) { rows[i].Lon = f })
	case 11:
		setOptional(vals, parquet.Value.Int64, func(i int, n *int64) { rows[i].Engagement = n })
	case 12:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].SurveyID = s })
	case 13:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].QuestionID = s })
	case 14:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].ServiceCategory = s })
	case 15:
		setOptionalStrings(vals, func(i int, s *string) { rows[i].Status = s })
	case 16:
		setOptional(vals, func(v parquet.Value) time.Time { return time.UnixMilli(v.Int64()).UTC() },
			func(i int, t *time.Time) { rows[i].ClosedAt = t })
	}
}

// byteStrings returns the strings of vals' byte arrays, copied into one new buffer: the
// strings share it, so it lives as long as any of them does. Null values give "".
func byteStrings(vals []parquet.Value) []string {
	size := 0
	for _, v := range vals {
		size += len(v.ByteArray())
	}
	buf := make([]byte, 0, size)
	out := make([]string, len(vals))
	for i, v := range vals {
		b := v.ByteArray()
		if len(b) == 0 {
			continue
		}
		start := len(buf)
		buf = append(buf, b...)
		out[i] = unsafe.String(&buf[start], len(b))
	}
	return out
}

func setStrings(vals []parquet.Value, set func(int, string)) {
	for i, s := range byteStrings(vals) {
		set(i, s)
	}
}

// setOptionalStrings sets pointers into one slice of strings, or nil for null values.
func setOptionalStrings(vals []parquet.Value, set func(int, *string)) {
	nulls := 0
	for _, v := range vals {
		if v.IsNull() {
			nulls++
		}
	}
	if nulls == len(vals) {
		for i := range vals {
			set(i, nil)
		}
		return
	}
	strs := byteStrings(vals)
	for i, v := range vals {
		if v.IsNull() {
			set(i, nil)
		} else {
			set(i, &strs[i])
		}
	}
}

// setOptional sets pointers into one slice of values, or nil for null values.
func setOptional[T any](vals []parquet.Value, get func(parquet.Value) T, set func(int, *T)) {
	var held []T
	for i, v := range vals {
		if v.IsNull() {
			set(i, nil)
			continue
		}
		if held == nil {
			held = make([]T, len(vals))
		}
		held[i] = get(v)
		set(i, &held[i])
	}
}

// Close releases the reader's pages.
func (r *FeedbackReader) Close() error {
	var errs []error
	for _, c := range r.cols {
		errs = append(errs, c.pages.Close())
	}
	return errors.Join(errs...)
}
