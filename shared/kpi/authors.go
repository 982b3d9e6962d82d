package kpi

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/civicpulse/civicpulse/shared/internal/offheap"
)

// spillSlots is the most slots the tables of a hashSet hold together, eight bytes each (2 MB,
// for about 200,000 hashes in memory): past it, partitions of the set go to temporary files.
// A variable so that tests can force spilling.
var spillSlots = 1 << 18

// hashParts is the number of partitions of a hashSet, by the top four bits of a hash (at
// deeper levels, the next four).
const (
	hashPartBits = 4
	hashParts    = 1 << hashPartBits
	minPartSlots = 16
)

// maxSlots is spillSlots, but at least room for the least table in every partition: below it a set
// would spill a partition of a few hashes into a set of its own, and so on down.
func maxSlots() int { return max(spillSlots, hashParts*minPartSlots) }

// hashSet is a set of 64-bit hashes: the distinct authors of a KPI's quarter. It is cut into
// hashParts partitions by the top bits of a hash, each an open-addressed table (linear
// probing, at most three quarters full). Hashes are inserted a batch at a time: the batch's
// home slots are loaded first, in a loop whose loads do not depend on each other, so that the
// CPU overlaps their cache misses.
//
// Memory is bounded by partitioning, as a hybrid hash join does: when the tables would pass
// spillSlots together, the fullest partition is written to a temporary file and from then on
// every hash of it is appended there, as it comes, duplicates and all (eight bytes). len
// counts a spilled partition by reading its file into a set of its own, one level deeper
// (partitioned by the next four bits), which spills again if it must. A set whose authors
// fit stays in memory; one that does not sends only the partitions that do not fit to disk,
// and each is read back once. (Spilling the whole table when it filled, and starting over,
// wrote nearly every row once the authors outnumbered the table.)
type hashSet struct {
	parts [hashParts]hashPart
	slots int  // slots of the partitions' tables together
	zero  bool // 0 is a hash too: the tables use it for an empty slot
	level uint // which four bits partition: 0 the top ones
	pend  []uint64
	sink  uint64 // keeps the loads of the warming loop
	e     error
}

// hashPart is one partition: a table, or once spilled, a file of every hash added to it.
type hashPart struct {
	slots []uint64
	table *offheap.Uint64s // holds slots when they are outside the heap
	n     int
	disk  *hashFile
}

// offheapSlots is the least table kept outside the Go heap (offheap): the big tables live
// the whole stage and would count about twice on the heap (10M-post kpi stage: median peak
// RSS 56.6 -> 54.3 MB, five runs each, alternating, same CPU time); the small ones, most
// of them, are not worth a mapping each.
const offheapSlots = 8 << 10

// newTable gives p an empty table of size slots; the one it had is the caller's to free.
func (p *hashPart) newTable(size int) {
	if size >= offheapSlots {
		p.table = offheap.New(size)
		p.slots = p.table.Slice()
	} else {
		p.table, p.slots = nil, make([]uint64, size)
	}
	p.n = 0
}

// freeTable drops p's table.
func (p *hashPart) freeTable() {
	p.table.Free()
	p.table, p.slots, p.n = nil, nil, 0
}

const hashBatch = 256

func (s *hashSet) add(h uint64) {
	if s.pend == nil {
		s.pend = make([]uint64, 0, hashBatch)
	}
	s.pend = append(s.pend, h)
	if len(s.pend) == hashBatch {
		s.flush()
	}
}

func slotOf(h, mask uint64) uint64 { return (h * 0x9e3779b97f4a7c15) >> 32 & mask }

// part is the partition of h.
func (s *hashSet) part(h uint64) *hashPart {
	if s.level >= 64/hashPartBits {
		return &s.parts[0] // every bit is spent: the hashes of this set are all equal
	}
	return &s.parts[h<<(hashPartBits*s.level)>>(64-hashPartBits)]
}

