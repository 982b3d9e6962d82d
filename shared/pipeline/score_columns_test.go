package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Curated objects are read column by column when they have the feedback table's columns and
// by parquet-go otherwise (an object written before a column was added): both score every
// row, across row groups of any size.
func TestScoreReadsEveryShapeOfCuratedObject(t *testing.T) {
	type older struct { // feedback before its optional columns
		ID         string    `parquet:"id"`
		Channel    string    `parquet:"channel,dict"`
		NativeID   string    `parquet:"native_id"`
		CreatedAt  time.Time `parquet:"created_at,timestamp(millisecond)"`
		IngestedAt time.Time `parquet:"ingested_at,timestamp(millisecond)"`
		Text       string    `parquet:"text"`
	}
	at := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		rows      int
		groupRows int64
		write     func(w *bytes.Buffer, n int, groupRows int64) error
	}{
		{"feedback columns", 1300, 500, func(w *bytes.Buffer, n int, g int64) error {
			rows := make([]table.Feedback, n)
			for i := range rows {
				rows[i] = table.Feedback{ID: fmt.Sprint(i), Channel: "social", Text: rowText(i), CreatedAt: at, IngestedAt: at}
			}
			pw := parquet.NewGenericWriter[table.Feedback](w, parquet.MaxRowsPerRowGroup(g))
			if _, err := pw.Write(rows); err != nil {
				return err
			}
			return pw.Close()
		}},
		{"older columns", 700, 300, func(w *bytes.Buffer, n int, g int64) error {
			rows := make([]older, n)
			for i := range rows {
				rows[i] = older{ID: fmt.Sprint(i), Channel: "social", Text: rowText(i), CreatedAt: at, IngestedAt: at}
			}
			pw := parquet.NewGenericWriter[older](w, parquet.MaxRowsPerRowGroup(g))
			if _, err := pw.Write(rows); err != nil {
				return err
			}
			return pw.Close()
		}},
	}
	defer func(b int) { scoreBatch = b }(scoreBatch)
	scoreBatch = 256
	ctx := context.Background()
	sc := score.New(config.DefaultTopics())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := tt.write(&b, tt.rows, tt.groupRows); err != nil {
				t.Fatalf("write curated: %v", err)
			}
			key := CuratedFeedback + "source=twitter/month=2026-09/x.parquet"
			if err := st.Put(ctx, key, &b); err != nil {
				t.Fatal(err)
			}
			sum, err := Score(ctx, st, sc, ScoreOptions{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatalf("score: %v", err)
			}
			if sum.Rows != tt.rows {
				t.Errorf("scored %d rows; want %d", sum.Rows, tt.rows)
			}
			out, err := store.ReadAll(ctx, st, ScoredFeedback+"source=twitter/month=2026-09/x.parquet")
			if err != nil {
				t.Fatal(err)
			}
			got, err := table.Decode[table.ScoredFeedback](out)
			if err != nil {
				t.Fatalf("read scored: %v", err)
			}
			if len(got) != tt.rows {
				t.Fatalf("read %d scored rows; want %d", len(got), tt.rows)
			}
			for i, r := range got {
				if want := sc.Score(rowText(i)); r.ID != fmt.Sprint(i) || r.Text != rowText(i) || r.Sentiment != want.Sentiment || !r.CreatedAt.Equal(at) {
					t.Fatalf("row %d: id %s text %q sentiment %v created %v; want %d %q %v %v", i, r.ID, r.Text, r.Sentiment, r.CreatedAt, i, rowText(i), want.Sentiment, at)
				}
			}
		})
	}
}
