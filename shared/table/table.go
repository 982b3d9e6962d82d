// Package table defines the Parquet tables of the data lake (feedback, scored feedback,
// survey answers and KPIs) and reads and writes them.
//
// Files are written the way Spark writes them by default, which Athena reads most reliably:
// data page v1, dictionary encoding for low-cardinality columns and PLAIN otherwise, zstd,
// timestamps in UTC milliseconds and 3-level LISTs. Partition columns (source, month,
// quarter) live in the object path only; ParsePartitions reads them back from a path the way
// Athena and DuckDB do.
package table

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Channels of feedback.
const (
	ChannelSurvey         = "survey"
	ChannelSocial         = "social"
	ChannelServiceRequest = "service_request"
)

// Feedback is one piece of resident text: a post, a comment, a survey's open answer or a
// service request. Source and Month are partition columns: they are kept in the path, not
// in the file.
type Feedback struct {
	Source string `parquet:"-" json:"source"`
	Month  string `parquet:"-" json:"month"`

	ID              string     `parquet:"id" json:"id"`
	Channel         string     `parquet:"channel,dict" json:"channel"`
	NativeID        string     `parquet:"native_id" json:"native_id"`
	CreatedAt       time.Time  `parquet:"created_at,timestamp(millisecond)" json:"created_at"`
	IngestedAt      time.Time  `parquet:"ingested_at,timestamp(millisecond)" json:"ingested_at"`
	AuthorKey       *string    `parquet:"author_key,optional" json:"author_key"`
	Text            string     `parquet:"text" json:"text"`
	URL             *string    `parquet:"url,optional" json:"url"`
	District        *string    `parquet:"district,optional,dict" json:"district"`
	Lat             *float64   `parquet:"lat,optional" json:"lat"`
	Lon             *float64   `parquet:"lon,optional" json:"lon"`
	Engagement      *int64     `parquet:"engagement,optional" json:"engagement"`
	SurveyID        *string    `parquet:"survey_id,optional,dict" json:"survey_id"`
	QuestionID      *string    `parquet:"question_id,optional,dict" json:"question_id"`
	ServiceCategory *string    `parquet:"service_category,optional,dict" json:"service_category"`
	Status          *string    `parquet:"status,optional,dict" json:"status"`
	ClosedAt        *time.Time `parquet:"closed_at,optional,timestamp(millisecond)" json:"closed_at"`
}

// Scores are the columns the score stage adds to feedback.
type Scores struct {
	Sentiment      float64  `parquet:"sentiment" json:"sentiment"`
	SentimentLabel string   `parquet:"sentiment_label,dict" json:"sentiment_label"`
	SentimentTerms []string `parquet:"sentiment_terms,list" json:"sentiment_terms"`
	Topics         []string `parquet:"topics,list" json:"topics"`
	PrimaryTopic   *string  `parquet:"primary_topic,optional,dict" json:"primary_topic"`
	Keyphrases     []string `parquet:"keyphrases,list" json:"keyphrases"`
	Places         []string `parquet:"places,list" json:"places"`
	ScorerVersion  string   `parquet:"scorer_version,dict" json:"scorer_version"`
}

