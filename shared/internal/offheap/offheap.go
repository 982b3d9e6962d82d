// Package offheap holds big, long-lived buffers of plain numbers outside the Go heap. A buffer
// on the heap costs about twice its size in memory: the collector lets the heap grow to twice
// what it last found live before it collects again (GOGC=100), so the buffer is matched by as
// much garbage in waiting. A filter of a few megabytes that lives for a whole stage (ingest's
// Bloom filters of stored ids) then adds twice that to the stage's peak. Outside the heap it
// counts once, and the collector neither scans it nor counts it.
//
// The memory is mapped from the system on Unix; elsewhere New falls back to an ordinary
// slice. Free gives it back at once; a buffer that becomes unreachable without Free is
// given back by a cleanup, so a forgotten Free leaks nothing for long.
package offheap

import "runtime"

// Uint64s is a zeroed array of uint64s, outside the Go heap where the system allows.
type Uint64s struct {
	s       []uint64
	mem     []byte // the mapping, nil for a heap fallback
	cleanup runtime.Cleanup
}

// New returns n zeroed uint64s.
func New(n int) *Uint64s {
	u := &Uint64s{}
	if n <= 0 {
		return u
	}
	if mem, s, ok := mapWords(n); ok {
		u.s, u.mem = s, mem
		u.cleanup = runtime.AddCleanup(u, unmap, mem)
		return u
	}
	u.s = make([]uint64, n)
	return u
}

// Slice is the buffer's words. It is valid until Free, and while u is reachable: keep u (not
// only the slice) in whatever holds the words.
func (u *Uint64s) Slice() []uint64 { return u.s }

// Free gives the memory back; the slice must not be used after. Free is safe to call twice.
func (u *Uint64s) Free() {
	if u == nil {
		return
	}
	if u.mem != nil {
		u.cleanup.Stop()
		unmap(u.mem)
	}
	u.s, u.mem = nil, nil
}
