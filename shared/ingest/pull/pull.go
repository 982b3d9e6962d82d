// Package pull fetches resident feedback from vendors' APIs on a schedule and drops each page
// it receives, byte for byte, into the inbox (inbox/<source>/pull-<window>-pNNN.<ext>), where
// the file ingest parses it like any export a person dropped there. Transport stays apart from
// parsing: a page fetched twice has the same bytes and so the same batch id, and records that
// overlapping windows fetch twice are dropped by the ingest's id index.
//
// Each source keeps an incremental cursor at state/ingest/pull/source=<s>.json (the newest id, or the
// end of the last time window), written only after every page of the run is stored: a run that
// dies half-way fetches the same pages again and never skips any.
//
// Vendors: X API v2 recent search (twitter), Reddit listings of a subreddit's new posts and
// comments (reddit), Facebook Graph page posts and their comments (facebook), Open311
// GeoReport v2 requests.json (open311), SurveyMonkey v3 bulk responses (surveymonkey, turned
// into the CSV export's shape with the survey's details) and the Qualtrics response export
// (qualtrics: start, poll, download a zip of CSV). Credentials come from a Secrets store by
// name and travel only in request headers; they never appear in errors or logs, and neither
// does residents' text.
package pull

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Secrets reads a credential by name (AWS Secrets Manager in a Lambda, a map in tests).
type Secrets interface {
	Secret(ctx context.Context, name string) ([]byte, error)
}

// SecretsFunc adapts a function, such as lambdaenv.Secret, to Secrets.
type SecretsFunc func(ctx context.Context, name string) ([]byte, error)

// Secret calls f.
func (f SecretsFunc) Secret(ctx context.Context, name string) ([]byte, error) { return f(ctx, name) }

// MapSecrets is a Secrets held in memory, for tests and local runs.
type MapSecrets map[string]string

// Secret returns the named secret or an error naming it.
func (m MapSecrets) Secret(_ context.Context, name string) ([]byte, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("secret %q: %w", name, ErrNoSecret)
	}
	return []byte(v), nil
}

// ErrNoSecret is returned by MapSecrets for a name it does not hold.
var ErrNoSecret = errors.New("no such secret")

// ErrNoPull is returned by Pull for a source without pull settings.
var ErrNoPull = errors.New("source has no pull settings")

// Options are what a pull needs besides the store and the source.
type Options struct {
	// Now is the end of the window pulled.
	Now time.Time
	// Secrets holds the credentials named by the sources' pull.secret.
	Secrets Secrets
	// Client sends the requests; nil means a zero Client.
	Client *Client
	// Location is the city's time zone (SurveyMonkey's CSV shape writes local times).
	Location *time.Location
	Logger   *slog.Logger
}

// Result says what one source's pull did.
type Result struct {
	Source string   `json:"source"`
	Pages  int      `json:"pages"` // pages stored
	Keys   []string `json:"keys"`  // inbox keys written
	Cursor Cursor   `json:"cursor"`
}

// Cursor is where the next pull of a source starts: state/ingest/pull/source=<s>.json.
type Cursor struct {
	Source string `json:"source"`
	// SinceID is the newest record id seen (twitter: tweet id; reddit: fullname of the
	// newest post, and CommentsSinceID of the newest comment).
	SinceID         string `json:"since_id,omitempty"`
	CommentsSinceID string `json:"comments_since_id,omitempty"`
	// Until is the end of the last window pulled (facebook, open311, surveymonkey, qualtrics,
	// and twitter's first run).
	Until time.Time `json:"until,omitzero"`
	// Resume is set when a run stopped at pull.max_pages before the vendor's last page: the
	// vendor's page token, page number or next URL to go on from. The cursor above stays
	// where it was, and Pending (or PendingUntil) is what it becomes once the walk ends.
	Resume       string    `json:"resume,omitempty"`
	Pending      string    `json:"pending,omitempty"`
	PendingUntil time.Time `json:"pending_until,omitzero"`
	PulledAt     time.Time `json:"pulled_at"`
}

// CursorKey is the key of a source's cursor.
func CursorKey(source string) string { return "state/ingest/pull/source=" + source + ".json" }

// ReadCursor returns the source's stored cursor, or a zero cursor if it has none.
func ReadCursor(ctx context.Context, st store.Store, source string) (Cursor, error) {
	b, err := store.ReadAll(ctx, st, CursorKey(source))
	if errors.Is(err, store.ErrNotFound) {
		return Cursor{Source: source}, nil
	}
	if err != nil {
		return Cursor{}, fmt.Errorf("read pull cursor of %s: %w", source, err)
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return Cursor{}, fmt.Errorf("read pull cursor %s: %w", CursorKey(source), err)
	}
	return c, nil
}

