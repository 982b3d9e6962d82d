package faultproxy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/faultproxy"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// backend is a stand-in server: it answers every request with its path repeated, and counts
// the requests that reached it by method.
type backend struct {
	mu   sync.Mutex
	hits map[string]int
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	b.mu.Lock()
	b.hits[r.Method]++
	b.mu.Unlock()
	if r.Method == http.MethodPut {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Write([]byte(strings.Repeat(r.URL.Path, 10)))
}

func (b *backend) count(method string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits[method]
}

func startProxy(t *testing.T, opts faultproxy.Options) (*faultproxy.Server, *backend) {
	t.Helper()
	b := &backend{hits: map[string]int{}}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	p, err := faultproxy.Start(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, b
}

// get fetches path through the proxy and reads the whole body; a fresh connection each time,
// so that a reset is seen by the request that caused it.
func get(url string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Each kind of fault, on every request, looks to the client as it does from S3.
func TestEachKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   faultproxy.Kind
		check  func(status int, body string, err error) bool
		expect string
	}{
		{faultproxy.SlowDown, func(s int, b string, err error) bool {
			return err == nil && s == 503 && strings.Contains(b, "<Code>SlowDown</Code>")
		}, "503 with an S3 SlowDown error"},
		{faultproxy.InternalError, func(s int, b string, err error) bool {
			return err == nil && s == 500 && strings.Contains(b, "<Code>InternalError</Code>")
		}, "500 with an S3 InternalError error"},
		{faultproxy.Reset, func(s int, b string, err error) bool { return err != nil && s == 0 }, "a connection error, no response"},
		{faultproxy.Truncate, func(s int, b string, err error) bool {
			return s == 200 && errors.Is(err, io.ErrUnexpectedEOF) && b == strings.Repeat("/obj", 5)
		}, "200 and half the body, then unexpected EOF"},
		{faultproxy.Latency, func(s int, b string, err error) bool {
			return err == nil && s == 200 && b == strings.Repeat("/obj", 10)
		}, "the whole response"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			p, _ := startProxy(t, faultproxy.Options{Seed: 1, Rate: 1, Kinds: []faultproxy.Kind{tt.kind}})
			for range 4 {
				status, body, err := get(p.URL + "/obj")
				if !tt.check(status, body, err) {
					t.Fatalf("got status %d, body %q, error %v; want %s", status, body, err, tt.expect)
				}
			}
			if st := p.Stats(); st.Requests != 4 || st.Faults[tt.kind] != 4 {
				t.Errorf("stats %s; want 4 requests, 4 %s", st, tt.kind)
			}
		})
	}
}

