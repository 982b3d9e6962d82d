package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"slices"

	"github.com/civicpulse/civicpulse/shared/internal/offheap"
	"github.com/civicpulse/civicpulse/shared/store"
)

// storedIDs is the set of ids earlier batches stored in one partition, as the id index
// objects list them, kept small whatever the partition holds: RecordID's ids as 12 bytes in
// sorted runs, the big runs in a temporary file and not in memory, with a Bloom filter in
// memory (about 1.25 bytes an id, at most maxBloomBytes) in front of them, so that a new id
// (most of them) costs no read of the file. Ids that are not 24 lower-case hex digits (none
// that the parsers make) are kept in a map.
//
// Runs are merged as a binary counter is carried: a run is merged into the one before it
// while that one is at most twice its size, so there are about log2 of the ids' count runs,
// and each id is rewritten that many times.
//
// A batch's own ids, added one at a time as its records are written (addKey), are kept the
// same way: memRunIDs of them in a map, then a run.
type storedIDs struct {
	runs    []idRun
	other   map[string]struct{}
	pending map[[12]byte]struct{} // added by addKey and not yet in a run
	bloom   bloom
	n       int                  // ids in runs
	block   *[fenceIDs * 12]byte // what an exact check reads from a file run
}

// memRunIDs is the most ids a run kept in memory holds (48 kB); bigger runs go to a file. At
// 65,536 a partition held about as many ids again in its smaller runs, 1.5 MB, and a survey
// export writes six partitions (three months, two tables).
var memRunIDs = 1 << 12

// fenceIDs is how many ids of a file run one fence (its first id, kept in memory) covers:
// an exact check reads one such block.
const fenceIDs = 256

// idRun is a sorted run of ids: in memory, or in a temporary file with its fences.
type idRun struct {
	mem    [][12]byte
	f      *os.File
	n      int
	fences [][12]byte
}

func newStoredIDs() *storedIDs { return &storedIDs{other: map[string]struct{}{}} }

// has says whether id is stored.
func (s *storedIDs) has(id string) (bool, error) { return s.hasKey(idKeyOf(id)) }

func (s *storedIDs) hasKey(key idKey) (bool, error) {
	if !key.isHex {
		_, ok := s.other[key.id]
		return ok, nil
	}
	k := key.hex
	if _, ok := s.pending[k]; ok {
		return true, nil
	}
	if !s.bloom.has(&k) {
		return false, nil
	}
	for i := range s.runs {
		r := &s.runs[i]
		if r.f == nil {
			if _, ok := slices.BinarySearchFunc(r.mem, k, cmpID); ok {
				return true, nil
			}
			continue
		}
		// The block whose first id is the last one not after k.
		b, ok := slices.BinarySearchFunc(r.fences, k, cmpID)
		if ok {
			return true, nil
		}
		if b == 0 {
			continue
		}
		b--
		n := min(fenceIDs, r.n-b*fenceIDs)
		if s.block == nil {
			s.block = new([fenceIDs * 12]byte)
		}
		block := s.block
		if _, err := r.f.ReadAt(block[:n*12], int64(b)*fenceIDs*12); err != nil {
			return false, fmt.Errorf("read id run: %w", err)
		}
		lo, hi := 0, n
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			switch c := bytes.Compare(block[m*12:m*12+12], k[:]); {
			case c == 0:
				return true, nil
			case c < 0:
				lo = m + 1
			default:
				hi = m
			}
		}
	}
	return false, nil
}

func cmpID(a, b [12]byte) int { return bytes.Compare(a[:], b[:]) }

