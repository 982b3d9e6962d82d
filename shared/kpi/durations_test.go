package kpi

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// kth and countAbove on two sorted lists give what sorting the pooled values gives, for
// lists of any sizes, with ties, and with values past the four-byte range.
func TestDurationsMatchPooledSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ na, nb, spread int64 }{
		{1, 1, 10}, {1, 9, 10}, {9, 1, 3}, {50, 70, 5}, {200, 3, 1 << 40}, {64, 64, 1 << 34},
	} {
		var a, b durations
		var pooled []float64
		for i := int64(0); i < tc.na+tc.nb; i++ {
			ms := r.Int64N(tc.spread)
			if i < tc.na {
				a.add(ms)
			} else {
				b.add(ms)
			}
			pooled = append(pooled, float64(ms)/msPerDay)
		}
		a.sort()
		b.sort()
		slices.Sort(pooled)
		for k := range pooled {
			if got := kth(a, b, k); got != pooled[k] {
				t.Fatalf("%+v: kth(%d) = %v; want %v", tc, k, got, pooled[k])
			}
		}
		ab := mergeDurations(a, b)
		for i, want := range pooled {
			if got := ab.at(i); got != want {
				t.Fatalf("%+v: merged at(%d) = %v; want %v", tc, i, got, want)
			}
		}
		med := pooled[len(pooled)/2]
		want := len(pooled) - len(pooled[:len(pooled)/2]) // then drop those equal to med
		for _, x := range pooled[len(pooled)/2:] {
			if x <= med {
				want--
			}
		}
		if got := ab.countAbove(med); got != want {
			t.Errorf("%+v: countAbove(%v) = %d; want %d", tc, med, got, want)
		}
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		n    int
		mask uint32
	}{{0, 0}, {5, 1<<32 - 1}, {5000, 1<<32 - 1}, {10000, 0xff00}, {10000, 7}, {1 << 13, 0xffff0000}} {
		xs := make([]uint32, tc.n)
		for i := range xs {
			xs[i] = r.Uint32() & tc.mask
		}
		want := slices.Sorted(slices.Values(xs))
		radixSort(xs)
		if !slices.Equal(xs, want) {
			t.Errorf("n %d mask %#x: radixSort differs from slices.Sort", tc.n, tc.mask)
		}
	}
}
