// Package spill sorts more records than memory should hold. Add buffers records; a full
// buffer is sorted and, once the records in memory pass a limit, written to an unlinked
// temporary file as a sorted run; All reads every record back in order, merging the runs. So
// memory stays near the limit whatever the number of records, and a small input never
// touches the disk.
//
// The order is stable: records that compare equal come back in the order they were added
// (and a sorter's records before those of a sorter it absorbed), so "the first one added"
// keeps its meaning after sorting.
//
// The KPI stage uses it to keep exact figures (distinct authors, order statistics, phrase
// counts, survey responses) over quarters of tens of millions of records in flat memory.
package spill

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
)

// DefaultLimit is the bytes of records a Sorter keeps in memory unless told otherwise.
const DefaultLimit = 4 << 20

// maxFileRuns is how many file runs a Sorter keeps before merging them into one: each open
// run holds a read buffer while All merges.
const maxFileRuns = 32

const bufSize = 32 << 10

// Options configure a Sorter.
type Options struct {
	// Limit is the bytes of records kept in memory before they are written to a file (plus
	// 8 bytes a record of bookkeeping); 0 means DefaultLimit.
	Limit int
	// Dir is where the temporary files go; "" means os.TempDir().
	Dir string
}

// A Sorter sorts records by cmp. It is not safe for concurrent use.
type Sorter struct {
	cmp   func(a, b []byte) int
	opts  Options
	buf   run   // records added since the last seal, unsorted
	mem   []run // sealed, sorted runs in memory, in order
	runs  []run // every sealed run in order: file runs and memory runs
	bytes int   // bytes of records in buf and mem
	n     int64
	files int
	err   error
}

// run is a sorted run: in memory (arena and spans) or in a file.
type run struct {
	arena []byte
	spans []span
	f     *os.File
	n     int64
}

type span struct{ off, len uint32 }

func (r *run) rec(i int) []byte {
	s := r.spans[i]
	return r.arena[s.off : s.off+s.len]
}

// New returns an empty Sorter ordering records by cmp.
func New(cmp func(a, b []byte) int, opts Options) *Sorter {
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit
	}
	return &Sorter{cmp: cmp, opts: opts}
}

// Len is the number of records added (absorbed ones included).
func (s *Sorter) Len() int64 { return s.n }

// Spilled is the number of runs written to temporary files so far.
func (s *Sorter) Spilled() int { return s.files }

// Add adds a copy of rec.
func (s *Sorter) Add(rec []byte) error {
	if s.err != nil {
		return s.err
	}
	if len(rec) > 1<<30 {
		return fmt.Errorf("spill: record of %d bytes", len(rec))
	}
	if len(s.buf.arena)+len(rec) > 1<<31 {
		s.seal()
	}
	s.buf.spans = append(s.buf.spans, span{uint32(len(s.buf.arena)), uint32(len(rec))})
	s.buf.arena = append(s.buf.arena, rec...)
	s.buf.n++
	s.n++
	s.bytes += len(rec) + 8
	if s.bytes > s.opts.Limit {
		s.seal()
		s.err = s.spill()
	}
	return s.err
}

// seal sorts the buffer into a memory run.
func (s *Sorter) seal() {
	if len(s.buf.spans) == 0 {
		return
	}
	r := s.buf
	// Spans are in the order of adding, their offsets increasing: the offset breaks ties.
	slices.SortFunc(r.spans, func(a, b span) int {
		if c := s.cmp(r.arena[a.off:a.off+a.len], r.arena[b.off:b.off+b.len]); c != 0 {
			return c
		}
		return int(a.off) - int(b.off)
	})
	s.runs = append(s.runs, r)
	s.buf = run{}
}

// spill writes the memory runs to files: consecutive memory runs merge into one file run.
func (s *Sorter) spill() error {
	var out []run
	for i := 0; i < len(s.runs); {
		if s.runs[i].f != nil {
			out = append(out, s.runs[i])
			i++
			continue
		}
		j := i
		for j < len(s.runs) && s.runs[j].f == nil {
			j++
		}
		fr, err := s.writeRun(s.runs[i:j])
		if err != nil {
			return err
		}
		out = append(out, fr)
		i = j
	}
	s.runs = out
	s.bytes = 0
	if s.files > maxFileRuns {
		// Merge every run into one file: they are all file runs now.
		fr, err := s.writeRun(s.runs)
		if err != nil {
			return err
		}
		for _, r := range s.runs {
			r.f.Close()
		}
		s.runs = []run{fr}
		s.files = 1
	}
	return nil
}

