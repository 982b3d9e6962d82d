package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// monthsExport is an X v2 JSONL export of runs of tweets: each run is n tweets in one month
// of 2026, ids from first on.
func monthsExport(runs ...[3]int) string {
	var b strings.Builder
	for _, r := range runs {
		month, first, n := r[0], r[1], r[2]
		for p := 0; p < n; p += 100 {
			var data []string
			for i := first + p; i < first+min(p+100, n); i++ {
				data = append(data, fmt.Sprintf(`{"id":"%d","author_id":"u%d","created_at":"2026-%02d-10T12:00:00Z","text":"post %d"}`, i, i%97, month, i))
			}
			b.WriteString(`{"data":[` + strings.Join(data, ",") + "]}\n")
		}
	}
	return b.String()
}

// curatedIDs reads every curated feedback object under prefix and returns the native ids in
// object then row order, with the objects read.
func curatedIDs(t *testing.T, st store.Store, prefix string) ([]string, []string) {
	t.Helper()
	ctx := context.Background()
	infos, err := st.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var ids, objs []string
	for _, in := range infos {
		b, err := store.ReadAll(ctx, st, in.Key)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := table.Decode[table.Feedback](b)
		if err != nil {
			t.Fatalf("decode %s: %v", in.Key, err)
		}
		for _, r := range rows {
			ids = append(ids, r.NativeID)
		}
		objs = append(objs, in.Key)
	}
	return ids, objs
}

// TestIngestMonthsBackAndForth: an export whose months come back and forth (March, April,
// March again) gives one object per month, holding the month's rows in file order, every row
// stored once and indexed; the months not written first wait in temporary files.
func TestIngestMonthsBackAndForth(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city := &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
	body := monthsExport([3]int{3, 0, 800}, [3]int{4, 100_000, 600}, [3]int{3, 200_000, 250}, [3]int{5, 300_000, 70}, [3]int{4, 400_000, 30})
	if err := st.Put(ctx, "inbox/tw/x.jsonl", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	opts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)}
	sum, err := pipeline.Ingest(ctx, st, city, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Feedback != 1750 || sum.Duplicates != 0 {
		t.Fatalf("ingest %+v; want 1,750 rows", sum)
	}
	for _, tc := range []struct {
		month string
		n     int
		first []string // the first id of each run, at its place in the month
		at    []int
	}{
		{"2026-03", 1050, []string{"0", "799", "200000", "200249"}, []int{0, 799, 800, 1049}},
		{"2026-04", 630, []string{"100000", "400000", "400029"}, []int{0, 600, 629}},
		{"2026-05", 70, []string{"300000", "300069"}, []int{0, 69}},
	} {
		ids, objs := curatedIDs(t, st, "curated/feedback/source=tw/month="+tc.month+"/")
		if len(objs) != 1 {
			t.Errorf("%s objects %v; want one", tc.month, objs)
			continue
		}
		if len(ids) != tc.n {
			t.Errorf("%s: %d rows; want %d", tc.month, len(ids), tc.n)
			continue
		}
		for i, at := range tc.at {
			if ids[at] != tc.first[i] {
				t.Errorf("%s row %d: id %s; want %s (file order)", tc.month, at, ids[at], tc.first[i])
			}
		}
		batch := strings.TrimSuffix(path.Base(objs[0]), ".parquet")
		idx, err := store.ReadAll(ctx, st, "state/ingest/ids/feedback/source=tw/month="+tc.month+"/"+batch+".ids")
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(idx), "\n"); n != tc.n {
			t.Errorf("%s id index holds %d ids; want %d", tc.month, n, tc.n)
		}
	}

	// A second export overlapping both months stores only what is new.
	if err := st.Put(ctx, "inbox/tw/y.jsonl", strings.NewReader(monthsExport([3]int{3, 790, 20}, [3]int{4, 100_590, 20}))); err != nil {
		t.Fatal(err)
	}
	sum, err = pipeline.Ingest(ctx, st, city, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 1 || sum.Feedback != 20 || sum.Duplicates != 20 {
		t.Errorf("second export %+v; want 20 new rows and 20 duplicates", sum)
	}
}

// faultyStore fails or changes what Get reads of inbox objects.
type faultyStore struct {
	store.Store
	gets      atomic.Int32
	failAfter int64  // a Get body fails after this many bytes, when > 0
	changeTo  string // the second Get of an inbox object reads this, when set
}

var errInjected = errors.New("injected read failure")

func (s *faultyStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if !strings.HasPrefix(key, "inbox/") {
		return s.Store.Get(ctx, key)
	}
	n := s.gets.Add(1)
	if s.changeTo != "" && n >= 2 {
		return io.NopCloser(strings.NewReader(s.changeTo)), nil
	}
	rc, err := s.Store.Get(ctx, key)
	if err != nil || s.failAfter <= 0 || n < 2 {
		return rc, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, s.failAfter), errReader{}), rc}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errInjected }

