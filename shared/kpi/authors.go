package kpi

import (
	"bytes"
	"fmt"
	"slices"
)

// spillSlots is the most slots the table of a hashSet grows to, eight bytes each (16 MB, for
// up to 1.5 million hashes): a full table at this size goes, sorted, to temporary files and
// starts over empty. A variable so that tests can force spilling; a power of two.
var spillSlots = 1 << 21

func maxSlots() int { return max(spillSlots, 4) }

// hashSet is a set of 64-bit hashes in an open-addressed table (linear probing, at most
// three quarters full). Hashes are inserted a batch at a time: the batch's home slots are
// loaded first, in a loop whose loads do not depend on each other, so that the CPU overlaps
// their cache misses; one insert at a time waited for each miss in turn, and on a million
// authors the table is far larger than the caches.
//
// Past spillSlots the table is written out and cleared, so that a set holds at most that much
// memory: the set is then the table and the spilled hashes, some of them in both, or spilled
// more than once; len counts the distinct ones of the merged, sorted runs.
type hashSet struct {
	slots []uint64 // 0 is an empty slot; the hash 0 is kept in zero
	n     int      // nonzero slots used
	zero  bool
	pend  []uint64    // added, not yet inserted
	sink  uint64      // keeps the loads of the warming loop
	disk  *spilledSet // hashes written out of the table; nil until the first spill
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

// flush inserts the pending hashes.
func (s *hashSet) flush() {
	pend := s.pend
	for len(pend) > 0 {
		if 4*(s.n+len(pend)) <= 3*len(s.slots) {
			s.insertAll(pend)
			break
		}
		if len(s.slots) < maxSlots() {
			s.grow()
			continue
		}
		// At the limit: fill the table, spill it, go on with the rest.
		fit := min(3*len(s.slots)/4-s.n, len(pend))
		if fit <= 0 {
			s.spillTable()
			continue
		}
		s.insertAll(pend[:fit])
		pend = pend[fit:]
	}
	s.pend = s.pend[:0]
}

// insertAll inserts hashes into a table that has room for them.
func (s *hashSet) insertAll(hs []uint64) {
	mask := uint64(len(s.slots) - 1)
	var sum uint64
	for _, h := range hs {
		sum += s.slots[slotOf(h, mask)]
	}
	s.sink += sum
	for _, h := range hs {
		s.insert(h, mask)
	}
}

// insert puts h in a table that has room for it.
func (s *hashSet) insert(h, mask uint64) {
	if h == 0 {
		s.zero = true
		return
	}
	for i := slotOf(h, mask); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}

func (s *hashSet) grow() {
	old := s.slots
	// Four times the size: each growth rehashes every hash, with a cache miss each.
	s.slots = make([]uint64, min(max(4*len(old), 1<<10), maxSlots()))
	s.n = 0
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h != 0 {
			s.insert(h, mask)
		}
	}
}

// spillTable writes the table's hashes, sorted, to the disk and empties it (keeping its size).
func (s *hashSet) spillTable() {
	hs := s.slots[:0] // compacted in place: the table is cleared after
	for _, h := range s.slots {
		if h != 0 {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	if s.disk == nil {
		s.disk = newSpilled()
	}
	if s.zero {
		s.disk.add(0)
	}
	for _, h := range hs {
		s.disk.add(h)
	}
	clear(s.slots)
	s.n, s.zero = 0, false
}

// merge adds o's hashes to s: o's table by insertion, o's spilled runs by moving them.
func (s *hashSet) merge(o *hashSet) {
	o.flush()
	for _, h := range o.slots {
		if h != 0 {
			s.add(h)
		}
	}
	if o.zero {
		s.add(0)
	}
	s.flush()
	if o.disk != nil {
		if s.disk == nil {
			s.disk = newSpilled()
		}
		s.disk.absorb(o.disk)
	}
}

// len is the number of distinct hashes. Once some are spilled, the table goes after them
// (looking each spilled hash up in it missed the caches at every one) and len counts the
// distinct records of the merged runs. An error reading them is kept for err.
func (s *hashSet) len() int {
	s.flush()
	if s.disk.len() == 0 {
		if s.zero {
			return s.n + 1
		}
		return s.n
	}
	if s.n > 0 || s.zero {
		s.spillTable()
	}
	n := 0
	var last []byte
	for rec, err := range s.disk.s.All() {
		if err != nil {
			s.disk.fail(fmt.Errorf("kpi: read spilled author hashes: %w", err))
			return n
		}
		if n == 0 || !bytes.Equal(rec, last) {
			n++
			last = append(last[:0], rec...)
		}
	}
	return n
}

// err is the first error met spilling or reading the spilled hashes.
func (s *hashSet) err() error {
	if s.disk == nil {
		return nil
	}
	return s.disk.err
}
