package pull_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/store"
)

var now = time.Date(2026, 10, 2, 8, 0, 0, 0, time.UTC)

const token = "s3cr3t-token-value"

var secrets = pull.MapSecrets{"city/vendor": token}

// vendor is a fake API: handlers by path, and a log of the requests it answered.
type vendor struct {
	*httptest.Server
	t    *testing.T
	mu   sync.Mutex
	reqs []*http.Request
}

func newVendor(t *testing.T, routes map[string]http.HandlerFunc) *vendor {
	v := &vendor{t: t}
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			v.mu.Lock()
			v.reqs = append(v.reqs, r)
			v.mu.Unlock()
			h(w, r)
		})
	}
	v.Server = httptest.NewServer(mux)
	t.Cleanup(v.Close)
	return v
}

func (v *vendor) requests() []*http.Request {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*http.Request(nil), v.reqs...)
}

func dir(t *testing.T) *store.Dir {
	d, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fastClient never sleeps; it records the waits it was asked for.
func fastClient(waits *[]time.Duration) *pull.Client {
	return &pull.Client{Now: func() time.Time { return now }, Sleep: func(_ context.Context, d time.Duration) error {
		if waits != nil {
			*waits = append(*waits, d)
		}
		return nil
	}}
}

func opts(c *pull.Client) pull.Options {
	return pull.Options{Now: now, Secrets: secrets, Client: c}
}

func source(id, format, endpoint, query string) config.Source {
	return config.Source{ID: id, Format: format, Pull: &config.Pull{Endpoint: endpoint, Query: query, Secret: "city/vendor"}}
}

// inbox returns the inbox objects of a source, by key.
func inbox(t *testing.T, st store.Store, src string) map[string][]byte {
	t.Helper()
	infos, err := st.List(context.Background(), "inbox/"+src+"/")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, in := range infos {
		b, err := store.ReadAll(context.Background(), st, in.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[in.Key] = b
	}
	return out
}

func parse(t *testing.T, src config.Source, files map[string][]byte) *ingest.Batch {
	t.Helper()
	all := &ingest.Batch{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		b := files[name]
		got, err := ingest.Parse(bytes.NewReader(b), name, ingest.Options{Source: src, IngestedAt: now})
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		all.Items = append(all.Items, got.Items...)
		all.Answers = append(all.Answers, got.Answers...)
		all.Bad = append(all.Bad, got.Bad...)
	}
	if len(all.Bad) > 0 {
		t.Errorf("bad records: %v", all.Bad)
	}
	return all
}

// tweetPage is an X API v2 search page (data, includes.users, meta) of tweets ids.
func tweetPage(next string, ids ...int) string {
	var data, users []string
	for _, id := range ids {
		data = append(data, fmt.Sprintf(`{"id":"%d","text":"pothole on Main %d","author_id":"u%d","created_at":"2026-09-30T12:00:00.000Z","public_metrics":{"retweet_count":1,"reply_count":0,"like_count":2,"quote_count":0}}`, id, id, id))
		users = append(users, fmt.Sprintf(`{"id":"u%d","username":"resident%d","name":"R"}`, id, id))
	}
	meta := fmt.Sprintf(`"result_count":%d`, len(ids))
	if len(ids) > 0 {
		meta += fmt.Sprintf(`,"newest_id":"%d","oldest_id":"%d"`, ids[0], ids[len(ids)-1])
	}
	if next != "" {
		meta += `,"next_token":"` + next + `"`
	}
	return `{"data":[` + strings.Join(data, ",") + `],"includes":{"users":[` + strings.Join(users, ",") + `]},"meta":{` + meta + `}}`
}

func TestTwitterPaginatesThenResumesFromCursor(t *testing.T) {
	ctx := context.Background()
	pages := map[string]string{
		"":   tweetPage("t2", 1000000000000000106, 1000000000000000105),
		"t2": tweetPage("t3", 1000000000000000104, 1000000000000000103),
		"t3": tweetPage("", 1000000000000000102, 1000000000000000101),
	}
	var newer bool
	v := newVendor(t, map[string]http.HandlerFunc{"/2/tweets/search/recent": func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if got := r.Header.Get("Authorization"); got != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if q.Get("since_id") != "" {
			if q.Get("since_id") != "1000000000000000106" || q.Get("start_time") != "" {
				t.Errorf("second run asked since_id=%q start_time=%q; want since_id the newest of the first run", q.Get("since_id"), q.Get("start_time"))
			}
			if newer {
				io.WriteString(w, tweetPage("", 1000000000000000107))
			} else {
				io.WriteString(w, `{"meta":{"result_count":0}}`)
			}
			return
		}
		if q.Get("start_time") != "2026-09-25T08:01:00Z" || q.Get("tweet.fields") != "created_at,author_id,public_metrics,geo" || q.Get("expansions") != "author_id" || q.Get("max_results") != "100" {
			t.Errorf("first run query %v", q)
		}
		io.WriteString(w, pages[q.Get("next_token")])
	}})
	st := dir(t)
	src := source("tw", "twitter", v.URL, "(pothole OR streetlight) place:springfield")
	res, err := pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil {
		t.Fatal(err)
	}
	files := inbox(t, st, "tw")
	if res.Pages != 3 || len(files) != 3 {
		t.Fatalf("stored %d pages, %d files; want 3", res.Pages, len(files))
	}
	// Pages are stored byte for byte.
	for i, tok := range []string{"", "t2", "t3"} {
		key := fmt.Sprintf("inbox/tw/pull-20260925T080100Z-20261002T080000Z-p%03d.json", i+1)
		if string(files[key]) != pages[tok] {
			t.Errorf("%s = %.60q; want page %q as served", key, files[key], tok)
		}
	}
	if got := len(parse(t, src, files).Items); got != 6 {
		t.Errorf("parsed %d tweets; want 6", got)
	}
	cur, err := pull.ReadCursor(ctx, st, "tw")
	if err != nil || cur.SinceID != "1000000000000000106" {
		t.Fatalf("cursor %+v, %v; want since_id 1000000000000000106", cur, err)
	}

	// Nothing new: no page stored, cursor kept.
	res, err = pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil || res.Pages != 0 || res.Cursor.SinceID != "1000000000000000106" {
		t.Errorf("idle run: %+v, %v; want no page and the same cursor", res, err)
	}
	newer = true
	res, err = pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil || res.Pages != 1 || res.Cursor.SinceID != "1000000000000000107" {
		t.Fatalf("second run: %+v, %v; want one page and since_id 1000000000000000107", res, err)
	}
	if want := "inbox/tw/pull-since-1000000000000000106-p001.json"; res.Keys[0] != want {
		t.Errorf("key %s; want %s", res.Keys[0], want)
	}
}

func TestMaxPagesResumesWhereItStopped(t *testing.T) {
	ctx := context.Background()
	var tokens, starts []string
	v := newVendor(t, map[string]http.HandlerFunc{"/2/tweets/search/recent": func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("next_token")
		tokens = append(tokens, tok)
		starts = append(starts, r.URL.Query().Get("start_time"))
		switch tok {
		case "":
			io.WriteString(w, tweetPage("b", 30, 29))
		case "b":
			io.WriteString(w, tweetPage("c", 28, 27))
		case "c":
			io.WriteString(w, tweetPage("", 26))
		}
	}})
	st := dir(t)
	src := source("tw", "twitter", v.URL, "q")
	src.Pull.MaxPages = 2
	src.Pull.Window = 24 * time.Hour
	res, err := pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil || res.Pages != 2 || res.Cursor.SinceID != "" || res.Cursor.Resume != "c" || res.Cursor.Pending != "30" {
		t.Fatalf("cut run: %+v, %v; want 2 pages, resume at c, since_id unset", res, err)
	}
	later := opts(fastClient(nil))
	later.Now = now.Add(time.Hour)
	res, err = pull.Pull(ctx, st, src, later)
	if err != nil || res.Pages != 1 || res.Cursor.SinceID != "30" || res.Cursor.Resume != "" {
		t.Fatalf("resumed run: %+v, %v; want the last page and since_id 30", res, err)
	}
	if got := strings.Join(tokens, ","); got != ",b,c" {
		t.Errorf("next_tokens asked %q; want \",b,c\"", got)
	}
	if starts[2] != starts[0] {
		t.Errorf("resumed with start_time %s; want the cut run's %s", starts[2], starts[0])
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name, retryAfter string
		status           int
		want             time.Duration
	}{
		{"429 seconds", "7", http.StatusTooManyRequests, 7 * time.Second},
		{"429 HTTP date", now.Add(90 * time.Second).Format(http.TimeFormat), http.StatusTooManyRequests, 90 * time.Second},
		{"503 no header", "", http.StatusServiceUnavailable, time.Second},
		{"429 capped", "86400", http.StatusTooManyRequests, 2 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			v := newVendor(t, map[string]http.HandlerFunc{"/requests.json": func(w http.ResponseWriter, r *http.Request) {
				calls++
				if calls == 1 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(tc.status)
					return
				}
				io.WriteString(w, `[]`)
			}})
			var waits []time.Duration
			_, err := pull.Pull(context.Background(), dir(t), source("o", "open311", v.URL, ""), opts(fastClient(&waits)))
			if err != nil {
				t.Fatal(err)
			}
			if len(waits) != 1 || waits[0] != tc.want {
				t.Errorf("waited %v; want [%v]", waits, tc.want)
			}
		})
	}
}

