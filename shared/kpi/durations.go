package kpi

import (
	"slices"
	"sort"
)

// durations are the times to close of one quarter, in milliseconds: those under 2³² ms
// (49 days) in four bytes each, the rest in eight. On ten million rows they are the largest
// aggregate of the stage. A value reads, by at, as the days float64(ms)/msPerDay, the figure
// DuckDB computes; converting after sorting keeps the order.
type durations struct {
	short []uint32
	long  []int64
}

func (d *durations) add(ms int64) {
	if ms < 1<<32 {
		d.short = append(d.short, uint32(ms))
	} else {
		d.long = append(d.long, ms)
	}
}

func (d durations) len() int { return len(d.short) + len(d.long) }

// at is the i-th value in days: of a sorted list, the i-th smallest (every long value is
// larger than every short one).
func (d durations) at(i int) float64 {
	if i < len(d.short) {
		return float64(d.short[i]) / msPerDay
	}
	return float64(d.long[i-len(d.short)]) / msPerDay
}

func (d durations) sorted() bool { return slices.IsSorted(d.short) && slices.IsSorted(d.long) }

func (d *durations) sort() {
	if !slices.IsSorted(d.short) {
		radixSort(d.short)
	}
	if !slices.IsSorted(d.long) {
		slices.Sort(d.long)
	}
}

// clip drops spare capacity, so that an append to one of two lists sharing memory reallocates.
func (d durations) clip() durations { return durations{slices.Clip(d.short), slices.Clip(d.long)} }

// mergeDurations returns the values of a and b in new lists of exact capacity: sorted if
// both are.
func mergeDurations(a, b durations) durations {
	return durations{mergeSorted(a.short, b.short), mergeSorted(a.long, b.long)}
}

func mergeSorted[T uint32 | int64](a, b []T) []T {
	out := make([]T, 0, len(a)+len(b))
	if !slices.IsSorted(a) || !slices.IsSorted(b) {
		return append(append(out, a...), b...)
	}
	for len(a) > 0 && len(b) > 0 {
		if b[0] < a[0] {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// countAbove is how many values of a sorted list exceed x.
func (d durations) countAbove(x float64) int {
	n := d.len()
	return n - sort.Search(n, func(i int) bool { return d.at(i) > x })
}

// kth is the k-th smallest (from 0) value of the union of two sorted lists, found without
// merging them: the smallest split taking i values of a and k+1-i of b whose last b value
// is not above a[i].
func kth(a, b durations, k int) float64 {
	la, lb := a.len(), b.len()
	lo, hi := max(0, k+1-lb), min(k+1, la)
	i := lo + sort.Search(hi-lo, func(n int) bool {
		i := lo + n
		return i == la || k-i < 0 || b.at(k-i) <= a.at(i)
	})
	j := k + 1 - i
	switch {
	case i == 0:
		return b.at(j - 1)
	case j == 0:
		return a.at(i - 1)
	}
	return max(a.at(i-1), b.at(j-1))
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
