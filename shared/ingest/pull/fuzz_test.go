package pull_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/store"
)

// fuzzFormats are the vendors FuzzPullResponses plays; its first argument picks one.
var fuzzFormats = []string{"twitter", "reddit", "facebook", "open311", "surveymonkey", "qualtrics"}

// fuzzSep separates the successive answers of the fuzzed vendor; the last one repeats.
const fuzzSep = "\n--next--\n"

// scriptedVendor answers request i with answers[min(i, last)], without a network.
type scriptedVendor struct {
	answers [][]byte
	n       int
	limit   int
}

var errTooManyRequests = errors.New("too many requests: the pull does not end")

func (v *scriptedVendor) RoundTrip(req *http.Request) (*http.Response, error) {
	v.n++
	if v.n > v.limit {
		return nil, errTooManyRequests
	}
	b := v.answers[min(v.n-1, len(v.answers)-1)]
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: req}, nil
}

func fuzzZip(t testing.TB, name, body string) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// FuzzPullResponses plays a vendor that answers a pull with fuzzed bodies: whatever it sends,
// the pull ends within a bounded number of requests, never panics, names the source in its
// error and never the credential, and on success stores what its cursor and result say.
func FuzzPullResponses(f *testing.F) {
	seeds := map[string][]string{
		"twitter": {`{"data":[{"id":"15"}],"meta":{"newest_id":"15","next_token":"t2"}}`, `{"data":[{"id":"9"}],"meta":{}}`},
		"reddit": {`{"data":{"after":"t3_b","children":[{"data":{"name":"t3_c","created_utc":1790000000}}]}}`,
			`{"data":{"after":"","children":[{"data":{"name":"t3_a","created_utc":1}}]}}`},
		"facebook": {`{"data":[{"id":"p1"}],"paging":{"next":"https://vendor.test/p/posts?after=x"}}`, `{"data":[],"paging":{}}`},
		"open311":  {`[{"service_request_id":"1"}]`, `[{"service_request_id":"2"}]`, `[]`},
		"surveymonkey": {`{"pages":[{"questions":[{"id":"q1","family":"open_ended","subtype":"single","headings":[{"heading":"Say"}]}]}],` +
			`"data":[{"id":"1","date_modified":"2026-09-30T14:05:00+00:00","pages":[{"questions":[{"id":"q1","answers":[{"text":"hi"}]}]}]}],"links":{"next":"n"}}`},
		"qualtrics": {`{"result":{"progressId":"ES_1","status":"inProgress"}}`, `{"result":{"progressId":"ES_1","status":"complete","fileId":"f1"}}`,
			fuzzZip(f, "export.csv", "ResponseId,RecordedDate\nR_1,2026-01-01 00:00:00\n")},
	}
	for i, format := range fuzzFormats {
		f.Add(uint8(i), []byte(strings.Join(seeds[format], fuzzSep)))
	}
	f.Add(uint8(0), []byte(`{"meta":{"next_token":"again"}}`)) // an empty page that says there is more, forever
	f.Add(uint8(3), []byte(`{"not":"a list"}`))

	const secret = "tok-9f8e7d6c5b4a"
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		format := fuzzFormats[int(which)%len(fuzzFormats)]
		v := &scriptedVendor{answers: bytes.Split(body, []byte(fuzzSep)), limit: 200 + len(body)}
		st, err := store.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		src := config.Source{ID: "fz", Format: format, Pull: &config.Pull{Endpoint: "https://vendor.test", Query: "q",
			Secret: "s", MaxPages: 3, Window: 24 * time.Hour}}
		now := time.Date(2026, 10, 2, 8, 0, 0, 0, time.UTC)
		ctx := context.Background()
		res, err := pull.Pull(ctx, st, src, pull.Options{Now: now, Secrets: pull.MapSecrets{"s": secret},
			Client: &pull.Client{HTTP: &http.Client{Transport: v}, Retries: -1, Now: func() time.Time { return now },
				Sleep: func(context.Context, time.Duration) error { return nil }}})
		if errors.Is(err, errTooManyRequests) || v.n > v.limit {
			t.Fatalf("%s pull made %d requests and did not end", format, v.n)
		}
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, "pull fz") || strings.Contains(msg, secret) {
				t.Fatalf("error %q does not name the source, or shows the credential", msg)
			}
			return
		}
		if res.Pages != len(res.Keys) || res.Pages > v.n {
			t.Fatalf("result %d pages, keys %v, after %d requests", res.Pages, res.Keys, v.n)
		}
		for _, k := range res.Keys {
			b, err := store.ReadAll(ctx, st, k)
			if err != nil || !strings.HasPrefix(k, "inbox/fz/") {
				t.Fatalf("page %s: %v", k, err)
			}
			if format != "surveymonkey" && format != "qualtrics" && !containsAnswer(v.answers, b) {
				t.Fatalf("page %s is not a body the vendor sent", k)
			}
		}
		cur, err := pull.ReadCursor(ctx, st, "fz")
		if err != nil || cur.Source != "fz" || !cur.PulledAt.Equal(now) {
			t.Fatalf("cursor %+v, %v; want source fz pulled at %v", cur, err, now)
		}
		if strings.Contains(fmt.Sprint(cur), secret) {
			t.Fatal("the cursor holds the credential")
		}
	})
}

func containsAnswer(answers [][]byte, b []byte) bool {
	for _, a := range answers {
		if bytes.Equal(a, b) {
			return true
		}
	}
	return false
}
