// Package faultproxy is a reverse proxy for an S3 endpoint that makes a seeded share of the
// requests fail the way S3 and networks do: 503 SlowDown, 500 InternalError, a connection
// reset, a response body cut short, or a delay. Tests put it between the S3 store and the
// S3-compatible server to show that every stage survives a flaky object store.
//
// Which requests fail is decided from the seed, the request (method, path and query) and how
// many times that request was seen before, not from the order in which concurrent requests
// arrive: the same seed gives the same faults run after run, as far as the order of identical
// requests allows. An SDK retry of a faulted request is a new occurrence, decided afresh.
//
// Errors and resets come either before the request reaches the server or after the server
// handled it. A fault after a write means the object was written although the client saw an
// error: retries must be idempotent, and a conditional write retried finds its own object.
package faultproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is a kind of fault.
type Kind int

// The faults the proxy injects.
const (
	// SlowDown answers 503 with S3's SlowDown error, as S3 does when a prefix is too busy.
	SlowDown Kind = iota + 1
	// InternalError answers 500 with S3's InternalError error.
	InternalError
	// Reset closes the connection with a TCP RST instead of answering.
	Reset
	// Truncate sends the server's status and headers, with the full Content-Length, and only
	// part of the body, then closes the connection. A response without a body to cut short
	// (a PUT's, a HEAD's) is reset instead, and counted as a Reset.
	Truncate
	// Latency delays the request by up to Options.MaxLatency; it then proceeds normally.
	Latency
)

// Kinds lists every kind of fault.
var Kinds = []Kind{SlowDown, InternalError, Reset, Truncate, Latency}

func (k Kind) String() string {
	switch k {
	case SlowDown:
		return "slowdown"
	case InternalError:
		return "internal-error"
	case Reset:
		return "reset"
	case Truncate:
		return "truncate"
	case Latency:
		return "latency"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Options are the settings of a Proxy.
type Options struct {
	// Seed decides which requests fail and how.
	Seed uint64
	// Rate is the share of requests faulted, from 0 to 1.
	Rate float64
	// Kinds are the faults to choose from, each as likely; nil means all of Kinds.
	Kinds []Kind
	// MaxLatency bounds the delay of a Latency fault; zero means 100ms.
	MaxLatency time.Duration
	// Skip, when set, exempts the requests it returns true for: they are forwarded untouched.
	Skip func(*http.Request) bool
	// Logger receives one debug line per fault; nil means none.
	Logger *slog.Logger
}

// Stats counts what the proxy saw and did.
type Stats struct {
	Requests int          // requests received
	Retries  int          // of which SDK retries (amz-sdk-request: attempt=2 or more)
	Faults   map[Kind]int // faults injected, by kind
	After    int          // errors, resets and truncations after the server handled the request
}

// Failed is the number of requests that failed (every fault but Latency).
func (s Stats) Failed() int {
	n := 0
	for k, c := range s.Faults {
		if k != Latency {
			n += c
		}
	}
	return n
}

func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests, %d retries, %d failed (%d after the server handled them)", s.Requests, s.Retries, s.Failed(), s.After)
	for _, k := range Kinds {
		fmt.Fprintf(&b, ", %s %d", k, s.Faults[k])
	}
	return b.String()
}

// Proxy is an http.Handler that forwards requests to an S3 endpoint and faults some of them.
// It is safe for concurrent use.
type Proxy struct {
	target *url.URL
	opts   Options
	client *http.Client

	mu    sync.Mutex
	seen  map[string]uint64 // occurrences of each request
	stats Stats
}

// New returns a proxy to the S3 endpoint at target, such as "http://127.0.0.1:7070".
func New(target string, opts Options) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("faultproxy: target %q is not an http(s) URL", target)
	}
	if opts.Rate < 0 || opts.Rate > 1 {
		return nil, fmt.Errorf("faultproxy: rate %v is not between 0 and 1", opts.Rate)
	}
	if opts.Kinds == nil {
		opts.Kinds = Kinds
	}
	for _, k := range opts.Kinds {
		if k < SlowDown || k > Latency {
			return nil, fmt.Errorf("faultproxy: unknown fault %s", k)
		}
	}
	if opts.Rate > 0 && len(opts.Kinds) == 0 {
		return nil, errors.New("faultproxy: a rate above 0 needs at least one kind of fault")
	}
	if opts.MaxLatency <= 0 {
		opts.MaxLatency = 100 * time.Millisecond
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.DisableCompression = true // pass the server's bytes through as they are
	return &Proxy{
		target: u,
		opts:   opts,
		// The proxy passes redirects back to the client as they are.
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		seen:   map[string]uint64{},
		stats:  Stats{Faults: map[Kind]int{}},
	}, nil
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Faults = make(map[Kind]int, len(p.stats.Faults))
	for k, n := range p.stats.Faults {
		s.Faults[k] = n
	}
	return s
}

// fault is what the proxy does to one request.
type fault struct {
	kind  Kind // 0: none
	after bool // error or reset after forwarding
	delay time.Duration
}