// ScoredFeedback is a feedback row with its scores: the scored/feedback table. Its fields are
// Feedback's followed by Scores' (a test holds them equal). It is flat rather than embedding
// the two because parquet-go v0.32 reads null optional fields of embedded structs back as
// non-nil pointers.
type ScoredFeedback struct {
	Source string `parquet:"-" json:"source"`
	Month  string `parquet:"-" json:"month"`

	ID              string     `parquet:"id" json:"id"`
	Channel         string     `parquet:"channel,dict" json:"channel"`
	NativeID        string     `parquet:"native_id" json:"native_id"`
	CreatedAt       time.Time  `parquet:"created_at,timestamp(millisecond)" json:"created_at"`
	IngestedAt      time.Time  `parquet:"ingested_at,timestamp(millisecond)" json:"ingested_at"`
	AuthorKey       *string    `parquet:"author_key,optional" json:"author_key"`
	Text            string     `parquet:"text" json:"text"`
	URL             *string    `parquet:"url,optional" json:"url"`
	District        *string    `parquet:"district,optional,dict" json:"district"`
	Lat             *float64   `parquet:"lat,optional" json:"lat"`
	Lon             *float64   `parquet:"lon,optional" json:"lon"`
	Engagement      *int64     `parquet:"engagement,optional" json:"engagement"`
	SurveyID        *string    `parquet:"survey_id,optional,dict" json:"survey_id"`
	QuestionID      *string    `parquet:"question_id,optional,dict" json:"question_id"`
	ServiceCategory *string    `parquet:"service_category,optional,dict" json:"service_category"`
	Status          *string    `parquet:"status,optional,dict" json:"status"`
	ClosedAt        *time.Time `parquet:"closed_at,optional,timestamp(millisecond)" json:"closed_at"`

	Sentiment      float64  `parquet:"sentiment" json:"sentiment"`
	SentimentLabel string   `parquet:"sentiment_label,dict" json:"sentiment_label"`
	SentimentTerms []string `parquet:"sentiment_terms,list" json:"sentiment_terms"`
	Topics         []string `parquet:"topics,list" json:"topics"`
	PrimaryTopic   *string  `parquet:"primary_topic,optional,dict" json:"primary_topic"`
	Keyphrases     []string `parquet:"keyphrases,list" json:"keyphrases"`
	Places         []string `parquet:"places,list" json:"places"`
	ScorerVersion  string   `parquet:"scorer_version,dict" json:"scorer_version"`
}

// Scored joins a feedback row and its scores.
func Scored(f Feedback, s Scores) ScoredFeedback {
	return ScoredFeedback{
		Source: f.Source, Month: f.Month, ID: f.ID, Channel: f.Channel, NativeID: f.NativeID,
		CreatedAt: f.CreatedAt, IngestedAt: f.IngestedAt, AuthorKey: f.AuthorKey, Text: f.Text, URL: f.URL,
		District: f.District, Lat: f.Lat, Lon: f.Lon, Engagement: f.Engagement, SurveyID: f.SurveyID,
		QuestionID: f.QuestionID, ServiceCategory: f.ServiceCategory, Status: f.Status, ClosedAt: f.ClosedAt,
		Sentiment: s.Sentiment, SentimentLabel: s.SentimentLabel, SentimentTerms: s.SentimentTerms, Topics: s.Topics, PrimaryTopic: s.PrimaryTopic,
		Keyphrases: s.Keyphrases, Places: s.Places, ScorerVersion: s.ScorerVersion,
	}
}

// SurveyAnswer is one answered question of one survey response, in long form.
// Source and Month are partition columns.
type SurveyAnswer struct {
	Source string `parquet:"-" json:"source"`
	Month  string `parquet:"-" json:"month"`

	ResponseID   string    `parquet:"response_id" json:"response_id"`
	SurveyID     string    `parquet:"survey_id,dict" json:"survey_id"`
	QuestionID   string    `parquet:"question_id,dict" json:"question_id"`
	QuestionText string    `parquet:"question_text,dict" json:"question_text"`
	AnswerText   string    `parquet:"answer_text" json:"answer_text"`
	AnswerValue  *float64  `parquet:"answer_value,optional" json:"answer_value"`
	ScaleMin     *float64  `parquet:"scale_min,optional" json:"scale_min"`
	ScaleMax     *float64  `parquet:"scale_max,optional" json:"scale_max"`
	District     *string   `parquet:"district,optional,dict" json:"district"`
	Weight       float64   `parquet:"weight" json:"weight"`
	SubmittedAt  time.Time `parquet:"submitted_at,timestamp(millisecond)" json:"submitted_at"`
}

