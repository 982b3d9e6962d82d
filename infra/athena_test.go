package infra_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

var (
	lakeOnce sync.Once
	lakeDir  string
	lakeErr  error
)

// demoLake runs ingest, score and kpi (every quarter with data) over the sample city in a
// directory, once per test binary.
func demoLake(t *testing.T) string {
	t.Helper()
	lakeOnce.Do(func() {
		lakeDir, lakeErr = os.MkdirTemp("", "civicpulse-athena-")
		if lakeErr != nil {
			return
		}
		lakeErr = buildLake(context.Background(), lakeDir)
	})
	if lakeErr != nil {
		t.Fatal(lakeErr)
	}
	return lakeDir
}

func buildLake(ctx context.Context, dir string) error {
	st, err := store.NewDir(dir)
	if err != nil {
		return err
	}
	if err := sample.Install(ctx, st, sample.DefaultSeed, nil); err != nil {
		return err
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Date(2026, 10, 5, 12, 0, 0, 0, time.UTC)
	if _, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: log}); err != nil {
		return err
	}
	sc, err := pipeline.NewScorer(ctx, st, city)
	if err != nil {
		return err
	}
	if _, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{Logger: log}); err != nil {
		return err
	}
	for _, q := range []string{"2026-Q3", "2026-Q4", "2027-Q1"} {
		quarter, err := kpi.ParseQuarter(q)
		if err != nil {
			return err
		}
		if _, err := pipeline.KPI(ctx, st, city, quarter, pipeline.KPIOptions{Now: now, Logger: log}); err != nil {
			return fmt.Errorf("kpi %s: %w", q, err)
		}
	}
	return nil
}

// duckType is the DuckDB type of a Glue (Hive) column type, as DuckDB reads the Parquet
// Athena reads. Timestamps are UTC-adjusted in the files: DuckDB says WITH TIME ZONE.
var duckType = map[string]string{
	"string": "VARCHAR", "double": "DOUBLE", "bigint": "BIGINT", "int": "INTEGER", "boolean": "BOOLEAN",
	"timestamp": "TIMESTAMP WITH TIME ZONE", "array<string>": "VARCHAR[]",
}

// glueViews creates one DuckDB view per Glue table of the template, over the lake's files at
// the table's location, selecting exactly the table's columns and partition keys: a column the
// template declares and the files lack fails the query, and each column's type must be the one
// the template declares.
func glueViews(t *testing.T, db *sql.DB, dir string) []string {
	t.Helper()
	var names []string
	for id, tbl := range resources(t, loadTemplate(t), "AWS::Glue::Table") {
		in := mapAt(t, tbl, "Properties", "TableInput")
		name := fmt.Sprint(in["Name"])
		loc := fmt.Sprint(at(in, "StorageDescriptor", "Location", "Fn::Sub"))
		prefix, ok := strings.CutPrefix(loc, "s3://${DataBucket}/")
		if !ok {
			t.Fatalf("%s: location %v is not in the data bucket", id, loc)
		}
		parts := list(in["PartitionKeys"])
		glob := filepath.Join(dir, filepath.FromSlash(prefix)) + strings.Repeat("/*", len(parts)) + "/*.parquet"
		var cols, types []string
		for _, c := range append(list(at(in, "StorageDescriptor", "Columns")), parts...) {
			cols = append(cols, fmt.Sprint(at(c, "Name")))
			types = append(types, fmt.Sprint(at(c, "Type")))
		}
		q := fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM read_parquet('%s', hive_partitioning = true, hive_types_autocast = false)",
			name, strings.Join(cols, ", "), glob)
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("table %s as the template declares it: %v\n%s", name, err, q)
		}
		for i, c := range cols {
			var got string
			if err := db.QueryRow(fmt.Sprintf("SELECT typeof(%s) FROM %s LIMIT 1", c, name)).Scan(&got); err != nil {
				t.Fatalf("%s.%s: %v", name, c, err)
			}
			if want, ok := duckType[types[i]]; !ok || got != want {
				t.Errorf("%s.%s: the files hold %s; the template declares %s (%s)", name, c, got, types[i], want)
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Every Glue table of the template, read as declared, and every named query, run unchanged,
// on DuckDB over the demo city's Parquet: each query returns the rows the Go code computes
// from the same files.
func TestGlueTablesAndNamedQueriesOnDuckDB(t *testing.T) {
	dir := demoLake(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := glueViews(t, db, dir); !slices.Equal(got, []string{"feedback", "kpis", "scored_feedback", "survey_answers"}) {
		t.Fatalf("Glue tables %v", got)
	}
	want := expectedResults(t, dir)
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "infra", "queries", "*.sql"))
	if len(files) != len(want) {
		t.Errorf("%d named queries, %d expectations: every query needs its expected rows here", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			exp, ok := want[name]
			if !ok {
				t.Fatalf("no expected rows for %s", name)
			}
			rows, err := db.Query(string(b), exp.args...)
			if err != nil {
				t.Fatal(err)
			}
			got := readRows(t, rows, exp.cols)
			if len(got) == 0 || !slices.Equal(got, exp.rows) {
				i := 0
				for i < min(len(got), len(exp.rows)) && got[i] == exp.rows[i] {
					i++
				}
				t.Errorf("%d rows; want %d; first difference at row %d (%s):\n got %q\nwant %q",
					len(got), len(exp.rows), i, strings.Join(exp.cols, "|"), row(got, i), row(exp.rows, i))
			}
		})
	}
}

