package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// plainScored stores the KPI columns of scored feedback with other encodings than
// table.ScoredFeedback: plain strings where it has dictionaries, dictionaries for the author,
// engagement, sentiment and list elements.
type plainScored struct {
	ID             string     `parquet:"id"`
	Channel        string     `parquet:"channel"`
	CreatedAt      time.Time  `parquet:"created_at,timestamp(millisecond)"`
	AuthorKey      *string    `parquet:"author_key,optional,dict"`
	Text           string     `parquet:"text"`
	District       *string    `parquet:"district,optional"`
	Engagement     *int64     `parquet:"engagement,optional,dict"`
	ClosedAt       *time.Time `parquet:"closed_at,optional,timestamp(millisecond)"`
	Sentiment      float64    `parquet:"sentiment,dict"`
	SentimentLabel string     `parquet:"sentiment_label"`
	Topics         []string   `parquet:"topics,list,dict"`
	Keyphrases     []string   `parquet:"keyphrases,list"`
}

func plainRows(rows []table.ScoredFeedback) []plainScored {
	out := make([]plainScored, len(rows))
	for i, r := range rows {
		out[i] = plainScored{ID: r.ID, Channel: r.Channel, CreatedAt: r.CreatedAt, AuthorKey: r.AuthorKey,
			Text: r.Text, District: r.District, Engagement: r.Engagement, ClosedAt: r.ClosedAt,
			Sentiment: r.Sentiment, SentimentLabel: r.SentimentLabel, Topics: r.Topics, Keyphrases: r.Keyphrases}
	}
	return out
}