// KPI is one row of the kpis table. Quarter is the partition column.
type KPI struct {
	Quarter string `parquet:"-" json:"quarter"`

	KPIID             string    `parquet:"kpi_id" json:"kpi_id"`
	Label             string    `parquet:"label" json:"label"`
	Value             *float64  `parquet:"value,optional" json:"value"`
	CILow             *float64  `parquet:"ci_low,optional" json:"ci_low"`
	CIHigh            *float64  `parquet:"ci_high,optional" json:"ci_high"`
	N                 int64     `parquet:"n" json:"n"`
	PreviousValue     *float64  `parquet:"previous_value,optional" json:"previous_value"`
	Change            *float64  `parquet:"change,optional" json:"change"`
	ChangeSignificant bool      `parquet:"change_significant" json:"change_significant"`
	YearAgoValue      *float64  `parquet:"year_ago_value,optional" json:"year_ago_value"`
	Target            float64   `parquet:"target" json:"target"`
	Status            string    `parquet:"status,dict" json:"status"`
	Owner             string    `parquet:"owner,dict" json:"owner"`
	ComputedAt        time.Time `parquet:"computed_at,timestamp(millisecond)" json:"computed_at"`
}

// rowGroupRows is the most rows in one row group: about 10 MB of resident text, small enough
// to hold in memory twice and large enough for Athena to read in one request.
const rowGroupRows = 64 << 10

// pageBytes is where parquet-go cuts a column's page. Every reader and writer holds a page
// (and its compressed copy) per column it reads or writes, so the page is what sets a
// stage's memory once its files are more than a few thousand rows: at 64 kB rather than
// parquet-go's 256 kB, the KPI stage of a ten-million-post quarter peaked at 61 MB RSS, not
// 73 (score 57, not 64; ingest 67, not 73; one bench run each). Smaller pages compress a
// little worse: 14,313 real review snippets (../shared/data/sentiment) take 2.9% more bytes
// at 64 kB than at 256 kB (about the same at 128 kB, 12% more at 32 kB). The synthetic bench posts, made from a few
// hundred phrases that zstd finds again across a big page, take 22-27% more.
const pageBytes = 64 << 10

// RowGroupRows is the most rows in one row group of the files Write and Writer write.
const RowGroupRows = rowGroupRows

// Write writes rows as one Parquet file. Times are stored in UTC.
func Write[T any](w io.Writer, rows []T) error {
	pw := NewWriter[T](w)
	if err := pw.Write(rows...); err != nil {
		return err
	}
	return pw.Close()
}

// writeBatch is how many rows a Writer hands parquet-go at a time. parquet-go cuts pages
// only between the 64-row slices it cuts each write into, counted from the write's first
// row: writes of a multiple of 64 rows, as row groups also are, give the file that one write
// of all the rows gives.
const writeBatch = 512

// Writer writes one Parquet file a row at a time, as Write would write it from all the rows
// at once: it holds at most a row group (rowGroupRows rows) before writing it to the
// underlying writer, whatever the number of rows.
type Writer[T any] struct {
	pw       *parquet.GenericWriter[T]
	batch    []T
	buffered int // rows in the row group being built
	rows     int64
}

// NewWriter starts a Parquet file on w; Close ends it.
func NewWriter[T any](w io.Writer) *Writer[T] {
	return &Writer[T]{pw: parquet.NewGenericWriter[T](w, WriterOptions(rowGroupRows)...)}
}

// WriterOptions are the options of every Parquet file CivicPulse writes, with row groups of
// at most rowGroupRows rows: one list, so that writers made elsewhere (the score stage's)
// cannot drift from these in their bytes.
func WriterOptions(rowGroupRows int64) []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(Compression()),
		parquet.DataPageVersion(1),
		parquet.DefaultEncoding(&parquet.Plain),
		parquet.CreatedBy("civicpulse", "", ""),
		// Column buffers hold a row group until it is compressed: bounding its rows bounds
		// the writer's memory whatever the number of rows.
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.PageBufferSize(pageBytes),
	}
}

