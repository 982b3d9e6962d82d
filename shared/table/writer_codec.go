package table

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/compress"
	pqzstd "github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// Compression is the codec of the Parquet files this package writes: zstd at its fastest
// level, as parquet-go's zstd.Codec{Level: zstd.SpeedFastest} writes them, byte for byte, but
// with a fraction of the memory. parquet-go's encoder keeps zstd's default 8 MB window, and
// allocates its history (8 MB and more, per pooled encoder) as soon as a page is larger than
// one 128 kB zstd block: a stage's live heap then jumps by that much once its pages grow past
// that, which is what the files of a large input do. A page is about pageBytes (64 kB), so
// Compression compresses it with a 256 kB window (and zstd's lower-memory history), which
// finds the same matches and writes the same frame header for any input smaller than the
// window; only a larger page (a single huge value) takes an encoder with the default
// window. SpeedFastest takes about half the CPU of SpeedDefault for files 12% larger
// (snappy's are twice the size). The codec is shared by every writer: it pools its encoders,
// whose buffers cost more to allocate and clear than a small file costs to compress.
func Compression() compress.Codec { return sharedCodec }

var sharedCodec = &windowedCodec{}

// smallWindow is the window of the encoders most pages are compressed with: pages smaller
// than it compress to the same bytes with it as with the default window.
const smallWindow = 256 << 10

// windowedCodec is zstd at SpeedFastest with two pools of encoders: small-window ones for
// inputs smaller than smallWindow, and default-window ones for the rest. Decoding is
// parquet-go's.
type windowedCodec struct {
	small, large sync.Pool // *zstd.Encoder
	decoder      pqzstd.Codec
}

func (c *windowedCodec) String() string { return "ZSTD" }

func (c *windowedCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

// Encode compresses src as one zstd frame, as parquet-go's zstd.Codec does.
func (c *windowedCodec) Encode(dst, src []byte) ([]byte, error) {
	pool, window := &c.small, smallWindow
	if len(src) >= smallWindow {
		pool, window = &c.large, 0
	}
	e, _ := pool.Get().(*zstd.Encoder)
	if e == nil {
		var err error
		if e, err = newEncoder(window); err != nil {
			return dst[:0], err
		}
	}
	defer pool.Put(e)
	return e.EncodeAll(src, dst[:0]), nil
}

// Decode decompresses src, as parquet-go's zstd.Codec does.
func (c *windowedCodec) Decode(dst, src []byte) ([]byte, error) { return c.decoder.Decode(dst, src) }

// newEncoder makes an encoder as parquet-go's zstd.Codec does, with the given window (0: the
// default).
func newEncoder(window int) (*zstd.Encoder, error) {
	opts := []zstd.EOption{
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false),
	}
	if window > 0 {
		// Lower memory only trims the history to the window and a block: it changes no byte.
		opts = append(opts, zstd.WithWindowSize(window), zstd.WithLowerEncoderMem(true))
	}
	return zstd.NewWriter(nil, opts...)
}
