// Package measure holds what the benchmarks and memory tests measure with: the peak of the
// live heap while some work runs, sampled through runtime/metrics (which, unlike
// runtime.ReadMemStats, does not stop the world under the work it measures), and the CPU
// time the process has used, a per-core figure that a busy machine distorts less than wall
// time.
package measure

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// HeapPeak starts sampling the heap's live objects every half millisecond; stop ends the
// sampling, takes one last sample, and returns the peak in bytes.
func HeapPeak() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		metrics.Read(s)
		return max(peak.Load(), s[0].Value.Uint64())
	}
}