// Faults on a PUT come before the server sees it and after: about half the faulted writes
// happen although the client saw an error.
func TestFaultAfterWrite(t *testing.T) {
	t.Parallel()
	p, b := startProxy(t, faultproxy.Options{Seed: 7, Rate: 1, Kinds: []faultproxy.Kind{faultproxy.InternalError}})
	const n = 200
	for i := range n {
		req, _ := http.NewRequest(http.MethodPut, p.URL+"/obj", strings.NewReader("data"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 500 {
			t.Fatalf("put %d: status %d; want 500", i, resp.StatusCode)
		}
	}
	st := p.Stats()
	if got := b.count(http.MethodPut); got != st.After || got < n/3 || got > 2*n/3 {
		t.Errorf("%d of %d faulted writes reached the server, %d counted after; want about half, all counted", got, n, st.After)
	}
}

// The share of faulted requests is the rate; the same seed faults the same requests, and
// another seed others.
func TestRateAndSeed(t *testing.T) {
	t.Parallel()
	faulted := func(seed uint64) []bool {
		p, _ := startProxy(t, faultproxy.Options{Seed: seed, Rate: 0.2, Kinds: []faultproxy.Kind{faultproxy.SlowDown}})
		var out []bool
		for i := range 300 {
			path := "/obj"
			if i%2 == 0 {
				path = "/other" // the same request again is a new occurrence, decided afresh
			}
			status, _, err := get(p.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, status == 503)
		}
		if st := p.Stats(); st.Faults[faultproxy.SlowDown] != count(out) {
			t.Errorf("stats count %d faults; the client saw %d", st.Faults[faultproxy.SlowDown], count(out))
		}
		return out
	}
	a, again, other := faulted(1), faulted(1), faulted(2)
	if n := count(a); n < 35 || n > 85 {
		t.Errorf("%d of 300 requests faulted at rate 0.2; want about 60", n)
	}
	if !equal(a, again) {
		t.Error("the same seed faulted other requests")
	}
	if equal(a, other) {
		t.Error("seeds 1 and 2 faulted the same requests")
	}
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name   string
		target string
		opts   faultproxy.Options
	}{
		{"not a URL", "127.0.0.1:80", faultproxy.Options{}},
		{"rate above 1", "http://127.0.0.1:80", faultproxy.Options{Rate: 1.5}},
		{"negative rate", "http://127.0.0.1:80", faultproxy.Options{Rate: -0.1}},
		{"no kinds", "http://127.0.0.1:80", faultproxy.Options{Rate: 0.5, Kinds: []faultproxy.Kind{}}},
		{"unknown kind", "http://127.0.0.1:80", faultproxy.Options{Rate: 0.5, Kinds: []faultproxy.Kind{99}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := faultproxy.New(tt.target, tt.opts); err == nil {
				t.Errorf("New(%q, %+v) = %v, nil; want an error", tt.target, tt.opts, p)
			}
		})
	}
}

// The S3 store passes the conformance suite through the proxy with a third of the requests
// faulted, conditional writes apart: their retry after a lost answer rightly finds the object
// (the send ledger's claim token tells it its own; see shared/mail).
func TestStoreConformanceUnderFaults(t *testing.T) {
	t.Parallel()
	base := storetest.S3Client(t)
	bucket := storetest.NewBucket(t, base)
	p, err := faultproxy.Start(*base.Options().BaseEndpoint, faultproxy.Options{
		Seed: 3, Rate: 0.33, MaxLatency: 10 * time.Millisecond,
		Skip: func(r *http.Request) bool { return r.Header.Get("If-None-Match") != "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	client := proxied(base, p.URL, 20*time.Millisecond)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		return store.NewS3(client, bucket, fmt.Sprintf("conformance-%d", n.Add(1)))
	})

	// A large object read through truncations: Get reads on where each cut stopped.
	st := store.NewS3(client, bucket, "large")
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	ctx := context.Background()
	if err := st.Put(ctx, "big.bin", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		got, err := store.ReadAll(ctx, st, "big.bin")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %d: %d bytes, %v; want the %d bytes written", i, len(got), err, len(data))
		}
	}
	st2 := p.Stats()
	t.Logf("proxy: %s", st2)
	if st2.Failed() < st2.Requests/10 || st2.Retries == 0 {
		t.Errorf("%d of %d requests failed, %d retried; want about a quarter failed, and retried", st2.Failed(), st2.Requests, st2.Retries)
	}
}

// Get reads on where a body was cut short, with a ranged GET of the same object; a body cut
// short at every read fails after the store's bounded number of resumes, and so does one whose
// object was replaced before the rest was read; a List page cut short is retried.
func TestStoreReadsThroughTruncation(t *testing.T) {
	t.Parallel()
	base := storetest.S3Client(t)
	bucket := storetest.NewBucket(t, base)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	ctx := context.Background()
	isGet := func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "" }
	direct := store.NewS3(base, bucket, "t")
	for _, key := range []string{"big.bin", "changing.bin"} {
		if err := direct.Put(ctx, key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	// replace overwrites changing.bin as the ranged GET that reads on passes the proxy.
	replace := func(r *http.Request) bool {
		if r.Header.Get("Range") != "" {
			if err := direct.Put(ctx, "changing.bin", strings.NewReader("replaced")); err != nil {
				t.Error(err)
			}
		}
		return !isGet(r) || r.Header.Get("Range") != ""
	}
	var lists atomic.Int64
	tests := []struct {
		name     string
		skip     func(*http.Request) bool
		op       func(st store.Store) error
		wantErr  string // in the error; "" for none
		wantCuts int
	}{
		{"first GET cut, resume whole", func(r *http.Request) bool { return !isGet(r) || r.Header.Get("Range") != "" },
			func(st store.Store) error {
				got, err := store.ReadAll(ctx, st, "big.bin")
				if err == nil && !bytes.Equal(got, data) {
					return fmt.Errorf("read %d bytes that differ from the %d written", len(got), len(data))
				}
				return err
			}, "", 1},
		{"every GET cut", func(r *http.Request) bool { return !isGet(r) },
			func(st store.Store) error { _, err := store.ReadAll(ctx, st, "big.bin"); return err }, "cut short after", 11},
		{"object replaced before reading on", replace,
			func(st store.Store) error { _, err := store.ReadAll(ctx, st, "changing.bin"); return err }, "changed since", 1},
		{"first List page cut", func(r *http.Request) bool { return isGet(r) || r.Method != http.MethodGet || lists.Add(1) > 1 },
			func(st store.Store) error {
				infos, err := st.List(ctx, "")
				if err == nil && (len(infos) != 2 || infos[0].Key != "big.bin" || infos[0].Size != int64(len(data))) {
					return fmt.Errorf("list gave %+v; want big.bin", infos)
				}
				return err
			}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := faultproxy.Start(*base.Options().BaseEndpoint, faultproxy.Options{
				Seed: 1, Rate: 1, Kinds: []faultproxy.Kind{faultproxy.Truncate}, Skip: tt.skip})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			err = tt.op(store.NewS3(proxied(base, p.URL, time.Millisecond), bucket, "t"))
			if (err != nil) != (tt.wantErr != "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v; want %q", err, tt.wantErr)
			}
			if got := p.Stats().Faults[faultproxy.Truncate]; got != tt.wantCuts {
				t.Errorf("%d responses cut short; want %d", got, tt.wantCuts)
			}
		})
	}
}

// proxied is base's client with the proxy as its endpoint and the store's retry policy, its
// backoff capped at maxBackoff.
func proxied(base *s3.Client, url string, maxBackoff time.Duration) *s3.Client {
	o := base.Options()
	o.ExpressCredentials = nil // the copy shares base's, which s3.New would point at the new client
	o.BaseEndpoint = aws.String(url)
	o.Retryer = store.S3Retryer(func(o *retry.StandardOptions) { o.MaxBackoff = maxBackoff })
	return s3.New(o)
}