// decide draws the fault of a request from the seed, the request and its occurrence.
func (p *Proxy) decide(r *http.Request) fault {
	id := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
	h := fnv.New64a()
	io.WriteString(h, id)
	p.mu.Lock()
	n := p.seen[id]
	p.seen[id] = n + 1
	p.stats.Requests++
	if attempt(r) > 1 {
		p.stats.Retries++
	}
	p.mu.Unlock()
	if p.opts.Skip != nil && p.opts.Skip(r) {
		return fault{}
	}

	rng := rand.New(rand.NewPCG(p.opts.Seed, h.Sum64()^(n*0x9e3779b97f4a7c15)))
	if rng.Float64() >= p.opts.Rate {
		return fault{}
	}
	f := fault{kind: p.opts.Kinds[rng.IntN(len(p.opts.Kinds))], after: rng.IntN(2) == 1}
	switch f.kind {
	case Latency:
		f.delay = time.Duration(rng.Int64N(int64(p.opts.MaxLatency))) + 1
		f.after = false
	case Truncate:
		f.after = true
	}
	return f
}

// attempt reads the SDK's attempt number from amz-sdk-request ("attempt=2; max=10"); 0 if none.
func attempt(r *http.Request) int {
	for part := range strings.SplitSeq(r.Header.Get("amz-sdk-request"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func (p *Proxy) count(k Kind, after bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Faults[k]++
	if after {
		p.stats.After++
	}
}

func (p *Proxy) log(r *http.Request, k Kind, after bool) {
	if p.opts.Logger != nil {
		p.opts.Logger.Debug("fault injected", "fault", k.String(), "after", after, "method", r.Method, "path", r.URL.Path)
	}
}

// ServeHTTP forwards r to the target, faulting it if the seed says so.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.decide(r)
	if f.kind == Latency {
		p.count(Latency, false)
		p.log(r, Latency, false)
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		f.kind = 0
	}
	if f.kind != 0 && !f.after {
		p.inject(w, r, f.kind, false)
		return
	}
	resp, err := p.forward(r)
	if err != nil {
		http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	switch f.kind {
	case 0:
		copyHeader(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	case Truncate:
		body, err := io.ReadAll(resp.Body)
		if err != nil || len(body) < 2 || r.Method == http.MethodHead {
			p.inject(w, r, Reset, true)
			return
		}
		p.count(Truncate, true)
		p.log(r, Truncate, true)
		copyHeader(w.Header(), resp.Header)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(resp.StatusCode)
		w.Write(body[:len(body)/2])
		http.NewResponseController(w).Flush()
		// Aborting the handler closes the connection with the body short of Content-Length.
		panic(http.ErrAbortHandler)
	default:
		io.Copy(io.Discard, resp.Body)
		p.inject(w, r, f.kind, true)
	}
}

// forward sends r to the target as it came: same method, path, query, headers and Host, so
// that its signature still holds.
func (p *Proxy) forward(r *http.Request) (*http.Response, error) {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	body := r.Body
	if r.ContentLength == 0 {
		body = nil
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("forward %s %s: %w", r.Method, r.URL.Path, err)
	}
	copyHeader(out.Header, r.Header)
	out.Host = r.Host
	out.ContentLength = r.ContentLength
	out.TransferEncoding = r.TransferEncoding
	resp, err := p.client.Do(out)
	if err != nil {
		return nil, fmt.Errorf("forward %s %s: %w", r.Method, r.URL.Path, err)
	}
	return resp, nil
}

// hopHeaders are the headers of one connection, never forwarded.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if !hopHeaders[k] {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

// inject answers r with the fault k.
func (p *Proxy) inject(w http.ResponseWriter, r *http.Request, k Kind, after bool) {
	p.count(k, after)
	p.log(r, k, after)
	switch k {
	case SlowDown:
		writeError(w, r, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	case InternalError:
		writeError(w, r, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
	case Reset:
		reset(w)
	}
}

// writeError writes an S3 error document (no body for HEAD, as S3 does).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + msg +
		"</Message><Resource>" + xmlEscape(r.URL.Path) + "</Resource><RequestId>faultproxy</RequestId></Error>")
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Header().Set("Connection", "close") // an unread request body must not be taken for the next request
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// reset closes the client's connection with a TCP RST (SO_LINGER 0), or, where the connection
// cannot be taken over, aborts the response.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// Server is a Proxy listening on a free 127.0.0.1 port.
type Server struct {
	*Proxy
	// URL is the proxy's endpoint, such as "http://127.0.0.1:40123".
	URL string
	srv *http.Server
}

// Start starts a proxy to target on a free 127.0.0.1 port. Close stops it.
func Start(target string, opts Options) (*Server, error) {
	p, err := New(target, opts)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	s := &Server{Proxy: p, URL: "http://" + l.Addr().String(), srv: &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
	}}
	go s.srv.Serve(l)
	return s, nil
}

// Close stops the server and closes its connections.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	s.client.CloseIdleConnections()
	return err
}
