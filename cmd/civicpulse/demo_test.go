package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
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
	createLakeViews(t, db, dir)
	kinds := map[string]bool{}
	for _, k := range city.KPIs {
		kinds[k.Kind] = true
	}
	for _, kind := range config.Kinds {
		if !kinds[kind] {
			t.Errorf("the sample city has no %s KPI", kind)
		}
	}
	checkKPIsByDuckDB(t, db, city, doc)
}

func createLakeViews(t *testing.T, db *sql.DB, dir string) {
	t.Helper()
	scored := filepath.Join(dir, "scored", "feedback", "*", "*", "*.parquet")
	answers := filepath.Join(dir, "curated", "survey_answers", "*", "*", "*.parquet")
	mustExec(t, db, fmt.Sprintf(`CREATE VIEW scored AS SELECT * FROM read_parquet('%s', hive_partitioning = true, union_by_name = true)`, scored))
	mustExec(t, db, fmt.Sprintf(`CREATE VIEW answers AS SELECT * FROM read_parquet('%s', hive_partitioning = true)`, answers))
	var dupes int
	if err := db.QueryRow(`SELECT count(*) - count(DISTINCT id) FROM scored`).Scan(&dupes); err != nil || dupes != 0 {
		t.Fatalf("duplicate ids in scored feedback: %d (%v)", dupes, err)
	}
	if err := db.QueryRow(`SELECT count(*) - count(DISTINCT (source, response_id, question_id)) FROM answers`).Scan(&dupes); err != nil || dupes != 0 {
		t.Fatalf("duplicate answers: %d (%v)", dupes, err)
	}
}

// checkKPIsByDuckDB recomputes every KPI of doc, this quarter and the previous one, in SQL
// over the views scored and answers.
func checkKPIsByDuckDB(t *testing.T, db *sql.DB, city *config.City, doc *kpi.Document) {
	t.Helper()
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
			sqlText := kpiSQL(t, db, city, k, start.UnixMilli(), end.UnixMilli())
			var got, p90 sql.NullFloat64
			var n int64
			if err := db.QueryRow(sqlText).Scan(&got, &n, &p90); err != nil {
				t.Fatalf("%s %s: %v\n%s", r.ID, step.q, err, sqlText)
			}
			if step.n >= 0 && n != step.n {
				t.Errorf("%s %s: DuckDB n %d; kpis.json n %d", r.ID, step.q, n, step.n)
			}
			switch {
			case step.want == nil && got.Valid:
				t.Errorf("%s %s: kpis.json has no value; DuckDB says %v (n %d)", r.ID, step.q, got.Float64, n)
			case step.want != nil && !got.Valid:
				t.Errorf("%s %s: kpis.json %v; DuckDB has no value", r.ID, step.q, *step.want)
			case step.want != nil && math.Abs(got.Float64-*step.want) > 1e-9:
				t.Errorf("%s %s: DuckDB %v; kpis.json %v", r.ID, step.q, got.Float64, *step.want)
			}
			if step.q == q && k.Kind == config.KindTimeToClose && (p90.Valid != (r.P90 != nil) || p90.Valid && math.Abs(p90.Float64-*r.P90) > 1e-9) {
				t.Errorf("%s: DuckDB p90 %v; kpis.json %v", r.ID, p90, r.P90)
			}
		}
	}
}