// Pull fetches what is new at the source's vendor since its cursor, stores every page in the
// inbox, then advances the cursor.
func Pull(ctx context.Context, st store.Store, src config.Source, opts Options) (Result, error) {
	res := Result{Source: src.ID}
	if src.Pull == nil {
		return res, fmt.Errorf("pull %s: %w", src.ID, ErrNoPull)
	}
	cur, err := ReadCursor(ctx, st, src.ID)
	if err != nil {
		return res, err
	}
	r := &run{ctx: ctx, st: st, src: src, cfg: *src.Pull, opts: opts, cur: cur, res: &res}
	if r.opts.Client == nil {
		r.opts.Client = &Client{}
	}
	if r.opts.Location == nil {
		r.opts.Location = time.UTC
	}
	if r.opts.Logger == nil {
		r.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if r.opts.Now.IsZero() {
		return res, fmt.Errorf("pull %s: Options.Now is not set", src.ID)
	}
	r.now = r.opts.Now.UTC().Truncate(time.Second)
	if r.cfg.Window <= 0 {
		r.cfg.Window = 7 * 24 * time.Hour
	}
	if r.cfg.MaxPages <= 0 {
		r.cfg.MaxPages = 100
	}
	r.cfg.Endpoint = strings.TrimRight(r.cfg.Endpoint, "/")
	if r.cfg.Secret != "" {
		if opts.Secrets == nil {
			return res, fmt.Errorf("pull %s: secret %q: no secrets store given", src.ID, r.cfg.Secret)
		}
		s, err := opts.Secrets.Secret(ctx, r.cfg.Secret)
		if err != nil {
			return res, fmt.Errorf("pull %s: read secret %q: %w", src.ID, r.cfg.Secret, err)
		}
		r.secret = strings.TrimSpace(string(s))
	}
	next := cur
	switch src.Format {
	case "twitter":
		next, err = r.twitter()
	case "reddit":
		next, err = r.reddit()
	case "facebook":
		next, err = r.facebook()
	case "open311":
		next, err = r.open311()
	case "surveymonkey":
		next, err = r.surveyMonkey()
	case "qualtrics":
		next, err = r.qualtrics()
	default:
		err = fmt.Errorf("pull %s: format %q has no API to pull from", src.ID, src.Format)
	}
	if err != nil {
		return res, err
	}
	next.Source, next.PulledAt = src.ID, r.now
	// Written last: every page it moves past is already in the inbox.
	b, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return res, err
	}
	if err := st.Put(ctx, CursorKey(src.ID), bytes.NewReader(append(b, '\n'))); err != nil {
		return res, fmt.Errorf("pull %s: write cursor: %w", src.ID, err)
	}
	res.Cursor = next
	r.opts.Logger.Info("pulled", "source", src.ID, "format", src.Format, "pages", res.Pages)
	return res, nil
}

// run is one source's pull in progress.
type run struct {
	ctx    context.Context
	st     store.Store
	src    config.Source
	cfg    config.Pull
	opts   Options
	cur    Cursor
	res    *Result
	now    time.Time
	secret string
	page   int // pages stored so far, for their names
}

// get fetches url with the given credential header.
func (r *run) get(url string, header http.Header) ([]byte, error) {
	resp, err := r.opts.Client.do(r.ctx, request{source: r.src.ID, method: http.MethodGet, url: url, header: header})
	if err != nil {
		return nil, err
	}
	r.opts.Logger.Debug("fetched page", "source", r.src.ID, "url", redactURL(url), "bytes", len(resp.body))
	return resp.body, nil
}

func (r *run) bearer() http.Header {
	h := http.Header{"Accept": {"application/json"}}
	if r.secret != "" {
		h.Set("Authorization", "Bearer "+r.secret)
	}
	return h
}

// maxPages reports whether the run has stored as many pages as it may.
func (r *run) maxPages() bool { return r.page >= r.cfg.MaxPages }

// put stores one page as inbox/<source>/pull-<tag>-pNNN.<ext>.
func (r *run) put(tag, ext string, body []byte) error {
	r.page++
	key := fmt.Sprintf("inbox/%s/pull-%s-p%03d.%s", r.src.ID, tag, r.page, ext)
	if err := r.st.Put(r.ctx, key, bytes.NewReader(body)); err != nil {
		return fmt.Errorf("pull %s: store page: %w", r.src.ID, err)
	}
	r.res.Pages++
	r.res.Keys = append(r.res.Keys, key)
	return nil
}

// windowStart is where a time-windowed pull starts: the cursor's end, or Window ago.
func (r *run) windowStart() time.Time {
	if !r.cur.Until.IsZero() {
		return r.cur.Until
	}
	return r.now.Add(-r.cfg.Window)
}

// windowTag names a time window in page names: 20260801T000000Z-20260802T000000Z.
func windowTag(from, to time.Time) string {
	const f = "20060102T150405Z"
	return from.UTC().Format(f) + "-" + to.UTC().Format(f)
}

func (r *run) pageSize(def, max int) int {
	n := r.cfg.PageSize
	if n <= 0 {
		n = def
	}
	return min(n, max)
}

// decode reads a page's JSON into v, naming the source and URL on failure.
func (r *run) decode(body []byte, url string, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("pull %s: decode %s: %w", r.src.ID, redactURL(url), err)
	}
	return nil
}
