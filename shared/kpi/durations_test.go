package kpi

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/civicpulse/civicpulse/shared/spill"
)

// withSpillLimits sets the spill limits of author sets and close times for one test.
func withSpillLimits(t testing.TB, slots, durs, sorterBytes int) {
	t.Helper()
	oldSlots, oldDurs, oldOpts := spillSlots, spillDurations, spillOptions
	spillSlots, spillDurations, spillOptions = slots, durs, spill.Options{Limit: sorterBytes}
	t.Cleanup(func() { spillSlots, spillDurations, spillOptions = oldSlots, oldDurs, oldOpts })
}

// The order statistics and counts above a value of close times split into parts, merged,
// held in memory or spilled, equal those of the pooled values sorted: for lists of any
// sizes, with ties, and with values past the four-byte range.
func TestDurationsMatchPooledSort(t *testing.T) {
	for _, limit := range []struct {
		name        string
		durs, bytes int
	}{{"memory", 4 << 20, 0}, {"spilled", 7, 40}, {"spilled-files", 3, 1}} {
		t.Run(limit.name, func(t *testing.T) {
			withSpillLimits(t, spillSlots, limit.durs, limit.bytes)
			r := rand.New(rand.NewPCG(7, 8))
			for _, tc := range []struct {
				na, nb, parts int
				spread        int64
			}{
				{1, 1, 1, 10}, {1, 9, 2, 10}, {9, 1, 3, 3}, {50, 70, 1, 5}, {50, 70, 4, 5}, {200, 3, 3, 1 << 40}, {64, 64, 2, 1 << 34},
			} {
				var a, b durations
				var pooled, pa []float64
				for _, x := range []struct {
					d  *durations
					n  int
					in *[]float64
				}{{&a, tc.na, &pa}, {&b, tc.nb, nil}} {
					parts := make([]durations, tc.parts)
					for range x.n {
						ms := r.Int64N(tc.spread)
						if d := &parts[r.IntN(len(parts))]; d.add(ms) {
							d.spillRun()
						}
						pooled = append(pooled, float64(ms)/msPerDay)
						if x.in != nil {
							*x.in = append(*x.in, float64(ms)/msPerDay)
						}
					}
					for i := range parts {
						if r.IntN(2) == 0 {
							parts[i].sort() // sorted and unsorted parts merge alike
						}
						x.d.merge(&parts[i])
					}
					x.d.sort()
				}
				if a.len() != tc.na || b.len() != tc.nb {
					t.Fatalf("%+v: len %d, %d; want %d, %d", tc, a.len(), b.len(), tc.na, tc.nb)
				}
				slices.Sort(pooled)
				slices.Sort(pa)
				for _, c := range []struct {
					name string
					ds   []durations
					want []float64
				}{{"a", []durations{a}, pa}, {"a+b", []durations{a, b}, pooled}} {
					got := make([]float64, len(c.want))
					err := orderStats(c.ds, func(at func(int) float64) {
						for k := range got {
							got[k] = at(k)
						}
					})
					if err != nil {
						t.Fatalf("%+v %s: %v", tc, c.name, err)
					}
					if !slices.Equal(got, c.want) {
						t.Fatalf("%+v %s: order statistics %v; want %v", tc, c.name, got, c.want)
					}
				}
				for _, x := range []float64{pooled[len(pooled)/2], pooled[0], pooled[len(pooled)-1], -1} {
					want := 0
					for _, v := range pa {
						if v > x {
							want++
						}
					}
					if got, err := a.countAbove(x); err != nil || got != want {
						t.Errorf("%+v: countAbove(%v) = %d, %v; want %d", tc, x, got, err, want)
					}
				}
				if err := a.err(); err != nil {
					t.Fatal(err)
				}
				if limit.durs < 10 && tc.na > 2*tc.parts*limit.durs && a.disk.len() == 0 {
					t.Errorf("%+v: nothing spilled at a limit of %d", tc, limit.durs)
				}
			}
		})
	}
}