// kpiSQL is the SQL of one KPI over [start, end) (UTC milliseconds): value, n and, for
// time_to_close, the 90th percentile.
func kpiSQL(t *testing.T, db *sql.DB, city *config.City, k config.KPI, start, end int64) string {
	t.Helper()
	f := k.Filter
	if config.SurveyKind(k.Kind) {
		return surveySQL(t, db, city, k, start, end)
	}
	match := "TRUE"
	if f.Topic != "" {
		match += fmt.Sprintf(" AND list_contains(topics, '%s')", f.Topic)
	}
	if f.Source != "" {
		match += fmt.Sprintf(" AND source = '%s'", f.Source)
	}
	if f.Channel != "" {
		match += fmt.Sprintf(" AND channel = '%s'", f.Channel)
	}
	if f.District != "" {
		match += fmt.Sprintf(" AND district = '%s'", f.District)
	}
	in := fmt.Sprintf("epoch_ms(created_at) >= %d AND epoch_ms(created_at) < %d", start, end)
	days := "(epoch_ms(closed_at) - epoch_ms(created_at)) / 86400000.0"
	switch k.Kind {
	case config.KindNetSentiment:
		return fmt.Sprintf(`SELECT (count_if(sentiment_label = 'positive') - count_if(sentiment_label = 'negative'))::DOUBLE / count(*),
			count(*), NULL FROM scored WHERE %s AND %s`, in, match)
	case config.KindVolume:
		return fmt.Sprintf(`SELECT count(*)::DOUBLE, count(*), NULL FROM scored WHERE %s AND %s`, in, match)
	case config.KindShareOfVoice:
		return fmt.Sprintf(`SELECT count_if(%s)::DOUBLE / count(*), count(*), NULL FROM scored WHERE %s`, match, in)
	case config.KindUniqueContributors:
		return fmt.Sprintf(`SELECT count(DISTINCT author_key)::DOUBLE, count(author_key), NULL FROM scored WHERE %s AND %s`, in, match)
	case config.KindTimeToClose:
		return fmt.Sprintf(`SELECT quantile_cont(%[1]s, 0.5), count(*), quantile_cont(%[1]s, 0.9) FROM scored
			WHERE %[2]s AND %[3]s AND channel = 'service_request' AND closed_at IS NOT NULL AND closed_at >= created_at`, days, in, match)
	}
	t.Fatalf("kpi %s: no SQL for kind %s", k.ID, k.Kind)
	return ""
}

