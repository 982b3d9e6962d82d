// Package store is the object store every stage reads and writes: a local directory (the
// embedded default, for a laptop) or an S3 bucket (in AWS, or any S3-compatible server).
//
// Keys are slash-separated relative names such as "curated/feedback/source=x/month=2026-01/b.parquet".
// Both implementations pass one conformance suite (storetest), so a stage that works on a laptop
// works on S3.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

var (
	// ErrNotFound is returned when a key does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists is returned by PutIfAbsent when the key already exists.
	ErrExists = errors.New("store: already exists")
	// ErrBadKey is returned for a key that is empty, absolute or climbs out with "..".
	ErrBadKey = errors.New("store: bad key")
)

// Info describes one stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store is an object store. Implementations are safe for concurrent use.
type Store interface {
	// Get opens the object at key; it returns ErrNotFound if there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Put writes the object at key from r, replacing any object there. Readers never see a
	// partly written object.
	Put(ctx context.Context, key string, r io.Reader) error
	// PutIfAbsent writes the object only if no object exists at key, atomically; it returns
	// ErrExists otherwise. The send ledger relies on it.
	PutIfAbsent(ctx context.Context, key string, r io.Reader) error
	// Stat describes the object at key; it returns ErrNotFound if there is none.
	Stat(ctx context.Context, key string) (Info, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes the object at key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// String names the store for people: a directory or an s3:// URL.
	String() string
}

// CheckKey reports whether key is a clean relative object name.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "\\") {
		return fmt.Errorf("%w: %q", ErrBadKey, key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("%w: %q", ErrBadKey, key)
		}
	}
	return nil
}

// ReadAll reads the whole object at key.
func ReadAll(ctx context.Context, s Store, key string) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}

// Exists reports whether an object exists at key.
func Exists(ctx context.Context, s Store, key string) (bool, error) {
	_, err := s.Stat(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Open returns the store a location names: "s3://bucket/prefix" for S3 (configured from the
// standard AWS environment), anything else for a local directory.
func Open(ctx context.Context, location string) (Store, error) {
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		return NewS3FromEnv(ctx, bucket, prefix)
	}
	return NewDir(location)
}