func TestServerErrorsGiveUpNamingSourceAndURL(t *testing.T) {
	calls := 0
	v := newVendor(t, map[string]http.HandlerFunc{"/requests.json": func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Query().Get("api_key") != token {
			t.Errorf("api_key %q; want the secret", r.URL.Query().Get("api_key"))
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "civicpulse-pull/") {
			t.Errorf("User-Agent %q", ua)
		}
		http.Error(w, "upstream down", http.StatusBadGateway)
	}})
	st := dir(t)
	c := fastClient(nil)
	c.Retries = 2
	_, err := pull.Pull(context.Background(), st, source("city311", "open311", v.URL, ""), opts(c))
	var he *pull.HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("err %v; want a *pull.HTTPError", err)
	}
	if calls != 3 || he.Attempts != 3 || he.Status != http.StatusBadGateway {
		t.Errorf("calls %d, error %+v; want 3 attempts ending in 502", calls, he)
	}
	msg := err.Error()
	if !strings.Contains(msg, "city311") || !strings.Contains(msg, v.URL+"/requests.json") || strings.Contains(msg, token) {
		t.Errorf("error %q; want the source and URL, and not the secret", msg)
	}
	if ok, _ := store.Exists(context.Background(), st, pull.CursorKey("city311")); ok {
		t.Error("cursor written by a failed pull")
	}
}

