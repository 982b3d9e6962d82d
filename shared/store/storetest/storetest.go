// Package storetest holds the conformance suite every store.Store passes, and the helpers
// tests use to reach the real S3-compatible server that `make test` starts.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/civicpulse/civicpulse/shared/store"
)

// EnvS3 names the variable holding the endpoint of the S3-compatible test server.
const EnvS3 = "CIVICPULSE_TEST_S3_ENDPOINT"

// Need skips the test when a server it needs is not configured, but fails it under CI, where
// `make test` must have started every server: a skipped test never passes as green there.
func Need(t testing.TB, env, what string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	msg := fmt.Sprintf("%s not set: run `make test` to start %s", env, what)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// S3Client returns a client for the test server with path-style addressing.
func S3Client(t testing.TB) *s3.Client {
	t.Helper()
	endpoint := Need(t, EnvS3, "the S3-compatible server")
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" {
		key, secret = "civicpulse", "civicpulse-secret"
	}
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		DisableLogOutputChecksumValidationSkipped: true,
	})
}

// NewBucket creates a fresh bucket on the test server and returns its name.
func NewBucket(t testing.TB, client *s3.Client) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "cp-test-" + hex.EncodeToString(b[:])
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// S3 returns a store on a fresh bucket of the test server, under prefix.
func S3(t testing.TB, prefix string) *store.S3 {
	t.Helper()
	c := S3Client(t)
	return store.NewS3(c, NewBucket(t, c), prefix)
}

// Run is the conformance suite: newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	put := func(t *testing.T, s store.Store, key, body string) {
		t.Helper()
		if err := s.Put(ctx, key, strings.NewReader(body)); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
	}
	get := func(t *testing.T, s store.Store, key string) string {
		t.Helper()
		b, err := store.ReadAll(ctx, s, key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		return string(b)
	}

	t.Run("PutGetRoundTrip", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "a/b/c.txt", "hello")
		if got := get(t, s, "a/b/c.txt"); got != "hello" {
			t.Errorf("got %q; want %q", got, "hello")
		}
		put(t, s, "a/b/c.txt", "replaced")
		if got := get(t, s, "a/b/c.txt"); got != "replaced" {
			t.Errorf("after overwrite got %q; want %q", got, "replaced")
		}
	})
	t.Run("EmptyObject", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "empty", "")
		if got := get(t, s, "empty"); got != "" {
			t.Errorf("got %q; want empty", got)
		}
	})
	t.Run("LargeStreamedObject", func(t *testing.T) {
		s := newStore(t)
		// Larger than one multipart part, through a reader that cannot seek.
		want := bytes.Repeat([]byte("0123456789abcdef"), (17<<20)/16)
		if err := s.Put(ctx, "big/blob", io.MultiReader(bytes.NewReader(want))); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, err := store.ReadAll(ctx, s, "big/blob")
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("got %d bytes; want %d identical bytes", len(got), len(want))
		}
		info, err := s.Stat(ctx, "big/blob")
		if err != nil || info.Size != int64(len(want)) {
			t.Errorf("Stat = %+v, %v; want size %d", info, err, len(want))
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(ctx, "missing/key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get missing: got %v; want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, "missing/key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Stat missing: got %v; want ErrNotFound", err)
		}
		if ok, err := store.Exists(ctx, s, "missing/key"); ok || err != nil {
			t.Errorf("Exists missing = %v, %v; want false, nil", ok, err)
		}
		if err := s.Delete(ctx, "missing/key"); err != nil {
			t.Errorf("Delete missing: %v; want nil", err)
		}
	})
	t.Run("BadKeys", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"", "/abs", "a/../b", "a//b", "dir/", "./a"} {
			if err := s.Put(ctx, k, strings.NewReader("x")); !errors.Is(err, store.ErrBadKey) {
				t.Errorf("Put(%q): got %v; want ErrBadKey", k, err)
			}
		}
	})
	t.Run("ListSortedByPrefix", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"p/x=2/b", "p/x=1/a", "p/x=10/c", "q/z", "pp/y"} {
			put(t, s, k, k)
		}
		infos, err := s.List(ctx, "p/")
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		var got []string
		for _, i := range infos {
			got = append(got, i.Key)
		}
		want := []string{"p/x=1/a", "p/x=10/c", "p/x=2/b"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("List(p/) = %v; want %v", got, want)
		}
		infos, err = s.List(ctx, "p/x=1")
		if err != nil || len(infos) != 2 {
			t.Errorf("List(p/x=1) = %v, %v; want 2 keys (x=1 and x=10)", infos, err)
		}
		if infos, err := s.List(ctx, "nothing/"); err != nil || len(infos) != 0 {
			t.Errorf("List(nothing/) = %v, %v; want empty", infos, err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "d/k", "v")
		if err := s.Delete(ctx, "d/k"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Get(ctx, "d/k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after Delete: got %v; want ErrNotFound", err)
		}
	})
	t.Run("PutIfAbsentOnce", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutIfAbsent(ctx, "ledger/k", strings.NewReader("first")); err != nil {
			t.Fatalf("first PutIfAbsent: %v", err)
		}
		if err := s.PutIfAbsent(ctx, "ledger/k", strings.NewReader("second")); !errors.Is(err, store.ErrExists) {
			t.Errorf("second PutIfAbsent: got %v; want ErrExists", err)
		}
		if got := get(t, s, "ledger/k"); got != "first" {
			t.Errorf("got %q; want %q", got, "first")
		}
	})
	t.Run("PutIfAbsentConcurrent", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.PutIfAbsent(ctx, "race/k", strings.NewReader(fmt.Sprint(i)))
			}()
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrExists):
				t.Errorf("writer %d: %v", i, err)
			}
		}
		if wins != 1 {
			t.Errorf("%d writers won; want exactly 1", wins)
		}
	})
}
