package pipeline_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/internal/measure"
	"github.com/civicpulse/civicpulse/shared/pipeline"
)

// TestIngestMemoryIgnoresStoredIDs ingests one small export into a month whose id index
// already lists many ids, among them some of the export's records: those are dropped as
// duplicates, and the live heap's peak is about what it is for an empty month. Holding the
// stored ids in a map, as ingest once did, costs about 33 bytes an id (33 MB for a million).
// The live heap (what collections found in use), not the heap's size: the size also holds
// garbage not yet collected, and once peaked 13 MB higher in one of seven runs of the
// package on a busy machine.
func TestIngestMemoryIgnoresStoredIDs(t *testing.T) {
	stored, perObject := 1_000_000, 20_000
	if raceEnabled {
		stored = 200_000
	}
	const posts, dups = 5000, 300
	// The old map would pass over this bound with a quarter of the ids.
	bound := uint64(stored) * 33 / 4
	tests := []struct {
		name   string
		stored int
	}{
		{"empty month", 0},
		{fmt.Sprintf("%d ids stored", stored), stored},
	}
	peaks := make([]uint64, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, city := scaleStore(t, posts)
			rng := rand.New(rand.NewPCG(7, 7))
			var ids []string
			if tt.stored > 0 {
				for j := range dups { // the export's first records, as writeSocialExport numbers them
					ids = append(ids, ingest.RecordID("tw", fmt.Sprint(1_000_000_000+j)))
				}
			}
			for len(ids) < tt.stored {
				ids = append(ids, ingest.RecordID("tw", fmt.Sprint("stored-", rng.Uint64())))
			}
			for o := 0; len(ids) > 0; o++ {
				obj := ids[:min(perObject, len(ids))]
				ids = ids[len(obj):]
				slices.Sort(obj)
				key := fmt.Sprintf("%sfeedback/source=tw/month=2026-01/old%04d.ids", pipeline.IDIndexPrefix, o)
				if err := st.Put(ctx, key, strings.NewReader(strings.Join(obj, "\n")+"\n")); err != nil {
					t.Fatalf("write id index: %v", err)
				}
			}
			ids = nil
			runtime.GC()
			stop := measure.LivePeak()
			sum, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)})
			peaks[i] = stop()
			if err != nil {
				t.Fatal(err)
			}
			wantDups := 0
			if tt.stored > 0 {
				wantDups = dups
			}
			if sum.Feedback != posts-wantDups || sum.Duplicates != wantDups {
				t.Errorf("ingest: %d rows, %d duplicates; want %d, %d", sum.Feedback, sum.Duplicates, posts-wantDups, wantDups)
			}
			t.Logf("%d ids stored: live heap peaked at %.1f MB", tt.stored, float64(peaks[i])/(1<<20))
		})
	}
	if !raceEnabled && peaks[1] > peaks[0]+bound {
		t.Errorf("live heap peaked at %.1f MB with %d ids stored, %.1f MB with none; want at most %.1f MB more",
			float64(peaks[1])/(1<<20), stored, float64(peaks[0])/(1<<20), float64(bound)/(1<<20))
	}
}
