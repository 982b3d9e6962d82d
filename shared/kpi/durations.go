package kpi

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"

	"github.com/civicpulse/civicpulse/shared/spill"
)

// spillDurations is how many close times a partial keeps in memory (four bytes each, mostly)
// before it writes them, sorted, to a temporary file; a variable so that tests can force
// spilling on a small input.
var spillDurations = 4 << 20

// spillOptions are the options of the sorters of spilled close times and author hashes
// (Limit: their own memory); tests make the limit tiny to send every run to a file.
var spillOptions spill.Options

// durations are the times to close of one quarter, in milliseconds (never negative). A
// partial keeps those it folds in msRun; at spillDurations of them (in lists grown by append,
// so of a capacity up to a quarter more) they go, sorted, to the disk's runs. Merge keeps
// another partial's lists as they are, among more, rather than copy them into one: a partial
// holds at most the limit, a merged one at most the sum of its parts (in the KPI stage, one a
// worker). A value reads as the days float64(ms)/msPerDay, the figure DuckDB computes;
// converting after ordering by milliseconds keeps the order.
type durations struct {
	msRun
	more []msRun  // lists of merged partials; each sorted once sort has run
	disk *spilled // nil until the first spill
}

// msRun is a list of close times: those under 2³² ms (49 days) in four bytes each, the rest
// in eight. Sorted, every long value is larger than every short one.
type msRun struct {
	short []uint32
	long  []int64
}

// msKey is the record of a close time: the sign bit flipped, so that unsigned order is signed order.
func msKey(ms int64) uint64 { return uint64(ms) ^ 1<<63 }

func msOfKey(rec []byte) int64 { return int64(binary.BigEndian.Uint64(rec) ^ 1<<63) }

// add adds a close time and reports whether the lists in memory reached the limit: then the
// caller spills them (spillRun). A call in add would keep it from being inlined on the
// per-row path, where it was a third slower.
func (d *durations) add(ms int64) (full bool) {
	if ms < 1<<32 {
		d.short = append(d.short, uint32(ms))
	} else {
		d.long = append(d.long, ms)
	}
	return len(d.short)+len(d.long) >= spillDurations
}

// spillRun writes the lists of msRun, sorted in place, to the disk and empties them, keeping
// their capacity for the values to come: merge takes lists from their partial, so none is
// shared.
func (d *durations) spillRun() {
	if !slices.IsSorted(d.short) {
		flagSort(d.short)
	}
	slices.Sort(d.long)
	if d.disk == nil {
		d.disk = newSpilled("close times", bytes.Compare, spillOptions)
	}
	for _, x := range d.short {
		d.disk.addKey(msKey(int64(x)))
	}
	for _, x := range d.long {
		d.disk.addKey(msKey(x))
	}
	d.short, d.long = d.short[:0], d.long[:0]
}

func (r msRun) len() int { return len(r.short) + len(r.long) }

// ms is the i-th value: of a sorted list, the i-th smallest.
func (r msRun) ms(i int) int64 {
	if i < len(r.short) {
		return int64(r.short[i])
	}
	return r.long[i-len(r.short)]
}

// at is the i-th value in days.
func (r msRun) at(i int) float64 { return float64(r.ms(i)) / msPerDay }

func (r msRun) sort() {
	if !slices.IsSorted(r.short) {
		radixSort(r.short)
	}
	if !slices.IsSorted(r.long) {
		slices.Sort(r.long)
	}
}

// countLE is how many values of a sorted list are at most x.
func (r msRun) countLE(x int64) int {
	n := 0
	switch {
	case x >= 1<<32-1:
		n = len(r.short)
	case x >= 0:
		n, _ = slices.BinarySearch(r.short, uint32(x)+1)
	}
	if x == math.MaxInt64 {
		return n + len(r.long)
	}
	i, _ := slices.BinarySearch(r.long, x+1)
	return n + i
}

// countAbove is how many values of a sorted list exceed x days.
func (r msRun) countAbove(x float64) int {
	n := r.len()
	return n - sort.Search(n, func(i int) bool { return r.at(i) > x })
}

// len is the number of values, in memory and on disk.
func (d durations) len() int {
	n := d.msRun.len() + d.disk.len()
	for _, r := range d.more {
		n += r.len()
	}
	return n
}