// writeRun writes the merge of rs to a new unlinked temporary file.
func (s *Sorter) writeRun(rs []run) (run, error) {
	f, err := os.CreateTemp(s.opts.Dir, "civicpulse-spill-*")
	if err != nil {
		return run{}, fmt.Errorf("spill: %w", err)
	}
	os.Remove(f.Name()) // unlinked: the file goes with its descriptor, whatever happens
	w := bufio.NewWriterSize(f, bufSize)
	var n int64
	var hdr [binary.MaxVarintLen64]byte
	for rec, err := range mergeRuns(s.cmp, rs) {
		if err != nil {
			f.Close()
			return run{}, err
		}
		w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(rec)))])
		w.Write(rec)
		n++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return run{}, fmt.Errorf("spill: write run: %w", err)
	}
	s.files++
	return run{f: f, n: n}, nil
}

// Absorb moves o's records into s, after s's own: o is left empty. Both must order records
// the same way.
func (s *Sorter) Absorb(o *Sorter) error {
	if s.err != nil {
		return s.err
	}
	if o.err != nil {
		return o.err
	}
	s.seal()
	o.seal()
	s.runs = append(s.runs, o.runs...)
	s.n += o.n
	s.files += o.files
	s.bytes += o.bytes
	*o = Sorter{cmp: o.cmp, opts: o.opts}
	if s.bytes > s.opts.Limit || s.files > maxFileRuns {
		s.err = s.spill()
	}
	return s.err
}

// All returns every record in order. A record is valid until the next one is yielded; the
// sorter must not be changed while All runs. All may be called again.
func (s *Sorter) All() iter.Seq2[[]byte, error] {
	if s.err != nil {
		return func(yield func([]byte, error) bool) { yield(nil, s.err) }
	}
	s.seal()
	return mergeRuns(s.cmp, s.runs)
}

// Close releases the temporary files. The sorter is empty afterwards.
func (s *Sorter) Close() error {
	var errs []error
	for _, r := range s.runs {
		if r.f != nil {
			errs = append(errs, r.f.Close())
		}
	}
	*s = Sorter{cmp: s.cmp, opts: s.opts}
	return errors.Join(errs...)
}

// cursor reads one run.
type cursor struct {
	r    *run
	i    int           // memory run: the next record
	br   *bufio.Reader // file run
	left int64         // file run: records not yet read
	rec  []byte
	buf  []byte
	rank int // the run's place in the order: ties go to the lower rank
}

func (c *cursor) next() (bool, error) {
	if c.r.f == nil {
		if c.i >= len(c.r.spans) {
			return false, nil
		}
		c.rec = c.r.rec(c.i)
		c.i++
		return true, nil
	}
	if c.left == 0 {
		return false, nil
	}
	n, err := binary.ReadUvarint(c.br)
	if err != nil {
		return false, fmt.Errorf("spill: read run: %w", noEOF(err))
	}
	if uint64(cap(c.buf)) < n {
		c.buf = make([]byte, n)
	}
	c.buf = c.buf[:n]
	if _, err := io.ReadFull(c.br, c.buf); err != nil {
		return false, fmt.Errorf("spill: read run: %w", noEOF(err))
	}
	c.rec = c.buf
	c.left--
	return true, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

type cursorHeap struct {
	cs  []*cursor
	cmp func(a, b []byte) int
}

func (h *cursorHeap) Len() int { return len(h.cs) }
func (h *cursorHeap) Less(i, j int) bool {
	if c := h.cmp(h.cs[i].rec, h.cs[j].rec); c != 0 {
		return c < 0
	}
	return h.cs[i].rank < h.cs[j].rank
}
func (h *cursorHeap) Swap(i, j int) { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *cursorHeap) Push(x any)    { h.cs = append(h.cs, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}

// mergeRuns yields the records of rs in order, ties in run order.
func mergeRuns(cmp func(a, b []byte) int, rs []run) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		h := &cursorHeap{cmp: cmp}
		for i := range rs {
			c := &cursor{r: &rs[i], rank: i}
			if rs[i].f != nil {
				if _, err := rs[i].f.Seek(0, io.SeekStart); err != nil {
					yield(nil, fmt.Errorf("spill: rewind run: %w", err))
					return
				}
				c.br = bufio.NewReaderSize(rs[i].f, bufSize)
				c.left = rs[i].n
			}
			ok, err := c.next()
			if err != nil {
				yield(nil, err)
				return
			}
			if ok {
				h.cs = append(h.cs, c)
			}
		}
		heap.Init(h)
		for h.Len() > 0 {
			c := h.cs[0]
			if !yield(c.rec, nil) {
				return
			}
			ok, err := c.next()
			if err != nil {
				yield(nil, err)
				return
			}
			if ok {
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
		}
	}
}