func TestClientErrorIsNotRetried(t *testing.T) {
	calls := 0
	v := newVendor(t, map[string]http.HandlerFunc{"/2/tweets/search/recent": func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "bad token", http.StatusUnauthorized)
	}})
	_, err := pull.Pull(context.Background(), dir(t), source("tw", "twitter", v.URL, "q"), opts(fastClient(nil)))
	var he *pull.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusUnauthorized || calls != 1 {
		t.Errorf("err %v after %d calls; want one 401", err, calls)
	}
}

func TestMissingSecret(t *testing.T) {
	src := source("tw", "twitter", "http://127.0.0.1:1", "q")
	src.Pull.Secret = "city/absent"
	_, err := pull.Pull(context.Background(), dir(t), src, opts(fastClient(nil)))
	if !errors.Is(err, pull.ErrNoSecret) || !strings.Contains(err.Error(), "city/absent") {
		t.Errorf("err %v; want ErrNoSecret naming the secret", err)
	}
}

// A failure on a later page keeps the pages stored so far and leaves the cursor alone, so
// the next run fetches them again rather than skipping what came after.
func TestFailureMidWayKeepsCursor(t *testing.T) {
	ctx := context.Background()
	fail := true
	v := newVendor(t, map[string]http.HandlerFunc{"/requests.json": func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Query().Get("page"); {
		case p == "1":
			io.WriteString(w, `[{"service_request_id":"1","description":"trash","requested_datetime":"2026-10-01T10:00:00Z"}]`)
		case p == "2" && fail:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			io.WriteString(w, `[]`)
		}
	}})
	st := dir(t)
	src := source("o", "open311", v.URL, "")
	c := fastClient(nil)
	c.Retries = -1
	if _, err := pull.Pull(ctx, st, src, opts(c)); err == nil {
		t.Fatal("want an error")
	}
	if n := len(inbox(t, st, "o")); n != 1 {
		t.Errorf("%d pages stored; want 1", n)
	}
	if ok, _ := store.Exists(ctx, st, pull.CursorKey("o")); ok {
		t.Fatal("cursor written before the pull finished")
	}
	fail = false
	res, err := pull.Pull(ctx, st, src, opts(c))
	if err != nil || !res.Cursor.Until.Equal(now) {
		t.Fatalf("rerun: %+v, %v", res, err)
	}
}