// surveySQL rakes each survey's respondents of the quarter to the configured district shares
// (one margin: raking is post-stratification, a closed form in SQL), checks that no weight
// reaches the trimming cap, and computes the weighted top-two-box share or NPS.
func surveySQL(t *testing.T, db *sql.DB, city *config.City, k config.KPI, start, end int64) string {
	t.Helper()
	shares := "('', NULL::DOUBLE)"
	for _, m := range city.SurveyWeighting.Margins {
		if m.Variable != "district" || len(city.SurveyWeighting.Margins) != 1 {
			t.Fatalf("the SQL rakes to one district margin only; city has %+v", city.SurveyWeighting.Margins)
		}
		var vals []string
		for d, s := range m.Shares {
			vals = append(vals, fmt.Sprintf("('%s', %v::DOUBLE)", d, s))
		}
		sort.Strings(vals)
		shares = strings.Join(vals, ", ")
	}
	weights := fmt.Sprintf(`WITH resp AS (
			SELECT source, survey_id, response_id, any_value(CASE WHEN weight > 0 THEN weight ELSE 1 END) AS w0, max(district) AS district
			FROM answers WHERE epoch_ms(submitted_at) >= %d AND epoch_ms(submitted_at) < %d GROUP BY ALL),
		m(district, share) AS (VALUES %s),
		known AS (SELECT r.*, m.share FROM resp r LEFT JOIN m ON r.district = m.district),
		tot AS (SELECT source, survey_id, sum(w0) AS total, coalesce(sum(w0) FILTER (WHERE share IS NULL), 0) AS unknown,
			count(*) AS n FROM known GROUP BY ALL),
		cells AS (SELECT source, survey_id, district, any_value(share) AS share, sum(w0) AS s FROM known WHERE share IS NOT NULL GROUP BY ALL),
		listed AS (SELECT source, survey_id, sum(share) AS listed FROM cells GROUP BY ALL),
		wt AS (SELECT k.source, k.survey_id, k.response_id, k.district, t.total / t.n AS mean,
			CASE WHEN k.share IS NULL THEN k.w0 ELSE k.w0 * (k.share / l.listed * (t.total - t.unknown)) / c.s END AS w
			FROM known k JOIN tot t USING (source, survey_id)
			LEFT JOIN cells c ON c.source = k.source AND c.survey_id = k.survey_id AND c.district = k.district
			LEFT JOIN listed l ON l.source = k.source AND l.survey_id = k.survey_id)`,
		start, end, shares)
	var ratio sql.NullFloat64
	if err := db.QueryRow(weights + ` SELECT max(w / mean) FROM wt`).Scan(&ratio); err != nil {
		t.Fatalf("weights: %v", err)
	}
	if ratio.Float64 >= city.SurveyWeighting.Trim {
		t.Fatalf("a raked weight is %v times the mean: the SQL does not trim", ratio.Float64)
	}
	y := "CASE WHEN a.answer_value >= a.scale_max - 1 THEN 1 ELSE 0 END"
	where := "TRUE"
	if k.Kind == config.KindNPS {
		y = "CASE WHEN a.answer_value >= 9 THEN 1 WHEN a.answer_value <= 6 THEN -1 ELSE 0 END"
		where = "a.scale_min = 0 AND a.scale_max = 10"
	}
	if k.Filter.Source != "" {
		where += fmt.Sprintf(" AND a.source = '%s'", k.Filter.Source)
	}
	if k.Filter.District != "" {
		where += fmt.Sprintf(" AND wt.district = '%s'", k.Filter.District)
	}
	return weights + fmt.Sprintf(` SELECT sum(wt.w * %s) / sum(wt.w), count(*), NULL FROM wt
		JOIN answers a ON a.source = wt.source AND a.response_id = wt.response_id
		WHERE a.question_id = '%s' AND a.answer_value IS NOT NULL AND a.scale_max IS NOT NULL
		AND epoch_ms(a.submitted_at) >= %d AND epoch_ms(a.submitted_at) < %d AND %s`, y, k.Filter.Question, start, end, where)
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
	if err := db.QueryRow(fmt.Sprintf(`SELECT min(quarter), count(*) FROM read_parquet('%s', hive_partitioning = true)`, kpis)).Scan(&quarter, &k); err != nil || quarter != "2027-Q1" || k != len(loadCity(t, dir).KPIs) {
		t.Errorf("kpis table: quarter %q, %d rows (%v); want 2027-Q1, %d", quarter, k, err, len(loadCity(t, dir).KPIs))
	}
}

