package sample

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// Putter is where Install writes; a store.Store is one.
type Putter interface {
	Put(ctx context.Context, key string, r io.Reader) error
}

// Install generates the sample city for seed and writes it to dst: the config always, and the
// inbox files that keep accepts (nil keeps them all).
func Install(ctx context.Context, dst Putter, seed int64, keep func(key string) bool) error {
	files, err := Generate(seed)
	if err != nil {
		return fmt.Errorf("generate sample city: %w", err)
	}
	for _, f := range files {
		if f.Key != ConfigKey && keep != nil && !keep(f.Key) {
			continue
		}
		if err := dst.Put(ctx, f.Key, bytes.NewReader(f.Data)); err != nil {
			return fmt.Errorf("install sample city: %w", err)
		}
	}
	return nil
}