func TestOpen311WindowsAndPages(t *testing.T) {
	ctx := context.Background()
	var windows []string
	v := newVendor(t, map[string]http.HandlerFunc{"/requests.json": func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("page") == "1" {
			windows = append(windows, q.Get("start_date")+".."+q.Get("end_date"))
		}
		var p int
		fmt.Sscan(q.Get("page"), &p)
		if p > 3 || q.Get("start_date") != "2026-09-25T08:00:00Z" {
			io.WriteString(w, `[]`)
			return
		}
		fmt.Fprintf(w, `[{"service_request_id":"%d","status":"open","service_name":"Pothole","service_code":"PH","description":"pothole %d","requested_datetime":"2026-10-01T10:00:00-04:00","lat":37.76,"long":-122.41}]`, p, p)
	}})
	st := dir(t)
	src := source("o", "open311", v.URL, "")
	src.Pull.Secret = "" // GeoReport v2 reads need no key
	res, err := pull.Pull(ctx, st, src, pull.Options{Now: now, Client: fastClient(nil)})
	if err != nil || res.Pages != 3 {
		t.Fatalf("%+v, %v; want 3 pages", res, err)
	}
	if got := len(parse(t, src, inbox(t, st, "o")).Items); got != 3 {
		t.Errorf("parsed %d requests; want 3", got)
	}
	later := pull.Options{Now: now.Add(24 * time.Hour), Client: fastClient(nil)}
	if res, err = pull.Pull(ctx, st, src, later); err != nil || res.Pages != 0 {
		t.Fatalf("second run: %+v, %v", res, err)
	}
	want := []string{"2026-09-25T08:00:00Z..2026-10-02T08:00:00Z", "2026-10-02T08:00:00Z..2026-10-03T08:00:00Z"}
	if fmt.Sprint(windows) != fmt.Sprint(want) {
		t.Errorf("windows %v; want %v", windows, want)
	}
}

func redditPage(after string, names ...string) string {
	var kids []string
	for _, n := range names {
		kind, id, _ := strings.Cut(n, "_")
		body := `"title":"Bus stop ` + id + `","selftext":"the 12 is late again"`
		if kind == "t1" {
			body = `"body":"agreed, ` + id + `","link_id":"t3_a1"`
		}
		kids = append(kids, fmt.Sprintf(`{"kind":%q,"data":{"id":%q,"name":%q,"author":"user_%s","created_utc":%d,"subreddit":"springfield","permalink":"/r/springfield/%s/",%s}}`,
			kind, id, n, id, now.Add(-time.Hour).Unix(), id, body))
	}
	a := "null"
	if after != "" {
		a = `"` + after + `"`
	}
	return `{"kind":"Listing","data":{"after":` + a + `,"before":null,"children":[` + strings.Join(kids, ",") + `]}}`
}

func TestRedditPostsAndCommentsStopAtCursor(t *testing.T) {
	ctx := context.Background()
	second := false
	v := newVendor(t, map[string]http.HandlerFunc{
		"/r/springfield/new.json": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			after := r.URL.Query().Get("after")
			switch {
			case second && after == "":
				// Two new posts, then the newest of last run: the walk stops there.
				io.WriteString(w, redditPage("t3_a7", "t3_a9", "t3_a8"))
			case second && after == "t3_a7":
				io.WriteString(w, redditPage("t3_a5", "t3_a7", "t3_a6"))
			case after == "":
				io.WriteString(w, redditPage("t3_a5", "t3_a7", "t3_a6"))
			case after == "t3_a5":
				io.WriteString(w, redditPage("t3_a3", "t3_a5", "t3_a4"))
			case after == "t3_a3":
				io.WriteString(w, redditPage("", "t3_a3", "t3_a2"))
			default:
				t.Errorf("unexpected after=%q (second run %v)", after, second)
				io.WriteString(w, redditPage(""))
			}
		},
		"/r/springfield/comments.json": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, redditPage("", "t1_c2", "t1_c1"))
		},
	})
	st := dir(t)
	src := source("rd", "reddit", v.URL, "r/springfield")
	res, err := pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil || res.Pages != 4 || res.Cursor.SinceID != "t3_a7" || res.Cursor.CommentsSinceID != "t1_c2" {
		t.Fatalf("first run %+v, %v; want 4 pages, cursors t3_a7 and t1_c2", res, err)
	}
	if got := len(parse(t, src, inbox(t, st, "rd")).Items); got != 8 {
		t.Errorf("parsed %d items; want 8 (6 posts, 2 comments)", got)
	}
	second = true
	res, err = pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil || res.Pages != 3 || res.Cursor.SinceID != "t3_a9" {
		t.Fatalf("second run %+v, %v; want 3 pages and cursor t3_a9", res, err)
	}
}

