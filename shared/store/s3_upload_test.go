package store_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// TestS3PutParts streams objects of around and over the uploader's part size (5 MB, S3's
// least) from readers that cannot seek, and reads them back whole: a Put of several parts,
// two in flight, stores the same bytes as one of a single part.
func TestS3PutParts(t *testing.T) {
	st := storetest.S3(t, "parts/")
	ctx := context.Background()
	tests := []struct {
		name string
		size int
	}{
		{"under a part", 5<<20 - 1},
		{"one part", 5 << 20},
		{"three parts and a bit", 15<<20 + 4321},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := make([]byte, tt.size)
			rng := rand.New(rand.NewPCG(uint64(tt.size), 1))
			for i := range want {
				want[i] = byte(rng.Uint32())
			}
			key := "objects/" + tt.name
			// io.MultiReader hides bytes.Reader's Seek, as a pipe from a writer would.
			if err := st.Put(ctx, key, io.MultiReader(bytes.NewReader(want))); err != nil {
				t.Fatalf("put %d bytes: %v", tt.size, err)
			}
			got, err := store.ReadAll(ctx, st, key)
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("read back %d bytes, not the %d put", len(got), len(want))
			}
		})
	}
}