// flush inserts the pending hashes.
func (s *hashSet) flush() {
	var sum uint64
	for _, h := range s.pend {
		if p := s.part(h); len(p.slots) > 0 {
			sum += p.slots[slotOf(h, uint64(len(p.slots)-1))]
		}
	}
	s.sink += sum
	for _, h := range s.pend {
		if h == 0 {
			s.zero = true
			continue
		}
		p := s.part(h)
		if p.disk == nil && 4*(p.n+1) > 3*len(p.slots) {
			s.grow(p)
		}
		if p.disk != nil {
			if err := p.disk.write(h); err != nil {
				s.fail(err)
			}
			continue
		}
		p.insert(h)
	}
	s.pend = s.pend[:0]
}

// insert puts h, not 0, in a table that has room for it.
func (p *hashPart) insert(h uint64) {
	mask := uint64(len(p.slots) - 1)
	for i := slotOf(h, mask); ; i = (i + 1) & mask {
		switch p.slots[i] {
		case h:
			return
		case 0:
			p.slots[i] = h
			p.n++
			return
		}
	}
}

// grow doubles p's table or, if the tables would pass spillSlots, spills the fullest
// partitions until they would not, p among them perhaps.
func (s *hashSet) grow(p *hashPart) {
	size := max(2*len(p.slots), minPartSlots)
	// At the last level every hash of the set is the same: nothing is left to partition by.
	for p.disk == nil && s.slots-len(p.slots)+size > maxSlots() && s.level < 64/hashPartBits {
		var full *hashPart
		for i := range s.parts {
			q := &s.parts[i]
			if q.disk == nil && (full == nil || q.n > full.n) {
				full = q
			}
		}
		if !s.spill(full) {
			break // no file could be made: the tables grow past the limit, counted right
		}
	}
	if p.disk != nil {
		return
	}
	old := *p
	p.newTable(size)
	s.slots += size - len(old.slots)
	for _, h := range old.slots {
		if h != 0 {
			p.insert(h)
		}
	}
	old.freeTable()
}

// spill writes p's table to a new temporary file, which takes every later hash of p, and
// reports whether it could make the file.
func (s *hashSet) spill(p *hashPart) bool {
	f, err := newHashFile()
	if err != nil {
		s.fail(err)
		// Without a file the partition stays in memory: counted right, over the limit.
		return false
	}
	p.disk = f
	for _, h := range p.slots {
		if h != 0 {
			if err := f.write(h); err != nil {
				s.fail(err)
				break
			}
		}
	}
	s.slots -= len(p.slots)
	p.freeTable()
	return true
}

// merge adds o's hashes to s: o's tables by insertion, o's files by moving them (the
// partition of s spills first, if it has not). o is left empty.
func (s *hashSet) merge(o *hashSet) {
	o.flush()
	s.flush()
	if o.e != nil {
		s.fail(o.e)
	}
	s.zero = s.zero || o.zero
	for i := range o.parts {
		op, sp := &o.parts[i], &s.parts[i]
		if op.disk == nil {
			for _, h := range op.slots {
				if h != 0 {
					s.add(h)
				}
			}
			s.flush() // before the next partition may spill one of s's
			op.freeTable()
			continue
		}
		if sp.disk == nil {
			s.spill(sp)
		}
		if sp.disk == nil { // no file could be made: read o's into memory
			if err := op.disk.each(func(h uint64) { s.add(h) }); err != nil {
				s.fail(err)
			}
			s.flush()
			op.disk.close()
		} else if err := sp.disk.absorb(op.disk); err != nil {
			s.fail(err)
			op.disk.close()
		}
		op.disk = nil
	}
	*o = hashSet{level: o.level}
}

// len is the number of distinct hashes: the tables' counts, and each spilled partition's
// count by a set of its own, GOMAXPROCS partitions at a time (each set within spillSlots).
// An error reading the files is kept for err.
func (s *hashSet) len() int {
	s.flush()
	n := 0
	if s.zero {
		n++
	}
	var spilled []*hashPart
	for i := range s.parts {
		if p := &s.parts[i]; p.disk == nil {
			n += p.n
		} else {
			spilled = append(spilled, p)
		}
	}
	counts := make([]int, len(spilled))
	errs := make([]error, len(spilled))
	next := make(chan int, len(spilled))
	for i := range spilled {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(spilled)) {
		wg.Go(func() {
			for i := range next {
				sub := hashSet{level: s.level + 1}
				errs[i] = spilled[i].disk.each(sub.add)
				counts[i] = sub.len()
				errs[i] = cmp.Or(errs[i], sub.e)
				sub.close()
			}
		})
	}
	wg.Wait()
	for i := range spilled {
		n += counts[i]
		if errs[i] != nil {
			s.fail(errs[i])
		}
	}
	return n
}

