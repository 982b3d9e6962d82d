package table_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/civicpulse/civicpulse/shared/table"
)

// manyRows are enough feedback rows for several pages per column and two row groups.
func manyRows(n int) []table.Feedback {
	r := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]table.Feedback, n)
	for i := range rows {
		rows[i] = table.Feedback{ID: fmt.Sprintf("id%08d", i), Channel: "social", NativeID: fmt.Sprint(i),
			CreatedAt: base.Add(time.Duration(i) * time.Second), IngestedAt: base,
			Text: fmt.Sprintf("post %d about route %d and the %d potholes", r.IntN(1e6), r.IntN(99), r.IntN(20))}
		if i%3 == 0 {
			d := fmt.Sprint("district-", i%7)
			rows[i].District = &d
		}
	}
	return rows
}

func TestWriterGivesTheBytesOfOneWrite(t *testing.T) {
	rows := manyRows(70_000) // past one row group of 65,536
	// The reference: parquet-go given every row at once, with the options the package
	// documents.
	var want bytes.Buffer
	pw := parquet.NewGenericWriter[table.Feedback](&want, parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
		parquet.DataPageVersion(1), parquet.DefaultEncoding(&parquet.Plain), parquet.CreatedBy("civicpulse", "", ""),
		parquet.MaxRowsPerRowGroup(64<<10), parquet.PageBufferSize(64<<10))
	if _, err := pw.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		pieces func(r *rand.Rand) int
	}{
		{"one row at a time", func(*rand.Rand) int { return 1 }},
		{"random pieces", func(r *rand.Rand) int { return 1 + r.IntN(2000) }},
		{"all at once", func(*rand.Rand) int { return len(rows) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var got bytes.Buffer
			w := table.NewWriter[table.Feedback](&got)
			for rest := rows; len(rest) > 0; {
				n := min(len(rest), tc.pieces(r))
				if err := w.Write(rest[:n]...); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
				if w.Buffered() > 64<<10 {
					t.Fatalf("writer holds %d rows; want at most a row group", w.Buffered())
				}
			}
			if w.Rows() != int64(len(rows)) {
				t.Errorf("Rows() = %d; want %d", w.Rows(), len(rows))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("streamed file differs from one write: %d bytes, want %d", got.Len(), want.Len())
			}
		})
	}
}

func TestWriterFlushKeepsRows(t *testing.T) {
	rows := manyRows(3000)
	var buf bytes.Buffer
	w := table.NewWriter[table.Feedback](&buf)
	for i := 0; i < len(rows); i += 1000 {
		if err := w.Write(rows[i : i+1000]...); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if w.Buffered() != 0 {
			t.Fatalf("after Flush the writer holds %d rows", w.Buffered())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 3 {
		t.Errorf("%d row groups; want 3, one per Flush", n)
	}
	got, err := table.Decode[table.Feedback](buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows; want %d", len(got), len(rows))
	}
	for i := range got {
		if got[i].ID != rows[i].ID || got[i].Text != rows[i].Text {
			t.Fatalf("row %d = %s %q; want %s %q", i, got[i].ID, got[i].Text, rows[i].ID, rows[i].Text)
		}
	}
}
