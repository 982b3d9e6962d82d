package table_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/civicpulse/civicpulse/shared/table"
)

// pageLike is n bytes of what a text column's page holds: short, repetitive posts, with a
// run of random bytes now and then.
func pageLike(r *rand.Rand, n int) []byte {
	words := []string{"pothole", "Maple Ave", "trash", "pickup", "thanks", "crew", "park", "noise", "night", "bus", "route"}
	var b bytes.Buffer
	for b.Len() < n {
		if r.IntN(50) == 0 {
			for range r.IntN(300) {
				b.WriteByte(byte(r.Uint32()))
			}
		}
		fmt.Fprintf(&b, "%s %s %d. ", words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(1000))
	}
	return b.Bytes()[:n]
}

// Compression writes what parquet-go's zstd codec at SpeedFastest writes, for pages of every
// size (one block, several blocks, past its small window), one after the other as a writer
// compresses them, and reads it back.
func TestCompressionGivesParquetGoZstdBytes(t *testing.T) {
	ref := &zstd.Codec{Level: zstd.SpeedFastest}
	codec := table.Compression()
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 100, 128<<10 - 1, 128 << 10, 128<<10 + 1, 251 << 10, 256<<10 - 1, 256 << 10, 256<<10 + 1, 17, 400 << 10, 1<<20 - 1, 1 << 20, 1<<20 + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			for _, src := range [][]byte{pageLike(r, n), bytes.Repeat([]byte{'a'}, n)} {
				want, err := ref.Encode(nil, src)
				if err != nil {
					t.Fatal(err)
				}
				got, err := codec.Encode(make([]byte, 0, 10), src)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%d bytes compress to %d bytes; parquet-go's codec gives %d bytes, not the same", n, len(got), len(want))
				}
				back, err := codec.Decode(nil, got)
				if err != nil {
					t.Fatalf("decode %d bytes: %v", n, err)
				}
				if !bytes.Equal(back, src) {
					t.Fatalf("%d bytes do not decode back", n)
				}
			}
		})
	}
}