func TestFacebookPostsAndComments(t *testing.T) {
	ctx := context.Background()
	comments, err := os.ReadFile(filepath.Join("testdata", "facebook_comments.json"))
	if err != nil {
		t.Fatal(err)
	}
	var base string
	post := func(id string) string {
		return fmt.Sprintf(`{"id":"%s","message":"Library hours %s","created_time":"2026-09-30T10:00:00+0000","permalink_url":"https://www.facebook.com/%s"}`, id, id, id)
	}
	v := newVendor(t, map[string]http.HandlerFunc{
		"/city-page/posts": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			if r.URL.Query().Get("after") == "" {
				if r.URL.Query().Get("since") != fmt.Sprint(now.Add(-7*24*time.Hour).Unix()) {
					t.Errorf("since %q", r.URL.Query().Get("since"))
				}
				fmt.Fprintf(w, `{"data":[%s,%s],"paging":{"cursors":{"before":"b","after":"p2"},"next":"%s/city-page/posts?after=p2"}}`, post("1_10"), post("1_11"), base)
				return
			}
			fmt.Fprintf(w, `{"data":[%s],"paging":{"cursors":{"before":"p2","after":"p3"}}}`, post("1_12"))
		},
		"/1_10/comments": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("after") == "after" {
				io.WriteString(w, `{"data":[],"paging":{"cursors":{"before":"x","after":"y"}}}`)
				return
			}
			w.Write(bytes.ReplaceAll(comments, []byte("https://graph.facebook.com/v11.0"), []byte(base)))
		},
		"/19292868552_10158407654328553/comments": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("after") != "after" {
				t.Errorf("comments next page asked %s", r.URL)
			}
			io.WriteString(w, `{"data":[]}`)
		},
		"/1_11/comments": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data":[]}`) },
		"/1_12/comments": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"data":[{"id":"1_12_5","message":"Open on Sundays please","created_time":"2026-09-30T11:00:00+0000"}],"paging":{"cursors":{"before":"a","after":"b"}}}`)
		},
	})
	base = v.URL
	st := dir(t)
	src := source("fb", "facebook", v.URL, "city-page")
	res, err := pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 4 || !res.Cursor.Until.Equal(now) {
		t.Errorf("%+v; want 4 pages (2 of posts, 2 of comments) and until=now", res)
	}
	if got := len(parse(t, src, inbox(t, st, "fb")).Items); got != 3+10+1 {
		t.Errorf("parsed %d items; want 14", got)
	}
	for _, r := range v.requests() {
		if strings.Contains(r.URL.RawQuery, token) {
			t.Errorf("token in URL %s; want it in the header only", r.URL)
		}
	}
}

func TestFacebookRefusesNextOnAnotherHost(t *testing.T) {
	v := newVendor(t, map[string]http.HandlerFunc{"/p/posts": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[{"id":"1_1","message":"x","created_time":"2026-09-30T10:00:00+0000"}],"paging":{"next":"https://evil.example/p/posts?after=2"}}`)
	}, "/1_1/comments": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data":[]}`) }})
	_, err := pull.Pull(context.Background(), dir(t), source("fb", "facebook", v.URL, "p"), opts(fastClient(nil)))
	if err == nil || !strings.Contains(err.Error(), "evil.example") {
		t.Errorf("err %v; want a refusal naming the host", err)
	}
}