// runs are the lists in memory.
func (d durations) runs() []msRun { return append([]msRun{d.msRun}, d.more...) }

// sort sorts the lists in memory (the disk's runs are sorted).
func (d *durations) sort() {
	for _, r := range d.runs() {
		r.sort()
	}
}

// merge moves o's values into d, leaving o empty: o's lists join d's as they are, o's
// spilled runs join d's.
func (d *durations) merge(o *durations) {
	for _, r := range o.runs() {
		if r.len() > 0 {
			d.more = append(d.more, r)
		}
	}
	takeSpilled(&d.disk, &o.disk)
	*o = durations{}
}

// err is the first error met spilling or reading the spilled values.
func (d durations) err() error { return d.disk.error() }

// orderStats calls f with a function giving the i-th smallest value, in days, of the values
// of ds (sorted) taken together. f is called twice: first to learn which ranks it reads (the
// values it gets are then 0), then with them, found by bisection of the lists in memory, or
// else by one walk of the merged values up to the highest rank.
func orderStats(ds []durations, f func(at func(i int) float64)) error {
	var ranks []int
	f(func(i int) float64 { ranks = append(ranks, i); return 0 })
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	vals := make(map[int]float64, len(ranks))
	spilled := false
	var runs []msRun
	for _, d := range ds {
		spilled = spilled || d.disk.len() > 0
		runs = append(runs, d.runs()...)
	}
	if !spilled {
		for _, k := range ranks {
			vals[k] = float64(kthMS(runs, k)) / msPerDay
		}
	} else if len(ranks) > 0 {
		i, next := 0, 0
		for ms, err := range ascending(ds) {
			if err != nil {
				return err
			}
			for next < len(ranks) && ranks[next] == i {
				vals[ranks[next]] = float64(ms) / msPerDay
				next++
			}
			if next == len(ranks) {
				break
			}
			i++
		}
		if next < len(ranks) {
			return fmt.Errorf("kpi: rank %d of %d close times", ranks[next], i)
		}
	}
	f(func(i int) float64 { return vals[i] })
	return nil
}