// Every kind of KPI, over every kind of filter, on a fixture lake with service requests (the
// sample city has none), recomputed by DuckDB.
func TestAllKindsRecomputedByDuckDB(t *testing.T) {
	city, err := config.Load(strings.NewReader(`
name: Fixture
timezone: America/Chicago
fiscal_year_start_month: 7
districts: [{id: north}, {id: south}, {id: east}]
sources: [{id: twitter, format: twitter}, {id: open311, format: twitter}, {id: survey, format: surveymonkey}]
survey_weighting:
  margins: [{variable: district, shares: {north: 0.5, south: 0.3, east: 0.2}}]
kpis:
  - {id: net, label: Net, kind: net_sentiment, target: 0, direction: higher, owner: o}
  - {id: net_north, label: Net north, kind: net_sentiment, filter: {district: north}, target: 0, direction: higher, owner: o}
  - {id: vol_roads_social, label: Roads, kind: volume, filter: {topic: roads, channel: social}, target: 50, direction: lower, owner: o}
  - {id: sov_parks, label: Parks share, kind: share_of_voice, filter: {topic: parks}, target: 0.3, direction: higher, owner: o}
  - {id: sov_311, label: 311 share, kind: share_of_voice, filter: {source: open311}, target: 0.3, direction: higher, owner: o}
  - {id: uniq, label: Residents, kind: unique_contributors, target: 100, direction: higher, owner: o}
  - {id: uniq_south, label: Residents south, kind: unique_contributors, filter: {district: south, channel: social}, target: 10, direction: higher, owner: o}
  - {id: ttc, label: Days to close, kind: time_to_close, target: 5, direction: lower, owner: o, min_n: 10}
  - {id: ttc_water, label: Days to close water, kind: time_to_close, filter: {topic: water, district: east}, target: 5, direction: lower, owner: o}
  - {id: sat, label: Sat, kind: satisfaction, filter: {question: satisfaction}, target: 0.6, direction: higher, owner: o}
  - {id: sat_north, label: Sat north, kind: satisfaction, filter: {question: satisfaction, district: north}, target: 0.6, direction: higher, owner: o}
  - {id: nps, label: NPS, kind: nps, filter: {question: recommend, source: survey}, target: 0, direction: higher, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	feedback, answers := fixtureLake(city, 1)
	files := map[string][]table.ScoredFeedback{}
	for _, r := range feedback {
		key := fmt.Sprintf("scored/feedback/source=%s/month=%s/part.parquet", r.Source, table.Month(r.CreatedAt, city.Location()))
		files[key] = append(files[key], r)
	}
	old := 0
	for key, rows := range files {
		if strings.Contains(key, "source=twitter/month=2026-08") {
			// Written by an older scorer, before keyphrases and places: the KPI stage's
			// column projection falls back to reading such files whole.
			olds := make([]oldScored, len(rows))
			for i, r := range rows {
				olds[i] = oldScored{r.ID, r.Channel, r.CreatedAt, r.AuthorKey, r.Text, r.District, r.Engagement, r.ClosedAt, r.Sentiment, r.SentimentLabel, r.Topics}
			}
			writeParquet(t, filepath.Join(dir, key), olds)
			old++
			continue
		}
		writeParquet(t, filepath.Join(dir, key), rows)
	}
	if old != 1 {
		t.Fatalf("wrote %d files of the old schema; want 1", old)
	}
	afiles := map[string][]table.SurveyAnswer{}
	for _, a := range answers {
		key := fmt.Sprintf("curated/survey_answers/source=%s/month=%s/part.parquet", a.Source, table.Month(a.SubmittedAt, city.Location()))
		afiles[key] = append(afiles[key], a)
	}
	for key, rows := range afiles {
		writeParquet(t, filepath.Join(dir, key), rows)
	}
	st, err := store.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := pipeline.KPI(context.Background(), st, city, kpi.Quarter{FY: 2027, Q: 1}, pipeline.KPIOptions{Now: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.KPIs {
		if r.Value == nil || r.Previous == nil {
			t.Errorf("%s: value %v previous %v; the fixture should give both", r.ID, r.Value, r.Previous)
		}
	}
	db := openDuckDB(t)
	createLakeViews(t, db, dir)
	checkKPIsByDuckDB(t, db, city, doc)
}

// oldScored is scored feedback as an older scorer wrote it.
type oldScored struct {
	ID             string     `parquet:"id"`
	Channel        string     `parquet:"channel,dict"`
	CreatedAt      time.Time  `parquet:"created_at,timestamp(millisecond)"`
	AuthorKey      *string    `parquet:"author_key,optional"`
	Text           string     `parquet:"text"`
	District       *string    `parquet:"district,optional,dict"`
	Engagement     *int64     `parquet:"engagement,optional"`
	ClosedAt       *time.Time `parquet:"closed_at,optional,timestamp(millisecond)"`
	Sentiment      float64    `parquet:"sentiment"`
	SentimentLabel string     `parquet:"sentiment_label,dict"`
	Topics         []string   `parquet:"topics,list"`
}

func writeParquet[T any](t testing.TB, path string, rows []T) {
	t.Helper()
	b, err := table.Encode(rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixtureLake makes three quarters (FY2026 Q4 to FY2027 Q1 and one before) of real-looking
// rows: social posts and service requests with authors, districts, topics and close times
// (some open, one closed before it was opened), and survey responses skewed to one district.
func fixtureLake(city *config.City, seed uint64) ([]table.ScoredFeedback, []table.SurveyAnswer) {
	r := rand.New(rand.NewPCG(seed, 7))
	loc := city.Location()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	span := time.Date(2026, 10, 1, 0, 0, 0, 0, loc).Sub(start)
	districts := []string{"north", "south", "east", ""}
	labels := []string{"positive", "neutral", "negative", "negative"}
	topics := []string{"roads", "parks", "water"}
	var fb []table.ScoredFeedback
	for i := range 3000 {
		created := start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Millisecond).UTC()
		f := table.Feedback{ID: fmt.Sprintf("f%05d", i), Source: "twitter", Channel: table.ChannelSocial, CreatedAt: created,
			Text: fmt.Sprintf("resident %d says something about the city that is long enough to quote", i)}
		if r.IntN(3) == 0 {
			f.Source, f.Channel = "open311", table.ChannelServiceRequest
			if r.IntN(5) > 0 {
				closed := created.Add(time.Duration(r.ExpFloat64() * float64(96*time.Hour))).Truncate(time.Millisecond)
				if i == 7 {
					closed = created.Add(-time.Hour)
				}
				f.ClosedAt = &closed
			}
		}
		if r.IntN(10) > 0 {
			a := fmt.Sprintf("author%03d", r.IntN(400))
			f.AuthorKey = &a
		}
		if d := districts[r.IntN(len(districts))]; d != "" {
			f.District = &d
		}
		var ts []string
		for _, tp := range topics {
			if r.IntN(3) == 0 {
				ts = append(ts, tp)
			}
		}
		fb = append(fb, table.Scored(f, table.Scores{SentimentLabel: labels[r.IntN(len(labels))], Topics: ts, Sentiment: r.Float64()*2 - 1}))
	}
	var ans []table.SurveyAnswer
	for i := range 1200 {
		at := start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Millisecond).UTC()
		d := []string{"north", "south", "south", "east", "east", "east", ""}[r.IntN(7)]
		var dp *string
		if d != "" {
			dp = &d
		}
		w := float64(1 + r.IntN(2))
		sat, rec := float64(1+r.IntN(5)), float64(r.IntN(11))
		id := fmt.Sprintf("r%04d", i)
		ans = append(ans,
			table.SurveyAnswer{Source: "survey", ResponseID: id, SurveyID: "s1", QuestionID: "satisfaction", AnswerValue: &sat,
				ScaleMin: ptr(1.0), ScaleMax: ptr(5.0), District: dp, Weight: w, SubmittedAt: at},
			table.SurveyAnswer{Source: "survey", ResponseID: id, SurveyID: "s1", QuestionID: "recommend", AnswerValue: &rec,
				ScaleMin: ptr(0.0), ScaleMax: ptr(10.0), District: dp, Weight: w, SubmittedAt: at})
	}
	return fb, ans
}

func ptr[T any](v T) *T { return &v }

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The demo city's kpis.json, computed_at aside, is the golden file: any change of a figure, a
// quote or a field shows up in review. Refresh with go test ./cmd/civicpulse -run Golden -update.
func TestDemoKPIsGolden(t *testing.T) {
	doc := loadDoc(t, runDemoDir(t))
	doc.ComputedAt = time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC)
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "demo_kpis.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("kpis.json differs from %s (run with -update if the change is intended):\n%s", golden, lineDiff(got, want))
	}
}

func lineDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines; want %d", len(g), len(w))
}

// BenchmarkKPIQuarter computes a quarter's KPIs over CIVICPULSE_BENCH_ROWS (default 10M)
// scored rows in Parquet, with our KPI stage and with DuckDB running the equivalent SQL on the
// same files, and reports both times, their ratio and the Go stage's peak heap. The files are
// generated once under the system temp dir and reused:
//
//	go test ./cmd/civicpulse -run '^$' -bench KPIQuarter -benchtime 1x
func BenchmarkKPIQuarter(b *testing.B) {
	rows := 10_000_000
	if s := os.Getenv("CIVICPULSE_BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &rows)
	}
	city, err := config.Load(strings.NewReader(`
name: Benchville
timezone: America/Chicago
fiscal_year_start_month: 7
districts: [{id: north}, {id: south}, {id: east}]
sources: [{id: twitter, format: twitter}, {id: open311, format: twitter}]
kpis:
  - {id: net, label: Net, kind: net_sentiment, target: 0, direction: higher, owner: o}
  - {id: net_roads, label: Net roads, kind: net_sentiment, filter: {topic: roads}, target: 0, direction: higher, owner: o}
  - {id: vol_roads, label: Roads, kind: volume, filter: {topic: roads}, target: 50, direction: lower, owner: o}
  - {id: sov_parks, label: Parks share, kind: share_of_voice, filter: {topic: parks}, target: 0.3, direction: higher, owner: o}
  - {id: uniq, label: Residents, kind: unique_contributors, target: 100, direction: higher, owner: o}
  - {id: ttc, label: Days to close, kind: time_to_close, target: 5, direction: lower, owner: o}
`), "city.yaml")
	if err != nil {
		b.Fatal(err)
	}
	// The cache is named by the row group size too: lakes written before files had several
	// row groups kept passing while the column fold misread files that have them.
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("civicpulse-bench-%d-rg%d", rows, table.RowGroupRows))
	if _, err := os.Stat(filepath.Join(dir, "done")); err != nil {
		b.Logf("writing %d rows to %s", rows, dir)
		benchLake(b, city, dir, rows)
	}
	st, err := store.NewDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q := kpi.Quarter{FY: 2027, Q: 1}
	start, end := kpi.Calendar{FiscalYearStartMonth: 7, Location: city.Location()}.Bounds(q)
	glob := filepath.Join(dir, "scored", "feedback", "*", "*", "*.parquet")
	// The same figures for the quarter: every KPI's value and n (the trend quarters are empty).
	query := fmt.Sprintf(`SELECT
		count(*), count_if(sentiment_label = 'positive'), count_if(sentiment_label = 'negative'),
		count_if(list_contains(topics, 'roads')), count_if(list_contains(topics, 'roads') AND sentiment_label = 'positive'),
		count_if(list_contains(topics, 'roads') AND sentiment_label = 'negative'), count_if(list_contains(topics, 'parks')),
		count(DISTINCT author_key),
		quantile_cont((epoch_ms(closed_at) - epoch_ms(created_at)) / 86400000.0, [0.5, 0.9])
			FILTER (WHERE channel = 'service_request' AND closed_at >= created_at)
		FROM read_parquet('%s', hive_partitioning = true)
		WHERE epoch_ms(created_at) >= %d AND epoch_ms(created_at) < %d`, glob, start.UnixMilli(), end.UnixMilli())
	var goTime, duckTime time.Duration
	var peak, live uint64
	// runtime/metrics, unlike runtime.ReadMemStats, reads without stopping the world: a
	// sampler every 5 ms must not slow the stage it measures. objects+unused+stacks is
	// MemStats' HeapInuse+StackInuse.
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	for b.Loop() {
		os.RemoveAll(filepath.Join(dir, "kpi"))
		runtime.GC()
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() { // sample the heap while the stage runs
			var max uint64
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				metrics.Read(sample)
				max = maxOf(max, sample[1].Value.Uint64()+sample[2].Value.Uint64()+sample[3].Value.Uint64())
				live = maxOf(live, sample[0].Value.Uint64()) // the heap live at the end of the last GC
				select {
				case <-stop:
					done <- max
					return
				case <-tick.C:
				}
			}
		}()
		t0 := time.Now()
		doc, err := pipeline.KPI(context.Background(), st, city, q, pipeline.KPIOptions{Now: time.Unix(0, 0)})
		goTime += time.Since(t0)
		close(stop)
		peak = maxOf(peak, <-done)
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		var n, pos, neg, roads, rpos, rneg, parks, uniq int64
		var qs duckList
		if err := db.QueryRow(query).Scan(&n, &pos, &neg, &roads, &rpos, &rneg, &parks, &uniq, &qs); err != nil {
			b.Fatal(err)
		}
		duckTime += time.Since(t0)
		if doc.Feedback != n || *doc.KPIs[4].Value != float64(uniq) || *doc.KPIs[2].Value != float64(roads) ||
			len(qs) != 2 || math.Abs(*doc.KPIs[5].Value-qs[0]) > 1e-9 || math.Abs(*doc.KPIs[5].P90-qs[1]) > 1e-9 {
			b.Fatalf("Go and DuckDB disagree: n %d/%d uniq %v/%d roads %v/%d ttc %v,%v/%v", doc.Feedback, n,
				*doc.KPIs[4].Value, uniq, *doc.KPIs[2].Value, roads, *doc.KPIs[5].Value, *doc.KPIs[5].P90, qs)
		}
	}
	iters := float64(b.N)
	b.ReportMetric(goTime.Seconds()/iters, "go-s/op")
	b.ReportMetric(duckTime.Seconds()/iters, "duckdb-s/op")
	b.ReportMetric(goTime.Seconds()/duckTime.Seconds(), "go/duckdb")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(live)/(1<<20), "peak-live-MB")
}

func maxOf(a, b uint64) uint64 { return max(a, b) }

// duckList scans a DuckDB LIST of DOUBLE.
type duckList []float64

func (l *duckList) Scan(src any) error {
	xs, ok := src.([]any)
	if src == nil {
		*l = nil
		return nil
	}
	if !ok {
		return fmt.Errorf("scan %T into a list of doubles", src)
	}
	*l = (*l)[:0]
	for _, x := range xs {
		f, ok := x.(float64)
		if !ok {
			return fmt.Errorf("scan list element %T", x)
		}
		*l = append(*l, f)
	}
	return nil
}

// benchLake writes rows scored rows of one quarter (FY2027 Q1), in files of at most 250,000
// rows per source and month, as the score stage lays them out.
func benchLake(b *testing.B, city *config.City, dir string, rows int) {
	r := rand.New(rand.NewPCG(10, 20))
	loc := city.Location()
	labels := []string{"positive", "neutral", "negative"}
	topics := [][]string{nil, {"roads"}, {"parks"}, {"roads", "water"}, {"sanitation"}}
	districts := []string{"north", "south", "east"}
	const perFile = 250_000
	id := 0
	for part := 0; id < rows; part++ {
		month := time.Date(2026, time.Month(7+part/2%3), 1, 0, 0, 0, 0, loc)
		source := []string{"twitter", "open311"}[part%2]
		n := min(perFile, rows-id)
		batch := make([]table.ScoredFeedback, n)
		for i := range batch {
			at := month.Add(time.Duration(r.Int64N(int64(28 * 24 * time.Hour)))).Truncate(time.Millisecond).UTC()
			author := fmt.Sprintf("%016x", r.Uint64N(1_000_000))
			d := districts[r.IntN(3)]
			f := table.Feedback{ID: fmt.Sprintf("b%09d", id), Source: source, Channel: table.ChannelSocial, NativeID: fmt.Sprint(id),
				CreatedAt: at, IngestedAt: at, AuthorKey: &author, District: &d,
				Text: fmt.Sprintf("resident %d says the %s needs attention near the corner of the park, again this week", id, labels[id%3])}
			if source == "open311" {
				f.Channel = table.ChannelServiceRequest
				closed := at.Add(time.Duration(r.ExpFloat64() * float64(72*time.Hour))).Truncate(time.Millisecond)
				f.ClosedAt = &closed
			}
			batch[i] = table.Scored(f, table.Scores{Sentiment: r.Float64()*2 - 1, SentimentLabel: labels[r.IntN(3)],
				Topics: topics[r.IntN(len(topics))], ScorerVersion: "bench"})
			id++
		}
		writeParquet(b, filepath.Join(dir, "scored", "feedback", "source="+source, "month="+month.Format("2006-01"), fmt.Sprintf("part-%03d.parquet", part)), batch)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
}