// spillCounts is the number of hashes written to files and the number of files.
func (s *hashSet) spillCounts() (hashes, files int) {
	for _, p := range s.parts {
		if p.disk != nil {
			hashes += int(p.disk.n)
			files += len(p.disk.files)
		}
	}
	return hashes, files
}

func (s *hashSet) fail(err error) {
	if s.e == nil {
		s.e = err
	}
}

// err is the first error met spilling or reading the spilled hashes.
func (s *hashSet) err() error {
	if s.e == nil {
		return nil
	}
	return fmt.Errorf("kpi: spilled author hashes: %w", s.e)
}

// close releases the set's temporary files; the set is empty afterwards.
func (s *hashSet) close() error {
	var errs []error
	for i := range s.parts {
		if d := s.parts[i].disk; d != nil {
			errs = append(errs, d.close())
		}
		s.parts[i].freeTable()
	}
	*s = hashSet{level: s.level}
	return errors.Join(errs...)
}

// hashFile holds the hashes of a spilled partition, eight bytes each, in unlinked temporary
// files: the one it writes, and those of merged sets' partitions.
type hashFile struct {
	files []sizedFile // the last one is the one written
	buf   []byte      // written hashes not yet in the file
	err   error       // the first error writing
	n     int64       // hashes in all the files and buf
}

type sizedFile struct {
	f    *os.File
	size int64 // bytes in it
}

const hashFileBuffer = 8 << 10

func newHashFile() (*hashFile, error) {
	f, err := os.CreateTemp(spillOptions.Dir, "civicpulse-spill-authors-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: the file goes with its descriptor, whatever happens
	return &hashFile{files: []sizedFile{{f: f}}, buf: make([]byte, 0, hashFileBuffer)}, nil
}

// write appends h; an error writing the file is kept, and returned by every later call.
func (d *hashFile) write(h uint64) error {
	d.buf = binary.LittleEndian.AppendUint64(d.buf, h)
	d.n++
	if len(d.buf) == cap(d.buf) {
		return d.flush()
	}
	return d.err
}

func (d *hashFile) flush() error {
	if d.err == nil && len(d.buf) > 0 {
		last := &d.files[len(d.files)-1]
		_, d.err = last.f.WriteAt(d.buf, last.size)
		last.size += int64(len(d.buf))
	}
	d.buf = d.buf[:0]
	return d.err
}

// absorb moves o's files into d: o is left without them.
func (d *hashFile) absorb(o *hashFile) error {
	if err := o.flush(); err != nil {
		return err
	}
	last := d.files[len(d.files)-1]
	d.files = append(append(d.files[:len(d.files)-1], o.files...), last)
	d.n += o.n
	o.files, o.n = nil, 0
	return nil
}

// each calls fn with every hash written, in no particular order; writing may go on after.
func (d *hashFile) each(fn func(uint64)) error {
	if err := d.flush(); err != nil {
		return fmt.Errorf("write spilled hashes: %w", err)
	}
	b := make([]byte, hashFileBuffer)
	for _, sf := range d.files {
		for off := int64(0); off < sf.size; {
			n, err := sf.f.ReadAt(b[:min(int64(len(b)), sf.size-off)], off)
			if n%8 != 0 || (err != nil && err != io.EOF) || n == 0 {
				return fmt.Errorf("read spilled hashes: %d bytes at %d: %w", n, off, cmp.Or(err, io.ErrUnexpectedEOF))
			}
			for i := 0; i < n; i += 8 {
				fn(binary.LittleEndian.Uint64(b[i:]))
			}
			off += int64(n)
		}
	}
	return nil
}

func (d *hashFile) close() error {
	var errs []error
	for _, sf := range d.files {
		errs = append(errs, sf.f.Close())
	}
	d.files, d.n = nil, 0
	return errors.Join(errs...)
}