// kthMS is the k-th smallest (from 0) value of sorted lists, found without merging them: the
// smallest x of which at least k+1 values are at most x, by bisection of the values' range.
func kthMS(runs []msRun, k int) int64 {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, r := range runs {
		if n := r.len(); n > 0 {
			lo, hi = min(lo, r.ms(0)), max(hi, r.ms(n-1))
		}
	}
	for lo < hi {
		mid := lo + int64((uint64(hi)-uint64(lo))/2)
		n := 0
		for _, r := range runs {
			n += r.countLE(mid)
		}
		if n > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// countAbove is how many values of d (sorted) exceed x days.
func (d durations) countAbove(x float64) (int, error) {
	n := 0
	for _, r := range d.runs() {
		n += r.countAbove(x)
	}
	if d.disk.len() == 0 {
		return n, nil
	}
	notAbove := 0
	for rec, err := range d.disk.s.All() {
		if err != nil {
			return 0, fmt.Errorf("kpi: read spilled close times: %w", err)
		}
		if float64(msOfKey(rec))/msPerDay > x {
			break
		}
		notAbove++
	}
	return n + d.disk.len() - notAbove, nil
}

// ascending yields the values of ds (sorted) in increasing order, merging their lists in
// memory and their spilled runs. The last spilled runs are read as they are yielded, others
// pulled (a coroutine switch a value): a single quarter's walk switches none.
func ascending(ds []durations) iter.Seq2[int64, error] {
	return func(yield func(int64, error) bool) {
		var srcs []*msSource
		var push *spilled
		for _, d := range ds {
			for _, r := range d.runs() {
				if r.len() > 0 {
					srcs = append(srcs, &msSource{r: r, i: 1, ms: r.ms(0)})
				}
			}
			if d.disk.len() == 0 {
				continue
			}
			if push != nil {
				next, stop := iter.Pull2(push.s.All())
				defer stop()
				src := &msSource{next: next}
				ok, err := src.advance()
				if err != nil {
					yield(0, err)
					return
				}
				if ok {
					srcs = append(srcs, src)
				}
			}
			push = d.disk
		}
		// emit yields the values of srcs up to x, all of them if all; false when yield stops
		// or a pulled run fails.
		emit := func(x int64, all bool) bool {
			for len(srcs) > 0 {
				m := 0
				for j := 1; j < len(srcs); j++ {
					if srcs[j].ms < srcs[m].ms {
						m = j
					}
				}
				s := srcs[m]
				if !all && s.ms > x {
					return true
				}
				if !yield(s.ms, nil) {
					return false
				}
				ok, err := s.advance()
				if err != nil {
					yield(0, err)
					return false
				}
				if !ok {
					srcs = slices.Delete(srcs, m, m+1)
				}
			}
			return true
		}
		if push != nil {
			for rec, err := range push.s.All() {
				if err != nil {
					yield(0, fmt.Errorf("kpi: read spilled close times: %w", err))
					return
				}
				ms := msOfKey(rec)
				if !emit(ms, false) || !yield(ms, nil) {
					return
				}
			}
		}
		emit(0, true)
	}
}

// msSource is a sorted list in memory or pulled spilled runs, at its current value ms.
type msSource struct {
	r    msRun
	i    int
	next func() ([]byte, error, bool) // spilled runs; nil for a list in memory
	ms   int64
}

// advance moves to the next value; false at the end.
func (s *msSource) advance() (bool, error) {
	if s.next == nil {
		if s.i >= s.r.len() {
			return false, nil
		}
		s.ms = s.r.ms(s.i)
		s.i++
		return true, nil
	}
	rec, err, ok := s.next()
	if err != nil {
		return false, fmt.Errorf("kpi: read spilled close times: %w", err)
	}
	if ok {
		s.ms = msOfKey(rec)
	}
	return ok, nil
}

// radixSort sorts xs by their bytes, least significant first: on millions of values, several
// times faster than a comparison sort, for a scratch copy of the list.
func radixSort(xs []uint32) {
	if len(xs) < 1<<12 {
		slices.Sort(xs)
		return
	}
	buf := make([]uint32, len(xs))
	src, dst := xs, buf
	for shift := 0; shift < 32; shift += 8 {
		var count [257]int
		for _, x := range src {
			count[(x>>shift)&0xff+1]++
		}
		if count[(src[0]>>shift)&0xff+1] == len(src) {
			continue // every value has this byte: the pass would not move any
		}
		for i := 1; i < 257; i++ {
			count[i] += count[i-1]
		}
		for _, x := range src {
			b := (x >> shift) & 0xff
			dst[count[b]] = x
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &xs[0] {
		copy(xs, src)
	}
}

// flagSort sorts xs in place by their bytes, most significant first (American flag sort):
// no scratch copy, for spillRun, which must not double the memory it is to bound; two to three
// times slower than radixSort.
func flagSort(xs []uint32) { flagSortByte(xs, 24) }

func flagSortByte(xs []uint32, shift uint) {
	if len(xs) < 1<<8 {
		slices.Sort(xs)
		return
	}
	var count [256]int
	for _, x := range xs {
		count[x>>shift&0xff]++
	}
	var next, end [256]int
	sum := 0
	for b, n := range count {
		next[b] = sum
		sum += n
		end[b] = sum
	}
	for b := range 256 {
		for next[b] < end[b] {
			x := xs[next[b]]
			// Carry x to its bucket, taking the value there, until one belongs in b.
			for d := int(x >> shift & 0xff); d != b; d = int(x >> shift & 0xff) {
				xs[next[d]], x = x, xs[next[d]]
				next[d]++
			}
			xs[next[b]] = x
			next[b]++
		}
	}
	if shift == 0 {
		return
	}
	start := 0
	for _, n := range count {
		if n > 1 {
			flagSortByte(xs[start:start+n], shift-8)
		}
		start += n
	}
}

// keepErr keeps err, met reading the spilled values of one of ds, for Computer.Err.
func keepErr(err error, ds ...durations) {
	for _, d := range ds {
		if d.disk != nil {
			d.disk.fail(err)
			return
		}
	}
}

// spillErr is the first error met spilling the author hashes or close times of c's partials,
// or reading them back.
func (c *Computer) spillErr() error {
	for _, m := range c.partials {
		for _, p := range m {
			if err := cmp.Or(p.authors.err(), p.days.err()); err != nil {
				return err
			}
		}
	}
	return nil
}
