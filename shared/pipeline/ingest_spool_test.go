package pipeline

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

// spoolRoundTrip spools rows and reads them back.
func spoolRoundTrip[T any](t *testing.T, rows []T) []T {
	t.Helper()
	sp, err := newRowSpool[T]()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	for i := range rows {
		if err := sp.add(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	var got []T
	if err := sp.each(func(r *T) error { got = append(got, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// A spooled row reads back equal to what was written: nil pointers stay nil, pointers to zero
// values stay pointers, NaN keeps its bits, nil and empty lists stay apart, and times keep
// their instant (in UTC, which is all Parquet keeps of them).
func TestRowSpoolGivesBackTheRows(t *testing.T) {
	s := func(v string) *string { return &v }
	f := func(v float64) *float64 { return &v }
	i := func(v int64) *int64 { return &v }
	when := time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	long := string(bytes.Repeat([]byte("é ok "), 40_000)) // longer than the spool's buffer
	feedback := []table.Feedback{
		{},
		{Source: "tw", Month: "2026-03", ID: "a", Channel: "social", Text: "hello", CreatedAt: when, IngestedAt: when,
			AuthorKey: s(""), URL: s("https://x"), Lat: f(0), Lon: f(math.NaN()), Engagement: i(-7), ClosedAt: &when},
		{ID: "b", Text: long, District: s("north"), Engagement: i(math.MaxInt64), Lat: f(math.Inf(-1)), ClosedAt: new(time.Time)},
	}
	got := spoolRoundTrip(t, feedback)
	if len(got) != len(feedback) {
		t.Fatalf("read back %d rows; want %d", len(got), len(feedback))
	}
	for n := range feedback {
		want, g := feedback[n], got[n]
		if !g.CreatedAt.Equal(want.CreatedAt) || !g.IngestedAt.Equal(want.IngestedAt) {
			t.Errorf("row %d: times %v %v; want %v %v", n, g.CreatedAt, g.IngestedAt, want.CreatedAt, want.IngestedAt)
		}
		if (g.ClosedAt == nil) != (want.ClosedAt == nil) || g.ClosedAt != nil && !g.ClosedAt.Equal(*want.ClosedAt) {
			t.Errorf("row %d: closed_at %v; want %v", n, g.ClosedAt, want.ClosedAt)
		}
		for _, p := range []struct {
			name      string
			got, want *float64
		}{{"lat", g.Lat, want.Lat}, {"lon", g.Lon, want.Lon}} {
			if (p.got == nil) != (p.want == nil) || p.got != nil && math.Float64bits(*p.got) != math.Float64bits(*p.want) {
				t.Errorf("row %d: %s %v; want %v", n, p.name, p.got, p.want)
			}
		}
		g.CreatedAt, g.IngestedAt, g.ClosedAt, g.Lat, g.Lon = want.CreatedAt, want.IngestedAt, want.ClosedAt, want.Lat, want.Lon
		if !reflect.DeepEqual(g, want) {
			t.Errorf("row %d read back as %+v; want %+v", n, g, want)
		}
	}

	scored := []table.ScoredFeedback{
		{ID: "x", Topics: []string{}, Keyphrases: []string{"a", "", "long " + long}, SentimentTerms: nil, Sentiment: -0.25, PrimaryTopic: s("roads")},
		{ID: "y"},
	}
	for n, g := range spoolRoundTrip(t, scored) {
		want := scored[n]
		g.CreatedAt, g.IngestedAt = want.CreatedAt, want.IngestedAt
		if !reflect.DeepEqual(g, want) || (g.Topics == nil) != (want.Topics == nil) {
			t.Errorf("scored row %d read back as %+v; want %+v", n, g, want)
		}
	}
}

// Only flat rows of the types the tables use can be spooled.
func TestRowSpoolRefusesOtherFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  reflect.Type
	}{
		{"map", reflect.TypeFor[struct{ M map[string]int }]()},
		{"int", reflect.TypeFor[struct{ N int }]()},
		{"unexported", reflect.TypeFor[struct{ s string }]()},
		{"list of numbers", reflect.TypeFor[struct{ L []float64 }]()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := spoolCodecOf(tc.typ); err == nil {
				t.Errorf("spool codec of %s: no error", tc.typ)
			}
		})
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[table.Feedback](), reflect.TypeFor[table.SurveyAnswer](), reflect.TypeFor[table.ScoredFeedback]()} {
		if _, err := spoolCodecOf(typ); err != nil {
			t.Errorf("spool codec of %s: %v", typ, err)
		}
	}
}
