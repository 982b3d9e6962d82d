package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// demoDir runs the demo once into a fresh directory and returns it; tests share the run.
var demoRuns = map[string]string{}

func runDemoDir(t *testing.T) string {
	t.Helper()
	if d, ok := demoRuns["dir"]; ok {
		return d
	}
	dir, err := os.MkdirTemp("", "civicpulse-demo-")
	if err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--store", dir, "-q"}, nil, &out, &errs); err != nil {
		t.Fatalf("demo: %v\n%s", err, errs.String())
	}
	demoRuns["dir"] = dir
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range demoRuns {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// snapshot hashes every file of a directory tree.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	snap := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		snap[filepath.ToSlash(rel)] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestDemoTwiceChangesNothing(t *testing.T) {
	dir := runDemoDir(t)
	before := snapshot(t, dir)
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--store", dir, "-q"}, nil, &out, &errs); err != nil {
		t.Fatalf("second demo: %v\n%s", err, errs.String())
	}
	after := snapshot(t, dir)
	var diff []string
	for k, h := range after {
		if before[k] != h {
			diff = append(diff, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			diff = append(diff, k+" (gone)")
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("second demo changed %d files: %v", len(diff), diff[:min(len(diff), 10)])
	}
	if !strings.Contains(out.String(), "ingested   0 new files") || !strings.Contains(out.String(), "already scored") {
		t.Errorf("second demo output does not say it skipped the work:\n%s", out.String())
	}
	for _, want := range []string{"/kpi/quarter=2027-Q1/_kpis.json", "message.eml", "civicpulse cat"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

func loadDoc(t *testing.T, dir string) *kpi.Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kpi", "quarter=2027-Q1", "_kpis.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

func loadCity(t *testing.T, dir string) *config.City {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "config", "city.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := config.Load(f, "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every KPI of the demo quarter, recomputed by SQL on DuckDB over the same Parquet (not by our
// Go code), equals kpis.json to 1e-9, as do n and the previous quarter's value.
func TestKPIsRecomputedByDuckDB(t *testing.T) {
	dir := runDemoDir(t)
	doc, city := loadDoc(t, dir), loadCity(t, dir)
	db := openDuckDB(t)
	scored := filepath.Join(dir, "scored", "feedback", "*", "*", "*.parquet")
	answers := filepath.Join(dir, "curated", "survey_answers", "*", "*", "*.parquet")
	mustExec(t, db, fmt.Sprintf(`CREATE VIEW scored AS SELECT * FROM read_parquet('%s', hive_partitioning = true)`, scored))
	mustExec(t, db, fmt.Sprintf(`CREATE VIEW answers AS SELECT * FROM read_parquet('%s', hive_partitioning = true)`, answers))

	var dupes int
	if err := db.QueryRow(`SELECT count(*) - count(DISTINCT id) FROM scored`).Scan(&dupes); err != nil || dupes != 0 {
		t.Fatalf("duplicate ids in scored feedback: %d (%v)", dupes, err)
	}
	cal := kpi.Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()}
	q, _ := kpi.ParseQuarter(doc.Quarter)
	byID := map[string]config.KPI{}
	for _, k := range city.KPIs {
		byID[k.ID] = k
	}
	for _, r := range doc.KPIs {
		k := byID[r.ID]
		for _, step := range []struct {
			q    kpi.Quarter
			want *float64
			n    int64
		}{{q, r.Value, r.N}, {q.Add(-1), r.Previous, -1}} {
			start, end := cal.Bounds(step.q)
			var sqlText string
			switch k.Kind {
			case config.KindNetSentiment, config.KindVolume:
				where := fmt.Sprintf("epoch_ms(created_at) >= %d AND epoch_ms(created_at) < %d", start.UnixMilli(), end.UnixMilli())
				if k.Filter.Topic != "" {
					where += fmt.Sprintf(" AND list_contains(topics, '%s')", k.Filter.Topic)
				}
				value := "count(*)::DOUBLE"
				if k.Kind == config.KindNetSentiment {
					value = "(count_if(sentiment_label = 'positive') - count_if(sentiment_label = 'negative'))::DOUBLE / count(*)"
				}
				sqlText = fmt.Sprintf("SELECT %s, count(*) FROM scored WHERE %s", value, where)
			case config.KindSatisfaction:
				sqlText = fmt.Sprintf(`SELECT sum(weight * CASE WHEN answer_value >= scale_max - 1 THEN 1 ELSE 0 END) / sum(weight), count(*)
					FROM answers WHERE question_id = '%s' AND answer_value IS NOT NULL AND scale_max IS NOT NULL
					AND epoch_ms(submitted_at) >= %d AND epoch_ms(submitted_at) < %d`, k.Filter.Question, start.UnixMilli(), end.UnixMilli())
			}
			var got float64
			var n int64
			if err := db.QueryRow(sqlText).Scan(&got, &n); err != nil {
				t.Fatalf("%s %s: %v\n%s", r.ID, step.q, err, sqlText)
			}
			if step.want == nil {
				t.Errorf("%s %s: kpis.json has no value; DuckDB says %v (n %d)", r.ID, step.q, got, n)
				continue
			}
			if math.Abs(got-*step.want) > 1e-9 {
				t.Errorf("%s %s: DuckDB %v; kpis.json %v", r.ID, step.q, got, *step.want)
			}
			if step.n >= 0 && n != step.n {
				t.Errorf("%s %s: DuckDB n %d; kpis.json n %d", r.ID, step.q, n, step.n)
			}
		}
	}
}

// The lake's layout as Athena would read it: partition columns from the path only, UTC
// timestamps, and the same rows and average sentiment as our own reader sees.
func TestParquetReadBackByDuckDB(t *testing.T) {
	dir := runDemoDir(t)
	db := openDuckDB(t)
	glob := filepath.Join(dir, "scored", "feedback", "*", "*", "*.parquet")
	var n int64
	var avg float64
	var sources string
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*), avg(sentiment), string_agg(DISTINCT source, ',' ORDER BY source)
		FROM read_parquet('%s', hive_partitioning = true)`, glob)).Scan(&n, &avg, &sources); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(glob)
	var goN int64
	var goSum float64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := table.Decode[table.ScoredFeedback](b)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			goN++
			goSum += r.Sentiment
		}
	}
	if n != goN || n < 1000 || math.Abs(avg-goSum/float64(goN)) > 1e-9 {
		t.Errorf("DuckDB: %d rows, avg %v; Go: %d rows, avg %v", n, avg, goN, goSum/float64(goN))
	}
	if sources != "resident_survey,twitter" {
		t.Errorf("sources from the path = %q; want resident_survey,twitter", sources)
	}
	var inFile int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM parquet_schema('%s') WHERE name IN ('source', 'month', 'quarter')`, files[0])).Scan(&inFile); err != nil || inFile != 0 {
		t.Errorf("partition columns inside %s: %d (%v)", files[0], inFile, err)
	}
	var typ string
	if err := db.QueryRow(fmt.Sprintf(`SELECT typeof(created_at) FROM read_parquet('%s') LIMIT 1`, files[0])).Scan(&typ); err != nil || typ != "TIMESTAMP WITH TIME ZONE" {
		t.Errorf("created_at is %q (%v); want TIMESTAMP WITH TIME ZONE (UTC-adjusted)", typ, err)
	}
	var lists string
	if err := db.QueryRow(fmt.Sprintf(`SELECT typeof(topics) FROM read_parquet('%s') LIMIT 1`, files[0])).Scan(&lists); err != nil || lists != "VARCHAR[]" {
		t.Errorf("topics is %q (%v); want VARCHAR[]", lists, err)
	}
	kpis := filepath.Join(dir, "kpi", "*", "kpis.parquet")
	var quarter string
	var k int
	if err := db.QueryRow(fmt.Sprintf(`SELECT min(quarter), count(*) FROM read_parquet('%s', hive_partitioning = true)`, kpis)).Scan(&quarter, &k); err != nil || quarter != "2027-Q1" || k != 5 {
		t.Errorf("kpis table: quarter %q, %d rows (%v); want 2027-Q1, 5", quarter, k, err)
	}
}

// The named queries that ship with the stack run unchanged on DuckDB over the demo's files.
func TestNamedQueriesRunOnDuckDB(t *testing.T) {
	dir := runDemoDir(t)
	db := openDuckDB(t)
	for view, glob := range map[string]string{
		"feedback":        "curated/feedback/*/*/*.parquet",
		"scored_feedback": "scored/feedback/*/*/*.parquet",
		"survey_answers":  "curated/survey_answers/*/*/*.parquet",
		"kpis":            "kpi/*/*.parquet",
	} {
		mustExec(t, db, fmt.Sprintf(`CREATE VIEW %s AS SELECT * FROM read_parquet('%s', hive_partitioning = true)`, view, filepath.Join(dir, glob)))
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "infra", "queries", "*.sql"))
	if len(files) < 3 {
		t.Fatalf("found %d named queries; want at least 3", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(string(b))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n == 0 {
			t.Errorf("%s returned no rows on the demo data", filepath.Base(f))
		}
	}
}
