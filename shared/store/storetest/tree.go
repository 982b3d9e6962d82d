package storetest

import (
	"bytes"
	"context"
	"testing"
	"unicode/utf8"

	"github.com/civicpulse/civicpulse/shared/store"
)

// ReadTree reads every object of st, by key: what a test compares to say that a second run,
// a redelivered event or a replay after a crash "changed nothing".
func ReadTree(t testing.TB, st store.Store) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	infos, err := st.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte, len(infos))
	for _, in := range infos {
		if out[in.Key], err = store.ReadAll(ctx, st, in.Key); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// NewDirFrom is a directory store in a temporary directory holding tree, the reverse of
// ReadTree: each delivery of a redelivery test starts from the same objects.
func NewDirFrom(t testing.TB, tree map[string][]byte) *store.Dir {
	t.Helper()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for k, b := range tree {
		if err := st.Put(context.Background(), k, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// CompareTree fails the test for every object of got that differs from want's, is missing
// from got, or is not in want. Text objects that differ are shown in part.
func CompareTree(t testing.TB, want, got map[string][]byte) {
	t.Helper()
	for k, w := range want {
		if b, ok := got[k]; !ok {
			t.Errorf("%s is missing", k)
		} else if !bytes.Equal(b, w) {
			t.Errorf("%s differs (%d bytes; want %d):\n%s\nwant\n%s", k, len(b), len(w), clip(b), clip(w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s exists; want no such object", k)
		}
	}
}

// clip shows the start of a text object, or says it is binary.
func clip(b []byte) string {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "(binary)"
	}
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}
