package pull

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client is the HTTP client pulls share: it retries 429 and 5xx answers and network errors
// with back-off, honouring Retry-After, a bounded number of times, and bounds each request
// with a timeout. The zero value is ready to use.
type Client struct {
	// HTTP sends the requests; nil means a client with no overall timeout (each request has
	// its own, RequestTimeout).
	HTTP *http.Client
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Retries is how many times a failed request is sent again; 0 means 4, negative none.
	Retries int
	// RequestTimeout bounds one attempt; 0 means 60 seconds.
	RequestTimeout time.Duration
	// MaxWait caps one back-off wait, Retry-After included; 0 means 2 minutes.
	MaxWait time.Duration
	// MaxBody caps a response body; 0 means 256 MiB.
	MaxBody int64
	// Sleep waits between attempts and polls; nil waits on a timer (tests record instead).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now reads the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// DefaultUserAgent names CivicPulse to the vendors' APIs (Reddit requires a descriptive one).
const DefaultUserAgent = "civicpulse-pull/1.0 (+https://github.com/civicpulse/civicpulse)"

// HTTPError is a request that failed for good: a status that is not retried, or retries
// spent. Its URL carries no credentials.
type HTTPError struct {
	Source   string
	Method   string
	URL      string
	Status   int // 0 for a network error
	Attempts int
	Err      error // the network error, if Status is 0

	retryAfter time.Duration
}

func (e *HTTPError) Error() string {
	what := fmt.Sprintf("status %d %s", e.Status, http.StatusText(e.Status))
	if e.Status == 0 && e.Err != nil {
		what = e.Err.Error()
	}
	return fmt.Sprintf("pull %s: %s %s: %s after %d attempt(s)", e.Source, e.Method, e.URL, what, e.Attempts)
}

func (e *HTTPError) Unwrap() error { return e.Err }

// request is one API call; the header holds the credentials.
type request struct {
	source string
	method string
	url    string
	header http.Header
	body   []byte // sent again on every attempt
}

// response is a successful answer, read whole.
type response struct {
	body   []byte
	header http.Header
}

func (c *Client) do(ctx context.Context, r request) (*response, error) {
	retries := c.Retries
	switch {
	case retries == 0:
		retries = 4
	case retries < 0:
		retries = 0
	}
	var last *HTTPError
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			if err := c.sleep(ctx, c.wait(attempt, last)); err != nil {
				return nil, fmt.Errorf("pull %s: %s %s: %w", r.source, r.method, redactURL(r.url), err)
			}
		}
		resp, retryAfter, err := c.once(ctx, r)
		if err == nil {
			return resp, nil
		}
		var he *HTTPError
		if !errors.As(err, &he) {
			return nil, err
		}
		he.Attempts = attempt + 1
		last = he
		last.retryAfter = retryAfter
		if !retryable(he) || ctx.Err() != nil {
			return nil, he
		}
	}
	return nil, last
}

// once sends one attempt; retryAfter is the server's Retry-After, if it gave one.
func (c *Client) once(ctx context.Context, r request) (*response, time.Duration, error) {
	timeout := c.RequestTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, 0, fmt.Errorf("pull %s: build request %s: %w", r.source, redactURL(r.url), err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	he := &HTTPError{Source: r.source, Method: r.method, URL: redactURL(r.url)}
	resp, err := hc.Do(req)
	if err != nil {
		// The url.Error repeats the URL with its query: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		he.Err = err
		return nil, 0, he
	}
	defer resp.Body.Close()
	max := c.MaxBody
	if max <= 0 {
		max = 256 << 20
	}
	if resp.StatusCode/100 != 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
		he.Status = resp.StatusCode
		return nil, c.retryAfter(resp.Header.Get("Retry-After")), he
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		he.Err = fmt.Errorf("read body: %w", err)
		return nil, 0, he
	}
	if int64(len(b)) > max {
		return nil, 0, fmt.Errorf("pull %s: %s %s: response larger than %d bytes", r.source, r.method, redactURL(r.url), max)
	}
	return &response{body: b, header: resp.Header}, 0, nil
}

func retryable(e *HTTPError) bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// wait is the pause before attempt n (1-based): the server's Retry-After if it gave one,
// else 1s, 2s, 4s, ... capped at MaxWait.
func (c *Client) wait(attempt int, last *HTTPError) time.Duration {
	max := c.MaxWait
	if max <= 0 {
		max = 2 * time.Minute
	}
	d := time.Second << min(attempt-1, 10)
	if last != nil && last.retryAfter > 0 {
		d = last.retryAfter
	}
	return min(d, max)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func (c *Client) retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return max(t.Sub(now()), 0)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// secretParams are query parameters that carry credentials; they never reach an error or log.
var secretParams = []string{"access_token", "api_key", "apikey", "key", "token", "client_secret", "appsecret_proof"}

// redactURL returns u with credential parameters and user info masked.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	if p.User != nil {
		p.User = url.User("REDACTED")
	}
	q := p.Query()
	changed := false
	for k := range q {
		for _, s := range secretParams {
			if strings.EqualFold(k, s) {
				q.Set(k, "REDACTED")
				changed = true
			}
		}
	}
	if changed {
		p.RawQuery = q.Encode()
	}
	return p.String()
}