// The column fold releases pages to parquet-go's pool while other workers read: with pages
// so small that topic lists run across them, rows read without their id and text but for
// the few that may be quoted, rows outside the trend window skipped before they are made,
// files of one or several row groups (whose cursors start afresh at each group), and
// columns dictionary-encoded, plain, or dictionary-encoded until their dictionary fills,
// each of the concurrent folds gives the document of its rows folded whole.
func TestFoldScoredColumnsEqualsRows(t *testing.T) {
	city, err := config.Load(strings.NewReader(`
name: Foldville
timezone: America/Chicago
fiscal_year_start_month: 7
districts: [{id: north}, {id: south}]
sources: [{id: x, format: twitter}]
kpis:
  - {id: net_roads, label: Net roads, kind: net_sentiment, filter: {topic: roads}, target: 0, direction: higher, owner: o}
  - {id: vol_water, label: Water, kind: volume, filter: {topic: water}, target: 50, direction: lower, owner: o}
  - {id: net_north, label: Net north, kind: net_sentiment, filter: {district: north}, target: 0, direction: higher, owner: o}
  - {id: uniq, label: Residents, kind: unique_contributors, target: 100, direction: higher, owner: o}
  - {id: ttc, label: Days to close, kind: time_to_close, target: 5, direction: lower, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := kpi.Quarter{FY: 2027, Q: 1}
	loc := city.Location()
	// The trend window starts with FY2025 Q2, on 1 October 2024, and the quarter ends on
	// 1 October 2026: rows are made around both bounds, and years before.
	windowStart := time.Date(2024, 10, 1, 0, 0, 0, 0, loc)
	windowEnd := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	topics := []string{"roads", "parks", "water", "sanitation", "noise"}
	makeRows := func(seed uint64) []table.ScoredFeedback {
		r := rand.New(rand.NewPCG(seed, 9))
		var rows []table.ScoredFeedback
		for i := range 3000 {
			at := time.Date(2026, time.Month(4+r.IntN(6)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, loc)
			switch r.IntN(10) {
			case 0:
				at = time.Date(2019, 3, 1, 0, 0, 0, 0, loc) // far outside
			case 1:
				at = windowStart.Add(time.Duration(r.IntN(96)-48) * time.Hour)
			case 2:
				at = windowEnd.Add(time.Duration(r.IntN(96)-48) * time.Hour)
			}
			at = at.UTC()
			author, district := fmt.Sprintf("a%d", r.IntN(400)), []string{"north", "south"}[r.IntN(2)]
			f := table.Feedback{ID: fmt.Sprintf("w%d-%05d", seed, i), Channel: table.ChannelServiceRequest, CreatedAt: at,
				AuthorKey: &author, District: &district,
				Text: fmt.Sprintf("resident %d of file %d wrote at length about the state of things", i, seed)}
			if r.IntN(8) == 0 {
				f.AuthorKey, f.District, f.Channel = nil, nil, table.ChannelSocial
			}
			if r.IntN(2) == 0 {
				closed := at.Add(time.Duration(r.IntN(500)-50) * time.Hour)
				f.ClosedAt = &closed
			}
			if r.IntN(2) == 0 {
				f.Engagement = new(int64(r.IntN(5)))
			}
			s := table.Scores{Sentiment: float64(r.IntN(41)-20) / 20, SentimentLabel: []string{"positive", "neutral", "negative"}[r.IntN(3)]}
			for range r.IntN(6) { // lists of up to five, across page bounds
				s.Topics = append(s.Topics, topics[r.IntN(len(topics))])
				s.Keyphrases = append(s.Keyphrases, fmt.Sprintf("phrase %d", r.IntN(30)))
			}
			rows = append(rows, table.Scored(f, s))
		}
		return rows
	}
	write := func(rows []table.ScoredFeedback, plain bool, opts ...parquet.WriterOption) ([]byte, error) {
		var buf bytes.Buffer
		var err error
		if plain {
			pw := parquet.NewGenericWriter[plainScored](&buf, opts...)
			if _, err = pw.Write(plainRows(rows)); err == nil {
				err = pw.Close()
			}
		} else {
			pw := parquet.NewGenericWriter[table.ScoredFeedback](&buf, opts...)
			if _, err = pw.Write(rows); err == nil {
				err = pw.Close()
			}
		}
		return buf.Bytes(), err
	}
	// Rows per row group of each file: one group, then groups that end mid-page. The cursors
	// of a group once started with the values of the previous group's last page, which put
	// the columns out of step with each other (issue 5's benchmark at 2M rows).
	tests := []struct {
		name      string
		groupRows int64
		plain     bool // plainScored's encodings
		dictBytes int64
	}{
		{name: "one group", groupRows: 3000},
		{name: "groups of 1000", groupRows: 1000},
		{name: "groups of 777", groupRows: 777},
		{name: "groups of 64", groupRows: 64},
		{name: "dictionaries fill", groupRows: 1000, dictBytes: 24},
		{name: "plain strings, dictionary lists", groupRows: 777, plain: true},
		{name: "plain, dictionaries fill", groupRows: 3000, plain: true, dictBytes: 40},
	}
	var wg sync.WaitGroup
	got := make([][]byte, len(tests))
	errs := make([]error, len(tests))
	files := make([][]table.ScoredFeedback, len(tests))
	for w, tc := range tests {
		files[w] = makeRows(uint64(w))
		opts := []parquet.WriterOption{parquet.PageBufferSize(512), parquet.MaxRowsPerRowGroup(tc.groupRows)}
		if tc.dictBytes > 0 {
			opts = append(opts, parquet.DictionaryMaxBytes(tc.dictBytes))
		}
		b, err := write(files[w], tc.plain, opts...)
		if err != nil {
			t.Fatalf("%s: write: %v", tc.name, err)
		}
		f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: open: %v", tc.name, err)
		}
		if want := int((3000 + tc.groupRows - 1) / tc.groupRows); len(f.RowGroups()) != want {
			t.Fatalf("%s: %d row groups, want %d: the test would not cover them", tc.name, len(f.RowGroups()), want)
		}
		wg.Go(func() {
			comp := kpi.NewComputer(city, q, kpi.UniqueIDs())
			for range 3 { // more reads, more reuse of pooled pages
				comp = kpi.NewComputer(city, q, kpi.UniqueIDs())
				if errs[w] = foldScoredColumns(f, "x", comp); errs[w] != nil {
					return
				}
			}
			got[w], errs[w] = json.Marshal(comp.Document(time.Unix(0, 0)))
		})
	}
	wg.Wait()
	for w, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if errs[w] != nil {
				t.Fatalf("fold: %v", errs[w])
			}
			rows := files[w]
			for i := range rows {
				rows[i].Source = "x"
			}
			whole := kpi.NewComputer(city, q, kpi.UniqueIDs())
			whole.AddFeedback(rows)
			want, err := json.Marshal(whole.Document(time.Unix(0, 0)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(want, []byte(`"quotes"`)) {
				t.Fatalf("the fixture quotes nothing: the test would prove little")
			}
			if !bytes.Equal(got[w], want) {
				t.Errorf("column fold differs from the rows folded whole:\n got  %s\n want %s", got[w], want)
			}
		})
	}
}

// noOffsetIndex is a column chunk whose file has no offset index, as some writers make them.
type noOffsetIndex struct{ parquet.ColumnChunk }

func (noOffsetIndex) OffsetIndex() (parquet.OffsetIndex, error) {
	return nil, errors.New("no offset index")
}

// quotedColumn reads the id of rows in increasing order, seeking with the offset index or,
// without one, reading the chunk through.
func TestQuotedColumnReadsRows(t *testing.T) {
	var rows []table.ScoredFeedback
	for i := range 3000 {
		rows = append(rows, table.ScoredFeedback{ID: fmt.Sprintf("id-%04d", i), Text: strings.Repeat("x", i%50)})
	}
	var buf bytes.Buffer
	pw := parquet.NewGenericWriter[table.ScoredFeedback](&buf, parquet.PageBufferSize(512), parquet.MaxRowsPerRowGroup(1000))
	if _, err := pw.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	leaf, ok := f.Schema().Lookup("id")
	if !ok {
		t.Fatal("no id column")
	}
	// Rows at both ends of a group, on one page, and far apart (more than a skip buffer).
	indexes := []int64{0, 1, 2, 40, 300, 301, 998, 999}
	tests := []struct {
		name  string
		chunk func(parquet.ColumnChunk) parquet.ColumnChunk
	}{
		{name: "offset index", chunk: func(c parquet.ColumnChunk) parquet.ColumnChunk { return c }},
		{name: "no offset index", chunk: func(c parquet.ColumnChunk) parquet.ColumnChunk { return noOffsetIndex{c} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for g, rg := range f.RowGroups() {
				q := quotedColumn{chunk: tc.chunk(rg.ColumnChunks()[leaf.ColumnIndex]), leaf: leaf}
				pending := make([]quoted, len(indexes))
				for i, x := range indexes {
					pending[i].index = x
				}
				got := make([]string, len(pending))
				// Two reads, as quote makes them: the second goes on from the first.
				for _, span := range [][2]int{{0, len(pending) / 2}, {len(pending) / 2, len(pending)}} {
					err := q.read(pending[span[0]:span[1]], func(i int, v string) { got[span[0]+i] = v })
					if err != nil {
						t.Fatalf("group %d: %v", g, err)
					}
				}
				q.close()
				for i, x := range indexes {
					if want := rows[int64(g)*1000+x].ID; got[i] != want {
						t.Errorf("group %d row %d: got %q; want %q", g, x, got[i], want)
					}
				}
			}
		})
	}
}
