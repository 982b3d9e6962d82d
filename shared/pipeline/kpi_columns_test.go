package pipeline

import (
	"bytes"
	"encoding/json"
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

// The column fold releases pages to parquet-go's pool while other workers read: with pages
// so small that topic lists run across them, rows read without their id and text but for
// the few that may be quoted, and files of one or several row groups (whose cursors start
// afresh at each group), each of four concurrent folds gives the document of its rows folded
// whole.
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
  - {id: uniq, label: Residents, kind: unique_contributors, target: 100, direction: higher, owner: o}
  - {id: ttc, label: Days to close, kind: time_to_close, target: 5, direction: lower, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	q := kpi.Quarter{FY: 2027, Q: 1}
	loc := city.Location()
	topics := []string{"roads", "parks", "water", "sanitation", "noise"}
	files := make([][]table.ScoredFeedback, 4)
	for w := range files {
		r := rand.New(rand.NewPCG(uint64(w), 9))
		for i := range 3000 {
			at := time.Date(2026, time.Month(4+r.IntN(6)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, loc).UTC()
			author, district := fmt.Sprintf("a%d", r.IntN(400)), []string{"north", "south"}[r.IntN(2)]
			f := table.Feedback{ID: fmt.Sprintf("w%d-%05d", w, i), Channel: table.ChannelServiceRequest, CreatedAt: at,
				AuthorKey: &author, District: &district,
				Text: fmt.Sprintf("resident %d of worker %d wrote at length about the state of things", i, w)}
			if r.IntN(2) == 0 {
				closed := at.Add(time.Duration(r.IntN(500)) * time.Hour)
				f.ClosedAt = &closed
			}
			s := table.Scores{Sentiment: r.Float64()*2 - 1, SentimentLabel: []string{"positive", "neutral", "negative"}[r.IntN(3)]}
			for range r.IntN(6) { // lists of up to five, across page bounds
				s.Topics = append(s.Topics, topics[r.IntN(len(topics))])
				s.Keyphrases = append(s.Keyphrases, fmt.Sprintf("phrase %d", r.IntN(30)))
			}
			files[w] = append(files[w], table.Scored(f, s))
		}
	}
	var wg sync.WaitGroup
	got := make([][]byte, len(files))
	errs := make([]error, len(files))
	// Rows per row group of each file: one group, then groups that end mid-page. The cursors
	// of a group once started with the values of the previous group's last page, which put
	// the columns out of step with each other (issue 5's benchmark at 2M rows).
	groupRows := []int64{3000, 1000, 777, 64}
	for w, rows := range files {
		var buf bytes.Buffer
		pw := parquet.NewGenericWriter[table.ScoredFeedback](&buf, parquet.PageBufferSize(512),
			parquet.MaxRowsPerRowGroup(groupRows[w]))
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
		if want := int((3000 + groupRows[w] - 1) / groupRows[w]); len(f.RowGroups()) != want {
			t.Fatalf("file %d has %d row groups, want %d: the test would not cover them", w, len(f.RowGroups()), want)
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
	for w, rows := range files {
		if errs[w] != nil {
			t.Fatalf("fold file %d: %v", w, errs[w])
		}
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
			t.Fatalf("file %d: the fixture quotes nothing: the test would prove little", w)
		}
		if !bytes.Equal(got[w], want) {
			t.Errorf("file %d: column fold differs from the rows folded whole:\n got  %s\n want %s", w, got[w], want)
		}
	}
}
