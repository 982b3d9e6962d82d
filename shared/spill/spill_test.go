package spill

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// rec is a record of a 1-byte key, compared, and a 4-byte sequence number, not compared: the
// sequence shows whether equal keys keep the order they were added in.
func rec(key byte, seq uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{key}, seq)
}

func byKey(a, b []byte) int { return int(a[0]) - int(b[0]) }

func collect(t *testing.T, s *Sorter) [][]byte {
	t.Helper()
	var out [][]byte
	for r, err := range s.All() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(r))
	}
	return out
}

func TestSorterIsAStableSort(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, limit   int
		wantSpills bool
	}{
		{"empty", 0, 0, false},
		{"in memory", 1000, 0, false},
		{"a few runs", 1000, 900, true},
		{"more runs than are kept open", 5000, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(byKey, Options{Limit: tc.limit, Dir: t.TempDir()})
			defer s.Close()
			rng := rand.New(rand.NewPCG(1, uint64(tc.n)))
			var want [][]byte
			for i := range tc.n {
				r := rec(byte(rng.IntN(7)), uint32(i))
				want = append(want, r)
				if err := s.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			slices.SortStableFunc(want, byKey)
			for pass := range 2 { // All can be called again
				got := collect(t, s)
				if !slices.EqualFunc(got, want, bytes.Equal) {
					t.Fatalf("pass %d: %d records, not the stable sort of the %d added", pass, len(got), len(want))
				}
			}
			if s.Len() != int64(tc.n) {
				t.Errorf("Len = %d; want %d", s.Len(), tc.n)
			}
			if spilled := s.Spilled() > 0; spilled != tc.wantSpills {
				t.Errorf("spilled %d runs; want spills: %v", s.Spilled(), tc.wantSpills)
			}
			if s.Spilled() > maxFileRuns {
				t.Errorf("%d file runs kept; at most %d", s.Spilled(), maxFileRuns)
			}
		})
	}
}

func TestAbsorbKeepsTheOrderOfAdding(t *testing.T) {
	for _, limit := range []int{0, 200} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			a := New(byKey, Options{Limit: limit, Dir: t.TempDir()})
			b := New(byKey, Options{Limit: limit, Dir: t.TempDir()})
			defer a.Close()
			defer b.Close()
			var want [][]byte
			for i := range 600 {
				r := rec(byte(i%5), uint32(i))
				want = append(want, r)
				s := a
				if i >= 300 {
					s = b
				}
				if err := s.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Absorb(b); err != nil {
				t.Fatal(err)
			}
			if b.Len() != 0 || len(collect(t, b)) != 0 {
				t.Errorf("the absorbed sorter still has records")
			}
			slices.SortStableFunc(want, byKey)
			if got := collect(t, a); !slices.EqualFunc(got, want, bytes.Equal) {
				t.Fatalf("absorbed records out of order")
			}
		})
	}
}

func TestVariableLengthRecords(t *testing.T) {
	s := New(bytes.Compare, Options{Limit: 1 << 10, Dir: t.TempDir()})
	defer s.Close()
	rng := rand.New(rand.NewPCG(2, 3))
	var want [][]byte
	for range 3000 {
		r := make([]byte, rng.IntN(300))
		for i := range r {
			r[i] = byte('a' + rng.IntN(3))
		}
		want = append(want, r)
		if err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortStableFunc(want, bytes.Compare)
	if got := collect(t, s); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatal("variable-length records out of order")
	}
	if s.Spilled() == 0 {
		t.Error("nothing spilled past the limit")
	}
}

func TestStopEarly(t *testing.T) {
	s := New(bytes.Compare, Options{Limit: 64, Dir: t.TempDir()})
	defer s.Close()
	for i := range 100 {
		s.Add([]byte{byte(100 - i)})
	}
	for r, err := range s.All() {
		if err != nil || r[0] != 1 {
			t.Fatalf("first record %v, %v; want [1]", r, err)
		}
		break
	}
	if got := collect(t, s); len(got) != 100 {
		t.Errorf("after a stopped pass, a full pass yields %d records; want 100", len(got))
	}
}

func BenchmarkSorter(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([][]byte, 1<<20)
	for i := range keys {
		keys[i] = binary.BigEndian.AppendUint64(nil, rng.Uint64())
	}
	b.SetBytes(int64(8 * len(keys)))
	for b.Loop() {
		s := New(bytes.Compare, Options{Dir: b.TempDir()})
		for _, k := range keys {
			s.Add(k)
		}
		for _, err := range s.All() {
			if err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
	}
}