// A hash set counts the distinct hashes added to it and its merged parts, zero and repeats
// included, whether its table stays in memory or spills.
func TestHashSetCountsDistinct(t *testing.T) {
	for _, limit := range []struct {
		name         string
		slots, bytes int
	}{{"memory", 1 << 21, 0}, {"spilled", 64, 0}, {"spilled-files", 16, 128}} {
		t.Run(limit.name, func(t *testing.T) {
			withSpillLimits(t, limit.slots, spillDurations, limit.bytes)
			r := rand.New(rand.NewPCG(1, 2))
			for _, tc := range []struct{ n, distinct, parts int }{{0, 1, 1}, {10, 3, 1}, {1000, 700, 1}, {3000, 400, 3}, {5000, 4000, 5}} {
				want := map[uint64]bool{}
				parts := make([]hashSet, tc.parts)
				for range tc.n {
					h := r.Uint64N(uint64(tc.distinct)) * 0x9e3779b97f4a7c15 // 0 is one of them
					want[h] = true
					parts[r.IntN(len(parts))].add(h)
				}
				s := &parts[0]
				for i := range parts[1:] {
					s.merge(&parts[i+1])
				}
				if got := s.len(); got != len(want) {
					t.Errorf("%+v: len = %d; want %d", tc, got, len(want))
				}
				if got := s.len(); got != len(want) {
					t.Errorf("%+v: second len = %d; want %d", tc, got, len(want))
				}
				if err := s.err(); err != nil {
					t.Fatal(err)
				}
				if hashes, _ := s.spillCounts(); limit.slots < 1<<10 && tc.distinct >= 400 && hashes == 0 {
					t.Errorf("%+v: nothing spilled at %d slots", tc, limit.slots)
				}
			}
		})
	}
}

// The radix sorts sort as slices.Sort does, whatever bytes vary.
func TestRadixSorts(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		n    int
		mask uint32
	}{{0, 0}, {5, 1<<32 - 1}, {5000, 1<<32 - 1}, {10000, 0xff00}, {10000, 7}, {1 << 13, 0xffff0000}, {1 << 16, 0xff0000ff}, {300, 1<<32 - 1}} {
		xs := make([]uint32, tc.n)
		for i := range xs {
			xs[i] = r.Uint32() & tc.mask
		}
		want := slices.Sorted(slices.Values(xs))
		for _, sort := range []struct {
			name string
			f    func([]uint32)
		}{{"radixSort", radixSort}, {"flagSort", flagSort}} {
			ys := slices.Clone(xs)
			sort.f(ys)
			if !slices.Equal(ys, want) {
				t.Errorf("n %d mask %#x: %s differs from slices.Sort", tc.n, tc.mask, sort.name)
			}
		}
	}
}

// The per-row adds, as FoldRow makes them, to a partial on the heap:
// go test ./shared/kpi -run '^$' -bench 'Add$'
func BenchmarkDurationsAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]int64, 1<<16)
	for i := range xs {
		xs[i] = int64(r.ExpFloat64() * 72 * 3600e3)
	}
	var p *partial
	for i := 0; b.Loop(); i++ {
		if i%3_000_000 == 0 { // a quarter of three million close times, in a list grown once
			if p == nil {
				p = &partial{}
				benchPartial = p
			}
			p.days.short = p.days.short[:0]
		}
		if p.days.add(xs[i&(1<<16-1)]) {
			p.days.spillRun()
		}
	}
}

var benchPartial *partial

func BenchmarkHashSetAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	hs := make([]uint64, 1<<22) // rows of a million authors
	for i := range hs {
		hs[i] = hash('a', strconv.Itoa(r.IntN(1<<20)))
	}
	var p *partial
	for i := 0; b.Loop(); i++ {
		if i&(1<<23-1) == 0 {
			p = &partial{} // a quarter of eight million rows
			benchPartial = p
		}
		p.authors.add(hs[i&(1<<22-1)])
	}
}
