package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/civicpulse/civicpulse/shared/store"
)

// Listing while another writer puts and deletes objects never fails and never lists a write
// in progress: runs overlap (an event delivered twice, the schedule meeting an event), and a
// failed ingest deletes what it began.
func TestDirListWhileWriting(t *testing.T) {
	ctx := context.Background()
	d, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Many objects, so that a listing takes a while after it read the directory; the writer
	// deletes them and puts them back.
	const n, rounds = 400, 10
	put := func(i int) error {
		return d.Put(ctx, fmt.Sprintf("a/b/%03d", i), strings.NewReader("x"))
	}
	for i := range n {
		if err := put(i); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			for i := range n {
				select {
				case <-done:
					return
				default:
				}
				if err := errors.Join(d.Delete(ctx, fmt.Sprintf("a/b/%03d", i)), put(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	for range rounds {
		infos, err := d.List(ctx, "a/")
		if err != nil {
			close(done)
			wg.Wait()
			t.Fatalf("List during writes: %v", err)
		}
		for _, in := range infos {
			if strings.Contains(in.Key, ".tmp-") {
				t.Errorf("List returned a write in progress: %s", in.Key)
			}
		}
	}
	close(done)
	wg.Wait()
}
