// Package wordmap is a read-only string-to-index table for the scorer's per-word lookups:
// open addressing over a multiply-mix hash, with keys of up to 16 bytes stored in the slot,
// so that a lookup reads one slot and no key elsewhere; about twice as fast as a Go map for
// the millions of words a scorer looks up per second.
package wordmap

import (
	"math/bits"
	"unsafe"
)

// Table gives each of a fixed set of keys its index in that set.
type Table struct {
	slots []slot
	keys  []string
	mask  uint64
}

// slot holds one key: its first 16 bytes (zero padded), its length and its index+1 (0 for an
// empty slot).
type slot struct {
	k0, k1 uint64
	n      uint32
	idx    uint32
}

// New returns a table of keys, which must be distinct: Index(keys[i]) is i.
func New(keys []string) *Table {
	n := 8
	for n < len(keys)+len(keys)/2 { // at most two thirds full
		n *= 2
	}
	t := &Table{slots: make([]slot, n), keys: keys, mask: uint64(n - 1)}
	for i, k := range keys {
		k0, k1 := words(k)
		j := hash(k0, k1, len(k)) & t.mask
		for t.slots[j].idx != 0 {
			j = (j + 1) & t.mask
		}
		t.slots[j] = slot{k0: k0, k1: k1, n: uint32(len(k)), idx: uint32(i + 1)}
	}
	return t
}

// Key returns the key of index i.
func (t *Table) Key(i int) string { return t.keys[i] }

// Len is the number of keys.
func (t *Table) Len() int { return len(t.keys) }

// Index returns the index of k, or -1 when k is not in the table.
func (t *Table) Index(k string) int {
	k0, k1 := words(k)
	n := uint32(len(k))
	for j := hash(k0, k1, len(k)) & t.mask; ; j = (j + 1) & t.mask {
		s := &t.slots[j]
		if s.idx == 0 {
			return -1
		}
		if s.k0 == k0 && s.k1 == k1 && s.n == n && (n <= 16 || t.keys[s.idx-1] == k) {
			return int(s.idx) - 1
		}
	}
}

// IndexBytes is Index of a byte slice, without converting it.
func (t *Table) IndexBytes(b []byte) int {
	return t.Index(unsafe.String(unsafe.SliceData(b), len(b)))
}

// words returns the first 16 bytes of s as two little-endian words, zero padded.
func words(s string) (k0, k1 uint64) {
	switch {
	case len(s) >= 16:
		return load64(s), load64(s[8:])
	case len(s) >= 8:
		return load64(s), loadTail(s[8:])
	default:
		return loadTail(s), 0
	}
}

func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// loadTail reads fewer than eight bytes, zero padded.
func loadTail(s string) uint64 {
	var v uint64
	switch {
	case len(s) >= 4:
		lo := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
		t := s[len(s)-4:]
		hi := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24
		v = lo | hi<<(8*(len(s)-4)) // the two loads overlap on the same bytes
	default:
		for i := len(s) - 1; i >= 0; i-- {
			v = v<<8 | uint64(s[i])
		}
	}
	return v
}

const (
	m0 = 0x9e3779b97f4a7c15
	m1 = 0xbf58476d1ce4e5b9
)

// hash mixes the first 16 bytes and the length; longer keys differ there or in length often
// enough for a table of words, and the slot compares the whole key.
func hash(k0, k1 uint64, n int) uint64 {
	hi, lo := bits.Mul64(k0^m0, k1^m1^uint64(n))
	return hi ^ lo
}