// read adds the ids of one id index object: one a line, sorted (putIDIndex).
func (s *storedIDs) read(ctx context.Context, st store.Store, key string) error {
	body, err := st.Get(ctx, key)
	if err != nil {
		return err
	}
	defer body.Close()
	br := bufio.NewReaderSize(body, 64<<10)
	var run [][12]byte
	sorted := true
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%s: a line longer than %d bytes", key, br.Size())
		}
		if id := bytes.TrimSuffix(line, []byte{'\n'}); len(id) > 0 {
			if k, ok := hexID(string(id)); ok {
				if sorted && len(run) > 0 && cmpID(run[len(run)-1], k) > 0 {
					sorted = false
				}
				run = append(run, k)
			} else {
				s.other[string(id)] = struct{}{}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	if !sorted {
		slices.SortFunc(run, cmpID)
	}
	return s.add(run)
}

// addKey adds one id.
func (s *storedIDs) addKey(key idKey) error {
	if !key.isHex {
		s.other[key.id] = struct{}{}
		return nil
	}
	if s.pending == nil {
		s.pending = make(map[[12]byte]struct{}, min(memRunIDs, 1024))
	}
	s.pending[key.hex] = struct{}{}
	if len(s.pending) < memRunIDs {
		return nil
	}
	return s.flushPending()
}

// flushPending makes a run of the ids addKey holds in its map.
func (s *storedIDs) flushPending() error {
	if len(s.pending) == 0 {
		return nil
	}
	run := make([][12]byte, 0, len(s.pending))
	for k := range s.pending {
		run = append(run, k)
	}
	clear(s.pending)
	slices.SortFunc(run, cmpID)
	return s.add(run)
}

// len is the number of ids added (an id in several index objects counts as often).
func (s *storedIDs) len() int { return s.n + len(s.pending) + len(s.other) }

// eachHex calls fn with the RecordID ids in order (an id added twice comes twice).
func (s *storedIDs) eachHex(fn func(*[12]byte) error) error {
	if err := s.flushPending(); err != nil {
		return err
	}
	next := make([]func() (*[12]byte, error), len(s.runs))
	head := make([]*[12]byte, len(s.runs))
	for i := range s.runs {
		next[i] = s.runs[i].cursor()
		k, err := next[i]()
		if err != nil {
			return err
		}
		head[i] = k
	}
	for {
		m := -1
		for i, k := range head {
			if k != nil && (m < 0 || cmpID(*k, *head[m]) < 0) {
				m = i
			}
		}
		if m < 0 {
			return nil
		}
		if err := fn(head[m]); err != nil {
			return err
		}
		k, err := next[m]()
		if err != nil {
			return err
		}
		head[m] = k
	}
}

// add adds a sorted run of ids.
func (s *storedIDs) add(run [][12]byte) error {
	if len(run) == 0 {
		return nil
	}
	s.n += len(run)
	if s.bloom.full(s.n) {
		// Sized anew for half as many ids again, from the runs (each read once, in order):
		// 10 to 15 bits an id, and each id is read back about three times in all. The old
		// filter is freed first.
		s.bloom.free()
		s.bloom = newBloom(s.n + s.n/2)
		for i := range s.runs {
			if err := s.runs[i].each(func(k *[12]byte) { s.bloom.add(k) }); err != nil {
				return err
			}
		}
	}
	for i := range run {
		s.bloom.add(&run[i])
	}
	r, err := s.newRun(len(run), func(emit func(*[12]byte) error) error {
		for i := range run {
			if err := emit(&run[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.runs = append(s.runs, r)
	for len(s.runs) > 1 && s.runs[len(s.runs)-2].n <= 2*s.runs[len(s.runs)-1].n {
		a, b := s.runs[len(s.runs)-2], s.runs[len(s.runs)-1]
		m, err := s.newRun(a.n+b.n, func(emit func(*[12]byte) error) error { return mergeRuns(a, b, emit) })
		if err != nil {
			return err
		}
		a.close()
		b.close()
		s.runs = append(s.runs[:len(s.runs)-2], m)
	}
	return nil
}

// newRun makes a run of n ids from what fill emits, in order.
func (s *storedIDs) newRun(n int, fill func(emit func(*[12]byte) error) error) (idRun, error) {
	r := idRun{n: n}
	if n <= memRunIDs {
		r.mem = make([][12]byte, 0, n)
		err := fill(func(k *[12]byte) error { r.mem = append(r.mem, *k); return nil })
		return r, err
	}
	f, err := os.CreateTemp("", "civicpulse-ids-*")
	if err != nil {
		return r, fmt.Errorf("id index run: %w", err)
	}
	// Unlinked at once: the file goes with its descriptor, whatever becomes of the process.
	os.Remove(f.Name())
	r.f = f
	r.fences = make([][12]byte, 0, (n+fenceIDs-1)/fenceIDs)
	bw := bufio.NewWriterSize(f, 64<<10)
	i := 0
	err = fill(func(k *[12]byte) error {
		if i%fenceIDs == 0 {
			r.fences = append(r.fences, *k)
		}
		i++
		_, err := bw.Write(k[:])
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		r.close()
		return r, fmt.Errorf("write id index run: %w", err)
	}
	return r, nil
}

// cursor returns a function that yields the run's ids in order, then nil.
func (r *idRun) cursor() func() (*[12]byte, error) {
	if r.f == nil {
		i := 0
		return func() (*[12]byte, error) {
			if i == len(r.mem) {
				return nil, nil
			}
			i++
			return &r.mem[i-1], nil
		}
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r.f, 0, int64(r.n)*12), 64<<10)
	var k [12]byte
	left := r.n
	return func() (*[12]byte, error) {
		if left == 0 {
			return nil, nil
		}
		left--
		if _, err := io.ReadFull(br, k[:]); err != nil {
			return nil, fmt.Errorf("read id run: %w", err)
		}
		return &k, nil
	}
}

// each calls fn with the run's ids in order.
func (r *idRun) each(fn func(*[12]byte)) error {
	next := r.cursor()
	for {
		k, err := next()
		if k == nil || err != nil {
			return err
		}
		fn(k)
	}
}

// mergeRuns emits the ids of two runs in order.
func mergeRuns(a, b idRun, emit func(*[12]byte) error) error {
	na, nb := a.cursor(), b.cursor()
	x, err := na()
	if err != nil {
		return err
	}
	y, err := nb()
	if err != nil {
		return err
	}
	for x != nil || y != nil {
		if y == nil || (x != nil && cmpID(*x, *y) <= 0) {
			if err := emit(x); err != nil {
				return err
			}
			if x, err = na(); err != nil {
				return err
			}
			continue
		}
		if err := emit(y); err != nil {
			return err
		}
		if y, err = nb(); err != nil {
			return err
		}
	}
	return nil
}

func (r *idRun) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	r.mem, r.fences = nil, nil
}

// close frees the runs' files and the filter.
func (s *storedIDs) close() {
	s.bloom.free()
	s.pending = nil
	for i := range s.runs {
		s.runs[i].close()
	}
	s.runs = nil
}

// maxBloomBytes bounds the Bloom filter: past about 13M ids in one partition it answers
// "maybe" more often (and the runs are read more), but it does not grow.
const maxBloomBytes = 16 << 20

// bloom is a Bloom filter of 12-byte ids, which are already uniform hashes (RecordID is
// SHA-256): its probes are taken from their bytes. Zero is empty, and full at once.
//
// Its bits are outside the Go heap (offheap): a filter lives as long as its partition is
// written, and grows with what the month holds (4 MB for a month of 3.3 million posts). On
// the heap it counted about twice, the collector letting as much garbage gather before it
// ran again: the ingest stage of a ten-million-post quarter peaked at 66 MB RSS with the
// filters on the heap, 59 MB without (one run each, side by side).
type bloom struct {
	words *offheap.Uint64s // keeps bits mapped
	bits  []uint64
	n     uint64 // bits
	limit int    // ids it is sized for
}

// bloomProbes is the number of bits an id sets: with 10 bits an id, about 1% false hits.
const bloomProbes = 7

func newBloom(ids int) bloom {
	words := min(max(ids*10, 1<<12)/64+1, maxBloomBytes/8)
	limit := words * 64 / 10
	if words == maxBloomBytes/8 {
		limit = int(^uint(0) >> 1)
	}
	w := offheap.New(words)
	return bloom{words: w, bits: w.Slice(), n: uint64(words * 64), limit: limit}
}

// free gives the filter's memory back and empties it.
func (b *bloom) free() {
	b.words.Free()
	*b = bloom{}
}

func (b *bloom) full(ids int) bool { return ids > b.limit }

func bloomHashes(k *[12]byte) (h1, h2 uint64) {
	return binary.LittleEndian.Uint64(k[:8]), uint64(binary.LittleEndian.Uint32(k[8:]))<<32 | uint64(binary.LittleEndian.Uint32(k[4:8])) | 1
}

// bit maps a probe's hash onto the bits, any number of them (Lemire's multiply-shift).
func (b *bloom) bit(h uint64) uint64 {
	hi, _ := bits.Mul64(h, b.n)
	return hi
}

func (b *bloom) add(k *[12]byte) {
	h1, h2 := bloomHashes(k)
	for range bloomProbes {
		p := b.bit(h1)
		b.bits[p>>6] |= 1 << (p & 63)
		h1 += h2
	}
}

func (b *bloom) has(k *[12]byte) bool {
	if len(b.bits) == 0 {
		return false
	}
	h1, h2 := bloomHashes(k)
	for range bloomProbes {
		p := b.bit(h1)
		if b.bits[p>>6]&(1<<(p&63)) == 0 {
			return false
		}
		h1 += h2
	}
	return true
}
