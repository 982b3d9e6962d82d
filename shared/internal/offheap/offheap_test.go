package offheap_test

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/internal/offheap"
)

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestNewIsOutsideTheHeap: 64 MB of words are zeroed, writable, and (on Unix) not on the Go
// heap; Free is safe twice.
func TestNewIsOutsideTheHeap(t *testing.T) {
	const n = 8 << 20 // 64 MB
	runtime.GC()
	before := heapObjects()
	u := offheap.New(n)
	grew := int64(heapObjects()) - int64(before)
	s := u.Slice()
	if len(s) != n {
		t.Fatalf("len %d, want %d", len(s), n)
	}
	for i := 0; i < n; i += 4096 {
		if s[i] != 0 {
			t.Fatalf("word %d is %d, want 0", i, s[i])
		}
		s[i] = uint64(i)
	}
	if s[n-4096] != n-4096 {
		t.Fatal("a written word does not read back")
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" && grew > 1<<20 {
		t.Errorf("the Go heap grew by %d bytes for a 64 MB buffer, want it outside", grew)
	}
	u.Free()
	u.Free()
	if u.Slice() != nil {
		t.Error("Slice after Free is not nil")
	}
	if z := offheap.New(0); len(z.Slice()) != 0 {
		t.Error("New(0) has words")
	}
}

// rssAnon is the process's resident anonymous memory, from /proc (Linux only).
func rssAnon(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status on %s: the resident memory cannot be read", runtime.GOOS)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("read RssAnon %q: %v", l, err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssAnon in /proc/self/status")
	return 0
}

// TestMemoryGoesBack: 64 MB written is resident until Free, and a buffer dropped without
// Free is given back by its cleanup once collected.
func TestMemoryGoesBack(t *testing.T) {
	const n = 8 << 20 // 64 MB
	fill := func(u *offheap.Uint64s) {
		s := u.Slice()
		for i := 0; i < len(s); i += 512 { // a word in every 4 kB page
			s[i] = 1
		}
	}
	base := rssAnon(t)
	u := offheap.New(n)
	fill(u)
	if got := rssAnon(t) - base; got < 56<<20 {
		t.Fatalf("64 MB written: resident memory grew by %d MB, want about 64", got>>20)
	}
	u.Free()
	if got := rssAnon(t) - base; got > 8<<20 {
		t.Errorf("after Free the resident memory is still %d MB above where it was", got>>20)
	}

	fill(offheap.New(n)) // dropped at once, never freed
	deadline := time.Now().Add(5 * time.Second)
	for rssAnon(t)-base > 8<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("a dropped buffer was not given back: resident memory %d MB above where it was", (rssAnon(t)-base)>>20)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