// TestIngestStreamFailures: a read that fails half-way, or an inbox object that changes
// between the reads, fails the file and stores nothing of it; the next run ingests it whole.
func TestIngestStreamFailures(t *testing.T) {
	body := monthsExport([3]int{5, 0, 3000}, [3]int{6, 10_000, 3000})
	for _, tc := range []struct {
		name  string
		fault func(*faultyStore)
		want  string
	}{
		{"read fails", func(s *faultyStore) { s.failAfter = int64(len(body) / 2) }, errInjected.Error()},
		{"object changes", func(s *faultyStore) { s.changeTo = monthsExport([3]int{5, 0, 10}) }, "changed while it was ingested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := dirStore(t)
			city := &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
			if err := dir.Put(ctx, "inbox/tw/x.jsonl", strings.NewReader(body)); err != nil {
				t.Fatal(err)
			}
			st := &faultyStore{Store: dir}
			tc.fault(st)
			opts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)}
			_, err := pipeline.Ingest(ctx, st, city, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Ingest error %v; want one saying %q", err, tc.want)
			}
			// state/ingest/started/ may keep when the batch was begun (see startBatch).
			for _, prefix := range []string{"raw/", "curated/", "state/ingest/source=", "state/ingest/ids/", "quarantine/"} {
				if objs, _ := dir.List(ctx, prefix); len(objs) > 0 {
					t.Errorf("failed ingest left %s", objs[0].Key)
				}
			}
			sum, err := pipeline.Ingest(ctx, dir, city, opts)
			if err != nil || sum.Feedback != 6000 {
				t.Errorf("clean run: %+v, %v; want 6,000 rows", sum, err)
			}
		})
	}
}

// TestIngestConcurrentRuns holds the guarantee ingest gives runs that overlap in time (an
// event delivered twice, the daily run meeting an S3 event): the same file ingested by
// several runs at once is stored once, as they write the same objects; files with no record
// in common are each stored whole. (Runs at once over files that share records can both store
// them: each reads the id index before the other writes it. Sequential runs never do; see
// TestIngestDropsRecordsStoredByOverlappingWindows.)
func TestIngestConcurrentRuns(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city := &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
	files := map[string]string{
		"inbox/tw/a.jsonl": monthsExport([3]int{7, 0, 500}, [3]int{8, 1000, 500}),
		"inbox/tw/b.jsonl": monthsExport([3]int{7, 5000, 300}),
		"inbox/tw/c.jsonl": monthsExport([3]int{8, 9000, 200}),
	}
	for k, body := range files {
		if err := st.Put(ctx, k, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	opts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)}
	runs := [][]string{
		{"inbox/tw/a.jsonl"}, {"inbox/tw/a.jsonl"}, {"inbox/tw/a.jsonl", "inbox/tw/b.jsonl"},
		{"inbox/tw/b.jsonl"}, {"inbox/tw/c.jsonl"}, {"inbox/tw/c.jsonl", "inbox/tw/a.jsonl"},
	}
	errs := make(chan error, len(runs))
	for _, keys := range runs {
		go func() {
			o := opts
			o.Keys = keys
			_, err := pipeline.Ingest(ctx, st, city, o)
			errs <- err
		}()
	}
	for range runs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for month, want := range map[string]int{"2026-07": 800, "2026-08": 700} {
		ids, objs := curatedIDs(t, st, "curated/feedback/source=tw/month="+month+"/")
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s: id %s stored twice (objects %v)", month, id, objs)
				break
			}
			seen[id] = true
		}
		if len(seen) != want {
			t.Errorf("%s: %d ids stored; want %d", month, len(seen), want)
		}
	}
	// A run after them all finds every file done.
	sum, err := pipeline.Ingest(ctx, st, city, opts)
	if err != nil || sum.Files != 0 || sum.Skipped != 3 {
		t.Errorf("run after: %+v, %v; want the 3 files skipped", sum, err)
	}
}

// TestIngestRerunAfterIndexWithOthersFirst: a batch whose run died after writing its id index
// (but before its state record) is ingested again in a run that first ingests another file of
// the same month, which reads that index: the batch's own ids still do not count as stored.
func TestIngestRerunAfterIndexWithOthersFirst(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city := &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
	opts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: slog.New(slog.DiscardHandler)}
	put := func(key, body string) {
		if err := st.Put(ctx, key, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	put("inbox/tw/b.jsonl", monthsExport([3]int{8, 20, 11}))
	o := opts
	o.Keys = []string{"inbox/tw/b.jsonl"}
	if _, err := pipeline.Ingest(ctx, st, city, o); err != nil {
		t.Fatal(err)
	}
	states, _ := st.List(ctx, "state/ingest/source=tw/")
	if len(states) != 1 {
		t.Fatalf("state records %v; want b's", states)
	}
	if err := st.Delete(ctx, states[0].Key); err != nil { // the run "died" before it
		t.Fatal(err)
	}
	put("inbox/tw/a.jsonl", monthsExport([3]int{8, 0, 10})) // ingested first: keys run in order
	sum, err := pipeline.Ingest(ctx, st, city, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 2 || sum.Feedback != 21 || sum.Duplicates != 0 {
		t.Errorf("run %+v; want a's 10 rows and b's 11 again, no duplicates", sum)
	}
	ids, _ := curatedIDs(t, st, "curated/feedback/source=tw/month=2026-08/")
	if len(ids) != 21 {
		t.Errorf("%d rows stored; want 21", len(ids))
	}
}
