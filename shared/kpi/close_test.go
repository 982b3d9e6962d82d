package kpi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openSpillFiles counts this process's open descriptors of spill files: unlinked, /proc
// shows them by their old names.
func openSpillFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd to count open files: %v", err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.Contains(target, "civicpulse-spill-") {
			n++
		}
	}
	return n
}
