package kpi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/kpi"
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

// closeAll closes the computers and fails if more spill files are open than there were
// before they were made (open).
func closeAll(t *testing.T, open int, parts []*kpi.Computer) {
	t.Helper()
	for _, p := range parts {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}
	if n := openSpillFiles(t); n > open {
		t.Errorf("%d spill files open after Close; %d before the computers were made", n, open)
	}
}
