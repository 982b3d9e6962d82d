package score_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time of the calling OS thread: a per-core figure that other processes
// on a busy machine do not distort, as they do wall time.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
