package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Pull from two vendors into the inbox, ingest, then pull again with overlapping pages: the
// curated table holds each record once.
func TestPullThenIngest(t *testing.T) {
	ctx := context.Background()
	// X search: three pages of two tweets on the first run; on the second, one new tweet
	// and one the first run already had (an overlapping window).
	pages := map[string]string{
		"":   `{"data":[{"id":"1006","author_id":"u1","created_at":"2026-09-30T12:00:00.000Z","text":"Bus 12 late again"},{"id":"1005","author_id":"u2","created_at":"2026-09-30T11:00:00.000Z","text":"Great new bike lane"}],"includes":{"users":[{"id":"u1","username":"a"},{"id":"u2","username":"b"}]},"meta":{"newest_id":"1006","oldest_id":"1005","result_count":2,"next_token":"n2"}}`,
		"n2": `{"data":[{"id":"1004","author_id":"u3","created_at":"2026-09-29T12:00:00.000Z","text":"Potholes on Elm"},{"id":"1003","author_id":"u1","created_at":"2026-09-29T11:00:00.000Z","text":"Trash not collected"}],"meta":{"newest_id":"1004","oldest_id":"1003","result_count":2,"next_token":"n3"}}`,
		"n3": `{"data":[{"id":"1002","author_id":"u4","created_at":"2026-09-28T12:00:00.000Z","text":"Park is lovely"},{"id":"1001","author_id":"u5","created_at":"2026-09-28T11:00:00.000Z","text":"Noise downtown at night"}],"meta":{"newest_id":"1002","oldest_id":"1001","result_count":2}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/x/2/tweets/search/recent" && r.Header.Get("Authorization") != "Bearer x-token":
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/x/2/tweets/search/recent" && q.Get("since_id") != "":
			io.WriteString(w, `{"data":[{"id":"1007","author_id":"u6","created_at":"2026-10-02T07:00:00.000Z","text":"Library hours too short"},{"id":"1006","author_id":"u1","created_at":"2026-09-30T12:00:00.000Z","text":"Bus 12 late again"}],"meta":{"newest_id":"1007","result_count":2}}`)
		case r.URL.Path == "/x/2/tweets/search/recent":
			io.WriteString(w, pages[q.Get("next_token")])
		case r.URL.Path == "/311/requests.json" && q.Get("page") == "1":
			// The same requests on every run: a re-fetched identical page.
			io.WriteString(w, `[{"service_request_id":"r1","service_name":"Pothole","description":"Hole on 5th","status":"closed","requested_datetime":"2026-09-30T09:00:00Z","updated_datetime":"2026-10-01T09:00:00Z","lat":37.7,"long":-122.4},{"service_request_id":"r2","service_name":"Graffiti","description":"Wall tagged","status":"open","requested_datetime":"2026-09-30T10:00:00Z"}]`)
		case r.URL.Path == "/311/requests.json":
			io.WriteString(w, `[]`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	city := &config.City{Sources: []config.Source{
		{ID: "x", Format: "twitter", Pull: &config.Pull{Endpoint: srv.URL + "/x", Query: "springfield", Secret: "city/x"}},
		{ID: "requests", Format: "open311", Pull: &config.Pull{Endpoint: srv.URL + "/311"}},
		{ID: "survey", Format: "qualtrics"}, // no pull settings: left alone
	}}
	st := dirStore(t)
	popts := pipeline.PullOptions{Now: now, Secrets: pull.MapSecrets{"city/x": "x-token"},
		Client: &pull.Client{Sleep: func(context.Context, time.Duration) error { return nil }}}
	psum, err := pipeline.Pull(ctx, st, city, popts)
	if err != nil {
		t.Fatal(err)
	}
	if psum.Pages != 4 || len(psum.Sources) != 2 || psum.Failed != 0 {
		t.Fatalf("pull %+v; want 4 pages from 2 sources", psum)
	}
	iopts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k")}
	sum, err := pipeline.Ingest(ctx, st, city, iopts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 4 || sum.Feedback != 8 || sum.Bad != 0 {
		t.Errorf("first ingest %+v; want 4 files, 8 rows", sum)
	}

	popts.Now = now.Add(24 * time.Hour)
	iopts.Now = popts.Now
	if psum, err = pipeline.Pull(ctx, st, city, popts); err != nil || psum.Pages != 2 {
		t.Fatalf("second pull %+v, %v; want 2 pages", psum, err)
	}
	sum, err = pipeline.Ingest(ctx, st, city, iopts)
	if err != nil {
		t.Fatal(err)
	}
	// The 311 page is byte-identical to yesterday's: under a new window's name it is still
	// the same batch, skipped. Tweet 1006, fetched again, is dropped by the id index.
	if sum.Files != 1 || sum.Feedback != 1 || sum.Duplicates != 1 {
		t.Errorf("second ingest %+v; want 1 file, 1 new row and 1 duplicate", sum)
	}
	if got := curatedRows(t, st, "x"); got != 7 {
		t.Errorf("curated x rows %d; want 7", got)
	}
	if got := curatedRows(t, st, "requests"); got != 2 {
		t.Errorf("curated requests rows %d; want 2", got)
	}
}

func TestPullFailureNamesSourceAndOthersGoOn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/bad/") {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `[]`)
	}))
	defer srv.Close()
	city := &config.City{Sources: []config.Source{
		{ID: "broken", Format: "open311", Pull: &config.Pull{Endpoint: srv.URL + "/bad"}},
		{ID: "fine", Format: "open311", Pull: &config.Pull{Endpoint: srv.URL + "/good"}},
	}}
	st := dirStore(t)
	sum, err := pipeline.Pull(context.Background(), st, city, pipeline.PullOptions{Now: now,
		Client: &pull.Client{Retries: 1, Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err == nil || !strings.Contains(err.Error(), "pull broken") || !strings.Contains(err.Error(), srv.URL+"/bad/requests.json") {
		t.Errorf("err %v; want the broken source and its URL", err)
	}
	if sum.Failed != 1 || len(sum.Sources) != 2 {
		t.Errorf("summary %+v; want one failure of two", sum)
	}
	if ok, _ := store.Exists(context.Background(), st, pull.CursorKey("fine")); !ok {
		t.Error("the working source's cursor was not written")
	}
}

func curatedRows(t *testing.T, st store.Store, source string) int {
	t.Helper()
	infos, err := st.List(context.Background(), fmt.Sprintf("%ssource=%s/", pipeline.CuratedFeedback, source))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range infos {
		b, err := store.ReadAll(context.Background(), st, in.Key)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := table.Read[table.Feedback](bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		n += len(rows)
	}
	return n
}