// row returns rows[i], or "(none)".
func row(rows []string, i int) string {
	if i < len(rows) {
		return rows[i]
	}
	return "(none)"
}

// expectation is what a named query must return: the listed columns of every row, in order,
// formatted as strings.
type expectation struct {
	args []any
	cols []string
	rows []string
}

func readRows(t *testing.T, rows *sql.Rows, cols []string) []string {
	t.Helper()
	defer rows.Close()
	names, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, c := range cols {
			i := slices.Index(names, c)
			if i < 0 {
				t.Fatalf("no column %s in %v", c, names)
			}
			fields = append(fields, format(vals[i]))
		}
		out = append(out, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func format(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		return fmt.Sprintf("%.3f", x)
	case *float64:
		if x == nil {
			return "NULL"
		}
		return fmt.Sprintf("%.3f", *x)
	default:
		return fmt.Sprint(x)
	}
}

// expectedResults computes each named query's answer in Go from the Parquet files.
func expectedResults(t *testing.T, dir string) map[string]expectation {
	t.Helper()
	var feedback []table.Feedback
	var scored []table.ScoredFeedback
	var answers []table.SurveyAnswer
	var kpis []table.KPI
	read(t, dir, "curated/feedback", &feedback)
	read(t, dir, "scored/feedback", &scored)
	read(t, dir, "curated/survey_answers", &answers)
	read(t, dir, "kpi", &kpis)
	out := map[string]expectation{}

	// volume_by_source_month
	type svc struct{ source, month, channel string }
	n := map[svc]int{}
	authors := map[svc]map[string]bool{}
	for _, f := range feedback {
		k := svc{f.Source, f.Month, f.Channel}
		n[k]++
		if authors[k] == nil {
			authors[k] = map[string]bool{}
		}
		if f.AuthorKey != nil {
			authors[k][*f.AuthorKey] = true
		}
	}
	var vol []string
	for k, c := range n {
		vol = append(vol, fmt.Sprintf("%s|%s|%s|%d|%d", k.source, k.month, k.channel, c, len(authors[k])))
	}
	sortBy(vol, func(r []string) string { return invert(r[1]) + r[0] + r[2] })
	out["volume_by_source_month"] = expectation{cols: []string{"source", "month", "channel", "n", "contributors"}, rows: vol}

	// net_sentiment_by_topic_month and top_negative_topics
	type mt struct{ month, topic string }
	type counts struct{ n, pos, neg int }
	byMonth := map[mt]*counts{}
	byTopic := map[string]*counts{}
	for _, s := range scored {
		if s.PrimaryTopic == nil {
			continue
		}
		k := mt{s.Month, *s.PrimaryTopic}
		if byMonth[k] == nil {
			byMonth[k] = &counts{}
		}
		c := byMonth[k]
		c.n++
		c.pos += b2i(s.SentimentLabel == "positive")
		c.neg += b2i(s.SentimentLabel == "negative")
		if s.Month >= "2026-07" && s.Month <= "2026-09" {
			if byTopic[k.topic] == nil {
				byTopic[k.topic] = &counts{}
			}
			byTopic[k.topic].n++
			byTopic[k.topic].neg += b2i(s.SentimentLabel == "negative")
		}
	}
	var net []string
	for k, c := range byMonth {
		net = append(net, fmt.Sprintf("%s|%s|%d|%d|%d", k.month, k.topic, c.n, c.pos, c.neg))
	}
	sortBy(net, func(r []string) string { return invert(r[0]) + fmt.Sprintf("%012d", 1e11-atoi(r[2])) + r[1] })
	out["net_sentiment_by_topic_month"] = expectation{cols: []string{"month", "topic", "n", "positive", "negative"}, rows: net}
	var top []string
	for topic, c := range byTopic {
		top = append(top, fmt.Sprintf("%s|%d|%d|%.3f", topic, c.n, c.neg, math.Round(1000*float64(c.neg)/float64(c.n))/1000))
	}
	sortBy(top, func(r []string) string { return fmt.Sprintf("%012d", 1e11-atoi(r[2])) + r[0] })
	out["top_negative_topics"] = expectation{args: []any{"2026-07", "2026-09"}, cols: []string{"topic", "n", "negative", "negative_share"}, rows: top[:min(10, len(top))]}

	// satisfaction_by_district_month
	type md struct{ month, district string }
	type sat struct {
		n       int
		w, good float64
	}
	sats := map[md]*sat{}
	for _, a := range answers {
		if a.QuestionID != "satisfaction" || a.AnswerValue == nil || a.ScaleMax == nil || a.Weight <= 0 {
			continue
		}
		d := "unknown"
		if a.District != nil {
			d = *a.District
		}
		k := md{a.Month, d}
		if sats[k] == nil {
			sats[k] = &sat{}
		}
		sats[k].n++
		sats[k].w += a.Weight
		if *a.AnswerValue >= *a.ScaleMax-1 {
			sats[k].good += a.Weight
		}
	}
	var satRows []string
	for k, s := range sats {
		satRows = append(satRows, fmt.Sprintf("%s|%s|%d|%.3f", k.month, k.district, s.n, math.Round(1000*s.good/s.w)/1000))
	}
	sortBy(satRows, func(r []string) string { return invert(r[0]) + r[1] })
	out["satisfaction_by_district_month"] = expectation{cols: []string{"month", "district", "answers", "satisfied_share"}, rows: satRows}

	// kpi_scorecard
	var card []string
	for _, k := range kpis {
		card = append(card, fmt.Sprintf("%s|%s|%s|%d|%s", k.Quarter, k.KPIID, format(k.Value), k.N, k.Status))
	}
	sortBy(card, func(r []string) string { return invert(r[0]) + r[1] })
	out["kpi_scorecard"] = expectation{cols: []string{"quarter", "kpi_id", "value", "n", "status"}, rows: card}
	if len(vol) == 0 || len(net) == 0 || len(top) == 0 || len(satRows) == 0 || len(card) == 0 {
		t.Fatalf("the demo lake is missing a table: %d %d %d %d %d rows", len(vol), len(net), len(top), len(satRows), len(card))
	}
	return out
}

// read decodes every Parquet file under prefix, setting the Hive partition fields.
func read[T any](t *testing.T, dir, prefix string, rows *[]T) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(dir, filepath.FromSlash(prefix)), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := table.Decode[T](b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		parts := table.ParsePartitions(filepath.ToSlash(rel))
		for i := range got {
			setPartitions(t, &got[i], parts)
		}
		*rows = append(*rows, got...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// setPartitions sets the fields a row keeps in its path (json name = partition name).
func setPartitions(t *testing.T, row any, parts [][2]string) {
	t.Helper()
	v := reflect.ValueOf(row).Elem()
	for _, p := range parts {
		found := false
		for i := range v.NumField() {
			if strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0] == p[0] {
				v.Field(i).SetString(p[1])
				found = true
			}
		}
		if !found {
			t.Fatalf("%T has no field for partition %s", row, p[0])
		}
	}
}

func sortBy(rows []string, key func([]string) string) {
	sort.SliceStable(rows, func(i, j int) bool {
		return key(strings.Split(rows[i], "|")) < key(strings.Split(rows[j], "|"))
	})
}

// invert makes a string sort descending under an ascending sort.
func invert(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = 255 - b[i]
	}
	return string(b)
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
