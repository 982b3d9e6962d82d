package table_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/civicpulse/civicpulse/shared/table"
)

func sampleRows() []table.ScoredFeedback {
	d, pt := "downtown", "roads"
	closed := time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC)
	return []table.ScoredFeedback{
		table.Scored(
			table.Feedback{Source: "twitter", Month: "2026-08", ID: "a1", Channel: "social", NativeID: "1",
				CreatedAt: time.Date(2026, 8, 1, 15, 4, 5, 678_900_000, time.UTC), IngestedAt: time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC),
				Text: "Pothole on Maple", District: &d, ClosedAt: &closed},
			table.Scores{Sentiment: -0.5, SentimentLabel: "negative", Topics: []string{"roads", "transit"}, PrimaryTopic: &pt,
				Keyphrases: []string{}, Places: []string{"Maple"}, ScorerVersion: "v1"}),
		table.Scored(
			table.Feedback{ID: "a2", Channel: "social", Text: "ok", CreatedAt: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
				IngestedAt: time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)},
			table.Scores{SentimentLabel: "neutral", Topics: []string{}, Keyphrases: []string{}, Places: []string{}}),
	}
}

func TestRoundTrip(t *testing.T) {
	rows := sampleRows()
	b, err := table.Encode(rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := table.Decode[table.ScoredFeedback](b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d rows; want 2", len(got))
	}
	g := got[0]
	// Milliseconds survive; what is finer is cut. Partition columns are not in the file.
	if want := rows[0].CreatedAt.Truncate(time.Millisecond); !g.CreatedAt.Equal(want) {
		t.Errorf("created_at = %v; want %v", g.CreatedAt, want)
	}
	if g.Source != "" || g.Month != "" {
		t.Errorf("partition columns read back from the file: source %q month %q", g.Source, g.Month)
	}
	if strings.Join(g.Topics, ",") != "roads,transit" || *g.District != "downtown" || !g.ClosedAt.Equal(*rows[0].ClosedAt) {
		t.Errorf("row = %+v", g)
	}
	if got[1].District != nil || got[1].ClosedAt != nil || got[1].AuthorKey != nil {
		t.Errorf("nulls did not survive: %+v", got[1])
	}
}

// The file is written as Athena reads best: v1 data pages, no delta encodings, zstd,
// UTC millisecond timestamps, 3-level lists, and no partition columns.
func TestFileLayout(t *testing.T) {
	b, err := table.Encode(sampleRows())
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	schema := f.Schema().String()
	for _, want := range []string{
		"required int64 created_at (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS))",
		"required group topics (LIST) {\n\t\trepeated group list {\n\t\t\trequired binary element (STRING);",
	} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema lacks %q:\n%s", want, schema)
		}
	}
	for _, col := range []string{"source", "month"} {
		if _, ok := f.Schema().Lookup(col); ok {
			t.Errorf("partition column %s stored in the file", col)
		}
	}
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			md := c.MetaData
			if md.Codec != format.Zstd {
				t.Errorf("column %v codec %v; want ZSTD", md.PathInSchema, md.Codec)
			}
			for _, e := range md.Encoding {
				switch e {
				case format.Plain, format.RLE, format.RLEDictionary, format.PlainDictionary, format.BitPacked:
				default:
					t.Errorf("column %v uses encoding %v; want only PLAIN/dictionary/RLE", md.PathInSchema, e)
				}
			}
			for _, s := range md.EncodingStats {
				if s.PageType == format.DataPageV2 {
					t.Errorf("column %v has a v2 data page", md.PathInSchema)
				}
			}
		}
	}
}

func TestWriteJSONLines(t *testing.T) {
	b, err := table.Encode(sampleRows()[:1])
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	parts := table.ParsePartitions("scored/feedback/source=twitter/month=2026-08/b.parquet")
	if err := table.WriteJSONLines(&out, bytes.NewReader(b), int64(len(b)), parts); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		`{"id":"a1","channel":"social",`,
		`"created_at":"2026-08-01T15:04:05.678Z"`,
		`"author_key":null`,
		`"topics":["roads","transit"]`,
		`"source":"twitter","month":"2026-08"}` + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
}

func TestParsePartitions(t *testing.T) {
	got := table.ParsePartitions("kpi/quarter=2027-Q1/kpis.parquet")
	if len(got) != 1 || got[0] != [2]string{"quarter", "2027-Q1"} {
		t.Errorf("got %v", got)
	}
	if got := table.ParsePartitions("a=1.parquet"); len(got) != 0 {
		t.Errorf("file name taken as a partition: %v", got)
	}
}

// ScoredFeedback is Feedback's columns then Scores', field for field, tags included.
func TestScoredFeedbackColumns(t *testing.T) {
	var want []reflect.StructField
	for _, v := range []any{table.Feedback{}, table.Scores{}} {
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			want = append(want, ty.Field(i))
		}
	}
	ty := reflect.TypeOf(table.ScoredFeedback{})
	if ty.NumField() != len(want) {
		t.Fatalf("ScoredFeedback has %d fields; want %d", ty.NumField(), len(want))
	}
	for i, w := range want {
		g := ty.Field(i)
		if g.Name != w.Name || g.Type != w.Type || g.Tag != w.Tag {
			t.Errorf("field %d = %s %s %q; want %s %s %q", i, g.Name, g.Type, g.Tag, w.Name, w.Type, w.Tag)
		}
	}
}