const smDetails = `{"id":"123","title":"Resident survey","pages":[{"id":"p1","questions":[
 {"id":"q1","family":"single_choice","subtype":"vertical","headings":[{"heading":"How satisfied are you with city services?"}],
  "answers":{"choices":[{"id":"c1","text":"Very satisfied"},{"id":"c2","text":"Satisfied"},{"id":"c3","text":"Dissatisfied"}]}},
 {"id":"q2","family":"open_ended","subtype":"essay","headings":[{"heading":"What should the city fix first?"}]},
 {"id":"q3","family":"matrix","subtype":"rating","headings":[{"heading":"Rate these services"}],
  "answers":{"rows":[{"id":"r1","text":"Parks"},{"id":"r2","text":"Roads"}],"choices":[{"id":"m1","text":"Good"},{"id":"m2","text":"Poor"}]}}]}]}`

func smResponse(id int) string {
	return fmt.Sprintf(`{"id":"%d","collector_id":"c9","date_created":"2026-09-30T14:00:00+00:00","date_modified":"2026-09-30T14:05:00+00:00","pages":[{"id":"p1","questions":[
 {"id":"q1","answers":[{"choice_id":"c2"}]},
 {"id":"q2","answers":[{"text":"Fix the potholes on Elm %d"}]},
 {"id":"q3","answers":[{"row_id":"r1","choice_id":"m1"},{"row_id":"r2","choice_id":"m2"}]}]}]}`, id, id)
}

func TestSurveyMonkeyBulkBecomesCSVExport(t *testing.T) {
	ctx := context.Background()
	var base string
	v := newVendor(t, map[string]http.HandlerFunc{
		"/v3/surveys/123/details": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, smDetails) },
		"/v3/surveys/123/responses/bulk": func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.Header.Get("Authorization") != "Bearer "+token || q.Get("start_modified_at") != "2026-09-25T08:00:00" || q.Get("per_page") != "100" {
				t.Errorf("request %s (authorized: %v)", r.URL, r.Header.Get("Authorization") == "Bearer "+token)
			}
			var p int
			fmt.Sscan(q.Get("page"), &p)
			next := ""
			if p < 3 {
				next = fmt.Sprintf(`"next":"%s/v3/surveys/123/responses/bulk?page=%d",`, base, p+1)
			}
			fmt.Fprintf(w, `{"data":[%s,%s],"per_page":2,"page":%d,"total":6,"links":{%s"self":"x"}}`, smResponse(2*p-1), smResponse(2*p), p, next)
		},
	})
	base = v.URL
	st := dir(t)
	src := source("sm", "surveymonkey", v.URL, "123")
	src.SurveyID = "resident-2026"
	res, err := pull.Pull(ctx, st, src, opts(fastClient(nil)))
	if err != nil || res.Pages != 3 {
		t.Fatalf("%+v, %v; want 3 pages", res, err)
	}
	b := parse(t, src, inbox(t, st, "sm"))
	// Per response: q1, q2, and q3's two rows; q2 is also feedback.
	if len(b.Answers) != 6*4 || len(b.Items) != 6 {
		t.Fatalf("%d answers, %d feedback; want 24 and 6", len(b.Answers), len(b.Items))
	}
	var got []string
	for _, a := range b.Answers[:4] {
		v := "-"
		if a.AnswerValue != nil {
			v = fmt.Sprint(*a.AnswerValue)
		}
		got = append(got, a.QuestionID+"="+a.AnswerText+"/"+v)
	}
	want := "[how_satisfied_are_you_with_city_services=Satisfied/4 what_should_the_city_fix_first=Fix the potholes on Elm 1/- rate_these_services__parks=Good/3 rate_these_services__roads=Poor/1]"
	if fmt.Sprint(got) != want {
		t.Errorf("answers %v\nwant %s", got, want)
	}
}

