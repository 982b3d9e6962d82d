package pipeline_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

const twoDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Downtown"},"geometry":{"type":"Polygon","coordinates":[[[-89.70,39.78],[-89.60,39.78],[-89.60,39.84],[-89.70,39.84],[-89.70,39.78]]]}},
 {"type":"Feature","properties":{"name":"riverside"},"geometry":{"type":"Polygon","coordinates":[[[-89.60,39.78],[-89.50,39.78],[-89.50,39.84],[-89.60,39.84],[-89.60,39.78]]]}}]}`

// The score stage fills keyphrases, places, sentiment terms and, from lat/lon, the district of
// rows that have none; a district given at ingest stays.
func TestScoreFillsTextColumnsAndDistrict(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t)
	city, err := config.Load(strings.NewReader(`name: Test
timezone: America/Chicago
districts: [{id: downtown, name: Downtown}, {id: riverside, name: Riverside}]
districts_geojson: config/districts.geojson
district_property: name
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "config/districts.geojson", strings.NewReader(twoDistricts)); err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	given := "downtown"
	at := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	rows := []table.Feedback{
		{ID: "a", Text: "Huge potholes on Maple Ave, thanks for nothing", Lat: f(39.80), Lon: f(-89.55), CreatedAt: at, IngestedAt: at},
		{ID: "b", Text: "Love the new benches in Lincoln Park", Lat: f(39.80), Lon: f(-89.55), District: &given, CreatedAt: at, IngestedAt: at},
		{ID: "c", Text: "Nothing to see", Lat: f(10), Lon: f(10), CreatedAt: at, IngestedAt: at},
	}
	b, err := table.Encode(rows)
	if err != nil {
		t.Fatal(err)
	}
	key := pipeline.CuratedFeedback + "source=twitter/month=2026-09/x.parquet"
	if err := st.Put(ctx, key, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	sc, err := pipeline.NewScorer(ctx, st, city)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := store.ReadAll(ctx, st, pipeline.ScoredFeedback+"source=twitter/month=2026-09/x.parquet")
	if err != nil {
		t.Fatal(err)
	}
	got, err := table.Decode[table.ScoredFeedback](out)
	if err != nil {
		t.Fatal(err)
	}
	district := func(r table.ScoredFeedback) string {
		if r.District == nil {
			return ""
		}
		return *r.District
	}
	if d := district(got[0]); d != "riverside" {
		t.Errorf("row a: district %q; want riverside (from its lat/lon)", d)
	}
	if d := district(got[1]); d != "downtown" {
		t.Errorf("row b: district %q; want downtown (given at ingest)", d)
	}
	if d := district(got[2]); d != "" {
		t.Errorf("row c: district %q; want none (outside every polygon)", d)
	}
	if a := got[0]; strings.Join(a.Places, "|") != "Maple Avenue" || len(a.Keyphrases) == 0 || len(a.SentimentTerms) == 0 {
		t.Errorf("row a: places %q, keyphrases %q, terms %q; want Maple Avenue and some of each", a.Places, a.Keyphrases, a.SentimentTerms)
	}
	if c := got[2]; c.Places == nil || c.Keyphrases == nil || c.SentimentTerms == nil || c.Topics == nil {
		t.Errorf("row c: nil lists %+v; want empty lists", c)
	}

	// A GeoJSON naming a district the city does not have is refused, naming the file.
	if err := st.Put(ctx, "config/districts.geojson", strings.NewReader(strings.Replace(twoDistricts, "riverside", "Lakeside", 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.NewScorer(ctx, st, city); err == nil || !strings.Contains(err.Error(), "config/districts.geojson") || !strings.Contains(err.Error(), "Lakeside") {
		t.Errorf("NewScorer with an unknown district: %v; want an error naming the file and the district", err)
	}
}
