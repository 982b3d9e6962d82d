package table_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/civicpulse/civicpulse/shared/table"
)

// feedbackRows are n rows whose optional columns are null, empty or set in turn, with texts
// of varied length.
func feedbackRows(n int) []table.Feedback {
	at := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	rows := make([]table.Feedback, n)
	for i := range rows {
		s := func(k int, v string) *string {
			switch (i + k) % 3 {
			case 0:
				return nil
			case 1:
				return new("")
			}
			return &v
		}
		r := table.Feedback{ID: fmt.Sprint("id-", i), Channel: []string{"social", "survey"}[i%2],
			NativeID: fmt.Sprint(i * 7), CreatedAt: at.Add(time.Duration(i) * time.Minute),
			IngestedAt: at.Add(time.Hour), Text: string(bytes.Repeat([]byte{'a' + byte(i%26)}, i%97)),
			AuthorKey: s(0, "author"), URL: s(1, "https://x/"+fmt.Sprint(i)), District: s(2, "D"+fmt.Sprint(i%5)),
			SurveyID: s(0, "sv"), QuestionID: s(1, "q"), ServiceCategory: s(2, "potholes"), Status: s(0, "open")}
		if i%4 != 0 {
			lat, lon, eng, closed := 41.8+float64(i)/1e4, -87.6, int64(i), at.Add(48*time.Hour)
			r.Lat, r.Lon, r.Engagement, r.ClosedAt = &lat, &lon, &eng, &closed
		}
		rows[i] = r
	}
	return rows
}

// dictFeedback is Feedback with its required columns dictionary-encoded, which FeedbackReader
// reads through parquet.Value rather than from PLAIN pages' arrays.
type dictFeedback struct {
	ID              string     `parquet:"id,dict"`
	Channel         string     `parquet:"channel,dict"`
	NativeID        string     `parquet:"native_id,dict"`
	CreatedAt       time.Time  `parquet:"created_at,timestamp(millisecond),dict"`
	IngestedAt      time.Time  `parquet:"ingested_at,timestamp(millisecond),dict"`
	AuthorKey       *string    `parquet:"author_key,optional"`
	Text            string     `parquet:"text,dict"`
	URL             *string    `parquet:"url,optional"`
	District        *string    `parquet:"district,optional,dict"`
	Lat             *float64   `parquet:"lat,optional"`
	Lon             *float64   `parquet:"lon,optional"`
	Engagement      *int64     `parquet:"engagement,optional"`
	SurveyID        *string    `parquet:"survey_id,optional,dict"`
	QuestionID      *string    `parquet:"question_id,optional,dict"`
	ServiceCategory *string    `parquet:"service_category,optional,dict"`
	Status          *string    `parquet:"status,optional,dict"`
	ClosedAt        *time.Time `parquet:"closed_at,optional,timestamp(millisecond)"`
}

// FeedbackReader reads what parquet-go's GenericReader reads, whatever the pages, row
// groups, compression and batch size.
func TestFeedbackReaderMatchesGenericReader(t *testing.T) {
	tests := []struct {
		name  string
		rows  int
		opts  []parquet.WriterOption
		batch int
	}{
		{"table.Write", 1000, nil, 4096},
		{"small batches", 1000, nil, 100},
		{"many pages and row groups, zstd", 2500, []parquet.WriterOption{parquet.PageBufferSize(512),
			parquet.MaxRowsPerRowGroup(700), parquet.Compression(&zstd.Codec{})}, 256},
		{"many pages, uncompressed", 1500, []parquet.WriterOption{parquet.PageBufferSize(300)}, 333},
		{"one row", 1, nil, 10},
		{"dictionary-encoded required columns", 1200, []parquet.WriterOption{parquet.PageBufferSize(2048),
			parquet.SchemaOf(dictFeedback{})}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := feedbackRows(tt.rows)
			var b bytes.Buffer
			if tt.opts == nil {
				if err := table.Write(&b, rows); err != nil {
					t.Fatalf("write: %v", err)
				}
			} else {
				w := parquet.NewGenericWriter[table.Feedback](&b, tt.opts...)
				if _, err := w.Write(rows); err != nil {
					t.Fatalf("write: %v", err)
				}
				if err := w.Close(); err != nil {
					t.Fatalf("close writer: %v", err)
				}
			}
			want, err := table.Decode[table.Feedback](b.Bytes())
			if err != nil {
				t.Fatalf("read with parquet-go: %v", err)
			}
			f, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len()))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			var got []table.Feedback
			for _, rg := range f.RowGroups() {
				r, err := table.NewFeedbackReader(rg)
				if err != nil {
					t.Fatalf("new reader: %v", err)
				}
				batch := make([]table.Feedback, tt.batch)
				for {
					n, err := r.Read(batch)
					got = append(got, batch[:n]...)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("read after %d rows: %v", len(got), err)
					}
				}
				if err := r.Close(); err != nil {
					t.Fatalf("close reader: %v", err)
				}
			}
			if len(got) != len(want) || len(got) != tt.rows {
				t.Fatalf("read %d rows; parquet-go read %d, wrote %d", len(got), len(want), tt.rows)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// A file of another shape is refused, for the caller to read it with parquet-go.
func TestFeedbackReaderRefusesOtherColumns(t *testing.T) {
	tests := []struct {
		name   string
		encode func() ([]byte, error)
	}{
		{"scored feedback", func() ([]byte, error) {
			return table.Encode([]table.ScoredFeedback{{ID: "a", Text: "t"}})
		}},
		{"survey answers", func() ([]byte, error) {
			return table.Encode([]table.SurveyAnswer{{ResponseID: "r"}})
		}},
		{"feedback without a column", func() ([]byte, error) {
			type short struct {
				ID string `parquet:"id"`
			}
			return table.Encode([]short{{ID: "a"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.encode()
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if _, err := table.NewFeedbackReader(f.RowGroups()[0]); !errors.Is(err, table.ErrNotFeedbackColumns) {
				t.Errorf("NewFeedbackReader: %v; want ErrNotFeedbackColumns", err)
			}
		})
	}
	// Feedback itself must be readable: a field added to it needs adding to FeedbackReader.
	b, err := table.Encode([]table.Feedback{{ID: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := table.NewFeedbackReader(f.RowGroups()[0]); err != nil {
		t.Errorf("NewFeedbackReader(Feedback file): %v: update feedbackColumns in read_feedback.go", err)
	}
}