func qualtricsZip(t *testing.T) []byte {
	csvBytes, err := os.ReadFile(filepath.Join("testdata", "qualtrics_export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, _ := zw.Create("Resident survey.csv")
	f.Write(csvBytes)
	zw.Close()
	return buf.Bytes()
}

func TestQualtricsExportStartPollDownload(t *testing.T) {
	ctx := context.Background()
	zipped := qualtricsZip(t)
	polls := 0
	auth := func(r *http.Request) {
		if r.Header.Get("X-API-TOKEN") != token {
			t.Errorf("%s %s without X-API-TOKEN", r.Method, r.URL.Path)
		}
	}
	v := newVendor(t, map[string]http.HandlerFunc{
		"POST /API/v3/surveys/SV_1/export-responses": func(w http.ResponseWriter, r *http.Request) {
			auth(r)
			body, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(body), `"format":"csv"`) || !strings.Contains(string(body), `"startDate":"2026-09-25T08:00:00Z"`) {
				t.Errorf("export request %s", body)
			}
			io.WriteString(w, `{"result":{"progressId":"ES_9","percentComplete":0.0,"status":"inProgress"},"meta":{"requestId":"r","httpStatus":"200 - OK"}}`)
		},
		"GET /API/v3/surveys/SV_1/export-responses/ES_9": func(w http.ResponseWriter, r *http.Request) {
			auth(r)
			polls++
			if polls < 3 {
				fmt.Fprintf(w, `{"result":{"percentComplete":%d.0,"status":"inProgress"},"meta":{"httpStatus":"200 - OK"}}`, 30*polls)
				return
			}
			io.WriteString(w, `{"result":{"fileId":"F_7","percentComplete":100.0,"status":"complete"},"meta":{"httpStatus":"200 - OK"}}`)
		},
		"GET /API/v3/surveys/SV_1/export-responses/F_7/file": func(w http.ResponseWriter, r *http.Request) {
			auth(r)
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(zipped)
		},
	})
	st := dir(t)
	src := source("qx", "qualtrics", v.URL, "SV_1")
	var waits []time.Duration
	res, err := pull.Pull(ctx, st, src, opts(fastClient(&waits)))
	if err != nil || res.Pages != 1 || polls != 3 {
		t.Fatalf("%+v, %v after %d polls; want 1 file after 3 polls", res, err, polls)
	}
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Errorf("poll waits %v; want [1s 2s]", waits)
	}
	files := inbox(t, st, "qx")
	want, _ := os.ReadFile(filepath.Join("testdata", "qualtrics_export.csv"))
	if got := files[res.Keys[0]]; !bytes.Equal(got, want) || !strings.HasSuffix(res.Keys[0], ".csv") {
		t.Errorf("%s holds %d bytes; want the export's CSV as is", res.Keys[0], len(got))
	}
	if b := parse(t, src, files); len(b.Answers) == 0 {
		t.Error("the export's CSV parsed to no answers")
	}
}

func TestQualtricsExportFailed(t *testing.T) {
	v := newVendor(t, map[string]http.HandlerFunc{
		"POST /API/v3/surveys/SV_1/export-responses": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"result":{"progressId":"ES_9","status":"inProgress"}}`)
		},
		"GET /API/v3/surveys/SV_1/export-responses/ES_9": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"result":{"status":"failed"}}`)
		},
	})
	_, err := pull.Pull(context.Background(), dir(t), source("qx", "qualtrics", v.URL, "SV_1"), opts(fastClient(nil)))
	if err == nil || !strings.Contains(err.Error(), "failed") || !strings.Contains(err.Error(), "qx") {
		t.Errorf("err %v; want the failed export named", err)
	}
}

// Neither the credential nor residents' text reaches the log, at any level.
func TestLogsHoldNoSecretsNorText(t *testing.T) {
	calls := 0
	v := newVendor(t, map[string]http.HandlerFunc{"/2/tweets/search/recent": func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			io.WriteString(w, tweetPage("n", 12, 11))
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}})
	var logs bytes.Buffer
	o := opts(fastClient(nil))
	o.Client.Retries = 1
	o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err := pull.Pull(context.Background(), dir(t), source("tw", "twitter", v.URL, "q"), o)
	if err == nil {
		t.Fatal("want the 500 to fail the pull")
	}
	all := logs.String() + err.Error()
	if !strings.Contains(logs.String(), "fetched page") {
		t.Errorf("log %q; want the page fetch logged", logs.String())
	}
	for _, bad := range []string{token, "pothole on Main"} {
		if strings.Contains(all, bad) {
			t.Errorf("log or error holds %q:\n%s", bad, all)
		}
	}
}
