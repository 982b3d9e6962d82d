package table

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/compress/zstd"
)

// pageLikeText is n bytes of short posts.
func pageLikeText(r *rand.Rand, n int) []byte {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString([]string{"pothole on Maple Ave ", "trash pickup missed ", "thanks to the crew "}[r.IntN(3)])
		b.WriteString(strings.Repeat("x", r.IntN(40)))
	}
	return []byte(b.String()[:n])
}

// A page past one zstd block costs Compression under a megabyte of encoder history, where
// parquet-go's codec allocates its 8 MB window.
func TestCompressionAllocatesLittle(t *testing.T) {
	page := pageLikeText(rand.New(rand.NewPCG(5, 6)), 250<<10)
	dst := make([]byte, 0, len(page))
	allocated := func(encode func(dst, src []byte) ([]byte, error)) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		// One encode, the first of a new codec: its pool is empty. (Pools drop items at
		// random under the race detector, so more encodes could make more encoders.)
		if _, err := encode(dst, page); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	ref := allocated((&zstd.Codec{Level: zstd.SpeedFastest}).Encode)
	got := allocated((&windowedCodec{}).Encode)
	t.Logf("the first encode of a %d kB page allocates %.1f MB; parquet-go's codec %.1f MB", len(page)>>10, float64(got)/(1<<20), float64(ref)/(1<<20))
	if got > 3<<20 || got > ref/2 {
		t.Errorf("Compression allocates %.1f MB to compress a page; want under 3 MB and half of parquet-go's %.1f MB", float64(got)/(1<<20), float64(ref)/(1<<20))
	}
}
