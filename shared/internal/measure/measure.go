// Package measure holds what the benchmarks and memory tests measure with: the peak of the
// heap (or of its live part) while some work runs, sampled through runtime/metrics (which, unlike
// runtime.ReadMemStats, does not stop the world under the work it measures), and the CPU
// time the process has used, a per-core figure that a busy machine distorts less than wall
// time.
package measure

import (
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// HeapPeak starts sampling the bytes of the heap's objects every half millisecond (those
// still in use and those no collection has freed yet: what the heap holds, which is what
// the process pays for); stop ends the sampling, takes one last sample, and returns the peak
// in bytes.
func HeapPeak() (stop func() uint64) { return peakOf("/memory/classes/heap/objects:bytes") }

// LivePeak is HeapPeak for the heap that garbage collections found in use, which does not
// depend on when they ran: the measure of what some work keeps, steadier than HeapPeak
// when other goroutines allocate or the machine is busy.
func LivePeak() (stop func() uint64) { return peakOf("/gc/heap/live:bytes") }

func peakOf(metric string) (stop func() uint64) {
	s := []metrics.Sample{{Name: metric}}
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

// Median calls f n times and returns the median of what it returns. A peak sampled while other
// goroutines and processes run varies from run to run (a sample missed in a short run, a
// collection that came late on a busy machine): a test that compares two peaks should compare
// medians of a few runs, not single runs.
func Median(n int, f func() uint64) uint64 {
	v := make([]uint64, max(n, 1))
	for i := range v {
		v[i] = f()
	}
	slices.Sort(v)
	return v[len(v)/2]
}