// Write adds rows to the file.
func (w *Writer[T]) Write(rows ...T) error {
	if len(w.batch) == 0 && len(rows) >= writeBatch {
		// Whole batches go straight through, without a copy.
		n := len(rows) / writeBatch * writeBatch
		if err := w.write(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	for len(rows) > 0 {
		if w.batch == nil {
			w.batch = make([]T, 0, writeBatch)
		}
		n := min(len(rows), writeBatch-len(w.batch))
		w.batch = append(w.batch, rows[:n]...)
		rows = rows[n:]
		if len(w.batch) == writeBatch {
			if err := w.write(w.batch); err != nil {
				return err
			}
			clear(w.batch)
			w.batch = w.batch[:0]
		}
	}
	return nil
}

// Add adds one row to the file: Write without the slice, which would cost an allocation.
func (w *Writer[T]) Add(row T) error {
	if w.batch == nil {
		w.batch = make([]T, 0, writeBatch)
	}
	w.batch = append(w.batch, row)
	if len(w.batch) < writeBatch {
		return nil
	}
	err := w.write(w.batch)
	clear(w.batch)
	w.batch = w.batch[:0]
	return err
}

func (w *Writer[T]) write(rows []T) error {
	if _, err := w.pw.Write(rows); err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	w.rows += int64(len(rows))
	w.buffered = (w.buffered + len(rows)) % rowGroupRows
	return nil
}

// Buffered is the number of rows held in memory: those of the row group being built.
func (w *Writer[T]) Buffered() int { return w.buffered + len(w.batch) }

// Rows is the number of rows written so far.
func (w *Writer[T]) Rows() int64 { return w.rows + int64(len(w.batch)) }

// Flush writes the rows held so far as a row group of their own, freeing their memory: a
// file's row groups are then not all rowGroupRows long, but its rows are the same.
func (w *Writer[T]) Flush() error {
	if err := w.flushBatch(); err != nil {
		return err
	}
	if err := w.pw.Flush(); err != nil {
		return fmt.Errorf("flush parquet row group: %w", err)
	}
	w.buffered = 0
	return nil
}

func (w *Writer[T]) flushBatch() error {
	if len(w.batch) == 0 {
		return nil
	}
	err := w.write(w.batch)
	clear(w.batch)
	w.batch = w.batch[:0]
	return err
}

// Close writes what is held and the file's footer.
func (w *Writer[T]) Close() error {
	if err := w.flushBatch(); err != nil {
		return err
	}
	if err := w.pw.Close(); err != nil {
		return fmt.Errorf("close parquet writer: %w", err)
	}
	return nil
}

// Encode returns rows as the bytes of one Parquet file.
func Encode[T any](rows []T) ([]byte, error) {
	var buf bytes.Buffer
	if err := Write(&buf, rows); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Read reads every row of a Parquet file.
func Read[T any](r io.ReaderAt, size int64) ([]T, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	pr := parquet.NewGenericReader[T](f)
	defer pr.Close()
	rows := make([]T, f.NumRows())
	n, err := pr.Read(rows)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read parquet rows: %w", err)
	}
	return rows[:n], nil
}

// Decode reads every row of a Parquet file held in memory.
func Decode[T any](b []byte) ([]T, error) {
	return Read[T](bytes.NewReader(b), int64(len(b)))
}

// ParsePartitions returns the Hive partition values (name=value path segments) of an
// object key, in path order, as Athena and DuckDB read them.
func ParsePartitions(key string) [][2]string {
	var out [][2]string
	parts := strings.Split(key, "/")
	for _, seg := range parts[:len(parts)-1] {
		if name, value, ok := strings.Cut(seg, "="); ok && name != "" {
			out = append(out, [2]string{name, value})
		}
	}
	return out
}

// Month is the month partition value of a time in the city's zone: feedback is
// partitioned by the month residents lived it in, so fiscal quarters prune cleanly.
func Month(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01")
}
