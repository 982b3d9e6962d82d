package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
	"github.com/civicpulse/civicpulse/shared/table"
)

var now = time.Date(2026, 10, 2, 8, 0, 0, 0, time.UTC)

// sampleStore puts the sample city's config and the files whose keys contain one of the
// given substrings into st.
func sampleStore(t *testing.T, st store.Store, only ...string) *config.City {
	t.Helper()
	ctx := context.Background()
	if err := sample.Install(ctx, st, sample.DefaultSeed, func(key string) bool { return containsAny(key, only) }); err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	return city
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func dirStore(t *testing.T) *store.Dir {
	d, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIngestOnceAndQuarantine(t *testing.T) {
	for name, st := range map[string]func(*testing.T) store.Store{
		"dir": func(t *testing.T) store.Store { return dirStore(t) },
		"s3":  func(t *testing.T) store.Store { return storetest.S3(t, "city") },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := st(t)
			city := sampleStore(t, st, "FY2025-Q3.csv", "search-2025-02-01-p002.json")
			opts := pipeline.IngestOptions{Now: now, AuthorKey: []byte("k")}
			sum, err := pipeline.Ingest(ctx, st, city, opts)
			if err != nil {
				t.Fatalf("Ingest: %v", err)
			}
			if sum.Files != 2 || sum.Bad != 4 || sum.BadReasons["ragged row"] != 1 || sum.BadReasons["bad date"] != 2 || sum.BadReasons["empty text"] != 1 {
				t.Errorf("summary %+v; want 2 files and the 4 planted bad records by reason", sum)
			}
			q, err := st.List(ctx, "quarantine/")
			if err != nil || len(q) != 2 {
				t.Fatalf("quarantine objects %v (%v); want 2", q, err)
			}
			b, _ := store.ReadAll(ctx, st, q[0].Key)
			var bad map[string]any
			if err := json.Unmarshal(bytes.SplitN(b, []byte("\n"), 2)[0], &bad); err != nil || bad["file"] == nil || bad["reason"] == nil || bad["message"] == nil {
				t.Errorf("quarantine line %s (%v); want file, reason and message", b, err)
			}

			// Again, and the same bytes under another name: nothing new.
			data, _ := store.ReadAll(ctx, st, "inbox/resident_survey/springfield-resident-survey-FY2025-Q3.csv")
			if err := st.Put(ctx, "inbox/resident_survey/copy-of-export.csv", bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			before, _ := st.List(ctx, "curated/")
			sum, err = pipeline.Ingest(ctx, st, city, opts)
			if err != nil || sum.Files != 0 || sum.Skipped != 3 {
				t.Errorf("second run %+v, %v; want 0 files ingested, 3 skipped", sum, err)
			}
			after, _ := st.List(ctx, "curated/")
			if len(after) != len(before) {
				t.Errorf("curated objects %d -> %d on a re-run", len(before), len(after))
			}

			// Text is redacted before it leaves raw/, and authors are keyed hashes.
			for _, o := range after {
				if !strings.HasPrefix(o.Key, pipeline.CuratedFeedback) {
					continue
				}
				b, _ := store.ReadAll(ctx, st, o.Key)
				rows, err := table.Decode[table.Feedback](b)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					if strings.Contains(r.Text, "@gmail.com") || strings.Contains(r.Text, "555-01") {
						t.Errorf("PII in stored text: %q", r.Text)
					}
					if r.AuthorKey == nil || len(*r.AuthorKey) != 32 {
						t.Errorf("author key %v; want a 32-hex keyed hash", r.AuthorKey)
					}
				}
			}
		})
	}
}

func TestIngestBadFiles(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city := sampleStore(t, st)
	st.Put(ctx, "inbox/twitter/not-json.json", strings.NewReader("<html>rate limited</html>"))
	st.Put(ctx, "inbox/resident_survey/empty.csv", strings.NewReader(""))
	st.Put(ctx, "inbox/unknown_vendor/x.csv", strings.NewReader("a,b\n"))
	sum, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now})
	if err == nil || !strings.Contains(err.Error(), `inbox/unknown_vendor/x.csv: source "unknown_vendor" is not in the city config`) {
		t.Errorf("err = %v; want it to name the file of an unknown source", err)
	}
	if sum.Files != 2 || sum.BadReasons["unreadable file"] != 1 || sum.BadReasons["malformed json"] != 1 {
		t.Errorf("summary %+v; want the two files quarantined, one unreadable, one malformed", sum)
	}
}

func TestScoreSkipsThenRescores(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city := sampleStore(t, st, "search-2026-09-01")
	if _, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	sc := score.New(city.Topics)
	first, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{})
	if err != nil || first.Objects == 0 || first.Rows < 100 {
		t.Fatalf("first score %+v, %v", first, err)
	}
	again, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{})
	if err != nil || again.Objects != 0 || again.Skipped != first.Objects {
		t.Errorf("second score %+v, %v; want everything skipped", again, err)
	}
	re, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{Rescore: true})
	if err != nil || re.Objects != first.Objects {
		t.Errorf("rescore %+v, %v; want every object again", re, err)
	}
	objs, _ := st.List(ctx, pipeline.ScoredFeedback)
	b, _ := store.ReadAll(ctx, st, objs[0].Key)
	rows, _ := table.Decode[table.ScoredFeedback](b)
	if rows[0].ScorerVersion != sc.Version() || rows[0].SentimentLabel == "" {
		t.Errorf("scored row %+v; want scorer version %s and a label", rows[0], sc.Version())
	}
}

func BenchmarkIngestScoreKPI(b *testing.B) {
	ctx := context.Background()
	files, _ := sample.Generate(sample.DefaultSeed)
	rows := 0
	for b.Loop() {
		b.StopTimer()
		st, _ := store.NewDir(b.TempDir())
		for _, f := range files {
			key := f.Key
			st.Put(ctx, key, bytes.NewReader(f.Data))
		}
		city, _ := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
		b.StartTimer()
		sum, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pipeline.Score(ctx, st, score.New(city.Topics), pipeline.ScoreOptions{}); err != nil {
			b.Fatal(err)
		}
		q, _ := pipeline.LatestQuarter(ctx, st, city)
		if _, err := pipeline.KPI(ctx, st, city, q, pipeline.KPIOptions{Now: now}); err != nil {
			b.Fatal(err)
		}
		rows = sum.Feedback
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func TestSampleConfigWhereThePipelineReadsIt(t *testing.T) {
	if sample.ConfigKey != pipeline.ConfigKey {
		t.Errorf("sample writes the config to %s; the pipeline reads %s", sample.ConfigKey, pipeline.ConfigKey)
	}
}
