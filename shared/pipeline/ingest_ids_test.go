package pipeline

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/store"
)

// TestStoredIDs checks the compact id index against a plain set: every stored id is found,
// no other is, whether its runs are in memory or in files, and the runs stay few.
func TestStoredIDs(t *testing.T) {
	tests := []struct {
		name      string
		memRun    int
		objects   int
		perObject int
		unsorted  bool
	}{
		{"memory runs", 1 << 16, 40, 50, false},
		{"file runs", 16, 60, 300, false},
		{"file runs, unsorted objects", 16, 20, 257, true},
		{"one object", 4, 1, 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := memRunIDs
			memRunIDs = tt.memRun
			defer func() { memRunIDs = old }()
			ctx := context.Background()
			st, err := store.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, uint64(tt.objects)))
			want := map[string]bool{}
			s := newStoredIDs()
			defer s.close()
			for o := range tt.objects {
				var lines []string
				for i := range tt.perObject {
					id := ingest.RecordID("tw", fmt.Sprint(rng.Uint64()))
					if i%97 == 0 {
						id = fmt.Sprintf("other-%d-%d", o, i) // not a RecordID
					}
					if i%13 == 0 && o > 0 {
						id = ingest.RecordID("tw", fmt.Sprint("again", i)) // in several objects
					}
					want[id] = true
					lines = append(lines, id)
				}
				if !tt.unsorted {
					slices.Sort(lines)
				}
				key := fmt.Sprintf("state/ingest/ids/feedback/source=tw/month=2026-01/b%03d.ids", o)
				if err := st.Put(ctx, key, strings.NewReader(strings.Join(lines, "\n")+"\n")); err != nil {
					t.Fatal(err)
				}
				if err := s.read(ctx, st, key); err != nil {
					t.Fatalf("read %s: %v", key, err)
				}
			}
			if maxRuns := bits.Len(uint(len(want))) + 1; len(s.runs) > maxRuns {
				t.Errorf("%d runs for %d ids, want at most %d", len(s.runs), len(want), maxRuns)
			}
			files := 0
			for _, r := range s.runs {
				if r.f != nil {
					files++
				}
			}
			if wantFiles := tt.memRun < len(want)/2; (files > 0) != wantFiles {
				t.Errorf("%d runs in files, want some: %v", files, wantFiles)
			}
			for id := range want {
				if ok, err := s.has(id); err != nil || !ok {
					t.Fatalf("has(%s) = %v, %v; want true", id, ok, err)
				}
			}
			for i := range 5000 {
				id := ingest.RecordID("tw", fmt.Sprint("absent", i))
				if i%50 == 0 {
					id = fmt.Sprint("other-absent-", i)
				}
				if ok, err := s.has(id); err != nil || ok {
					t.Fatalf("has(%s) = %v, %v; want false", id, ok, err)
				}
			}
		})
	}
}

// TestBloomFalseHits checks that the Bloom filter in front of the runs mostly says no to ids
// it was not given, and never to one it was.
func TestBloomFalseHits(t *testing.T) {
	for _, n := range []int{100, 10_000, 200_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := newBloom(n)
			var k [12]byte
			for i := range n {
				k, _ = hexID(ingest.RecordID("in", fmt.Sprint(i)))
				b.add(&k)
			}
			for i := range n {
				k, _ = hexID(ingest.RecordID("in", fmt.Sprint(i)))
				if !b.has(&k) {
					t.Fatalf("id %d added but not found", i)
				}
			}
			hits := 0
			for i := range 20_000 {
				k, _ = hexID(ingest.RecordID("out", fmt.Sprint(i)))
				if b.has(&k) {
					hits++
				}
			}
			rate := float64(hits) / 20_000
			t.Logf("%d ids in %d KB: %.2f%% false hits", n, len(b.bits)*8>>10, 100*rate)
			if rate > 0.03 {
				t.Errorf("false hits %.2f%%, want under 3%%", 100*rate)
			}
		})
	}
}

// TestHexID checks that only RecordID's form (24 lower-case hex digits) is kept as bytes:
// anything else would not be written back the same.
func TestHexID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"0123456789abcdef01234567", true},
		{ingest.RecordID("tw", "1"), true},
		{"0123456789ABCDEF01234567", false},
		{"0123456789abcdeg01234567", false},
		{"0123456789abcdef0123456", false},
		{"0123456789abcdef012345678", false},
		{"0123456789abcdef0123456\xff", false},
		{"", false},
	}
	for _, tt := range tests {
		k, ok := hexID(tt.id)
		if ok != tt.ok {
			t.Errorf("hexID(%q) ok = %v, want %v", tt.id, ok, tt.ok)
			continue
		}
		if ok {
			if got := fmt.Sprintf("%x", k[:]); got != tt.id {
				t.Errorf("hexID(%q) = %s", tt.id, got)
			}
		}
	}
}

// TestBatchIDs: a batch's own ids, added one at a time (in a map, then runs in memory and in
// files), are each found once added and never before, and the id index lists exactly them,
// sorted as strings, with the ids that are not RecordIDs in their places.
func TestBatchIDs(t *testing.T) {
	for _, memRun := range []int{16, 4096} {
		t.Run(fmt.Sprint("runs of ", memRun), func(t *testing.T) {
			old := memRunIDs
			memRunIDs = memRun
			defer func() { memRunIDs = old }()
			ctx := context.Background()
			st, err := store.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, uint64(memRun)))
			s := newStoredIDs()
			defer s.close()
			var want []string
			for i := range 5000 {
				id := ingest.RecordID("tw", fmt.Sprint(rng.Uint64()))
				if i%101 == 0 {
					id = fmt.Sprintf("native-%d", rng.Uint64()) // not a RecordID
				}
				if in, err := s.has(id); err != nil || in {
					t.Fatalf("id %d found before it was added (err %v)", i, err)
				}
				if err := s.addKey(idKeyOf(id)); err != nil {
					t.Fatal(err)
				}
				want = append(want, id)
				for _, j := range []int{i, rng.IntN(i + 1)} {
					if in, err := s.has(want[j]); err != nil || !in {
						t.Fatalf("id %d not found after %d were added (err %v)", j, i+1, err)
					}
				}
			}
			if memRun == 16 && len(s.runs) > 2*bits.Len(uint(len(want))) {
				t.Errorf("%d runs for %d ids", len(s.runs), len(want))
			}
			if err := putIDIndex(ctx, st, "feedback", "tw", "2026-09", "b1", s); err != nil {
				t.Fatal(err)
			}
			b, err := store.ReadAll(ctx, st, idIndexDir("feedback", "tw", "2026-09")+"b1.ids")
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			if got := string(b); got != strings.Join(want, "\n")+"\n" {
				t.Errorf("id index: %d bytes, want the %d ids sorted, one a line", len(got), len(want))
			}
			if empty := newStoredIDs(); putIDIndex(ctx, st, "feedback", "tw", "2026-10", "b1", empty) != nil {
				t.Error("an empty partition's index failed")
			} else if _, err := st.Get(ctx, idIndexDir("feedback", "tw", "2026-10")+"b1.ids"); err == nil {
				t.Error("an empty partition got an id index")
			}
		})
	}
}
