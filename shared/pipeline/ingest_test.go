package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// tweetsPage is an X v2 page holding tweets lo..hi, all in August 2026 except ids ≥ 100
// which fall in September.
func tweetsPage(lo, hi int) string {
	var data []string
	for i := lo; i <= hi; i++ {
		month := "08"
		if i >= 100 {
			month = "09"
		}
		data = append(data, fmt.Sprintf(`{"id":"%d","author_id":"u%d","created_at":"2026-%s-10T12:00:00Z","text":"bus %d late, mail me at r%d@example.com"}`, i, i, month, i, i))
	}
	return `{"data":[` + strings.Join(data, ",") + `]}`
}

func TestIngestDropsRecordsStoredByOverlappingWindows(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city := &config.City{Sources: []config.Source{{ID: "tw", Format: "twitter"}}}
	put := func(name, body string) {
		if err := st.Put(ctx, "inbox/tw/"+name, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	opts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k")}
	put("w1.json", tweetsPage(1, 10))
	put("w2.json", tweetsPage(6, 15)) // overlaps w1 on 6..10
	sum, err := pipeline.Ingest(ctx, st, city, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Feedback != 15 || sum.Duplicates != 5 || sum.Bad != 0 {
		t.Errorf("first run %+v; want 15 rows and 5 duplicates", sum)
	}
	// A later window overlapping both months, with one record twice in the file.
	put("w3.json", tweetsPage(14, 16)+"\n"+tweetsPage(98, 101)+"\n"+tweetsPage(101, 101))
	sum, err = pipeline.Ingest(ctx, st, city, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 1 || sum.Feedback != 5 || sum.Duplicates != 3 {
		t.Errorf("second run %+v; want 5 new rows (16, 98..101), 3 duplicates (14, 15, 101 again)", sum)
	}
	ids := map[string]int{}
	rows := 0
	for _, prefix := range []string{"curated/feedback/source=tw/month=2026-08/", "curated/feedback/source=tw/month=2026-09/"} {
		objs, _ := st.List(ctx, prefix)
		for _, o := range objs {
			b, _ := store.ReadAll(ctx, st, o.Key)
			fs, err := table.Decode[table.Feedback](b)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				ids[f.NativeID]++
				rows++
				if strings.Contains(f.Text, "@example.com") {
					t.Errorf("unredacted text stored: %q", f.Text)
				}
			}
		}
	}
	if rows != 20 || len(ids) != 20 {
		t.Errorf("stored %d rows, %d distinct ids; want 20 and 20 (1..16, 98..101)", rows, len(ids))
	}

	// A run that died after writing its index but before its state record is run again:
	// its own index must not hide its own records.
	idx, _ := st.List(ctx, pipeline.IDIndexPrefix)
	states, _ := st.List(ctx, "state/ingest/source=tw/")
	if len(idx) == 0 || len(states) != 3 {
		t.Fatalf("index objects %d, state records %d; want some and 3", len(idx), len(states))
	}
	before, _ := st.List(ctx, "curated/")
	if err := st.Delete(ctx, states[2].Key); err != nil {
		t.Fatal(err)
	}
	sum, err = pipeline.Ingest(ctx, st, city, opts)
	if err != nil || sum.Files != 1 {
		t.Fatalf("re-run %+v %v", sum, err)
	}
	after, _ := st.List(ctx, "curated/")
	if len(after) != len(before) {
		t.Errorf("curated objects %d -> %d after re-running a batch", len(before), len(after))
	}
	for i := range after {
		a, _ := store.ReadAll(ctx, st, after[i].Key)
		b, _ := store.ReadAll(ctx, st, before[i].Key)
		if len(a) == 0 || len(a) != len(b) {
			t.Errorf("%s changed size on re-run: %d -> %d", after[i].Key, len(b), len(a))
		}
	}
}
