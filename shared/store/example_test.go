package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/civicpulse/civicpulse/shared/store"
)

func Example() {
	dir, _ := os.MkdirTemp("", "store-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, _ := store.Open(ctx, dir) // or "s3://bucket/prefix"
	_ = s.Put(ctx, "state/cursor.json", strings.NewReader(`{"next":"abc"}`))
	b, _ := store.ReadAll(ctx, s, "state/cursor.json")
	fmt.Println(string(b))

	err := s.PutIfAbsent(ctx, "state/cursor.json", strings.NewReader("again"))
	fmt.Println(err != nil)
	// Output:
	// {"next":"abc"}
	// true
}
