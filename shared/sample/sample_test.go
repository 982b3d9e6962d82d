package sample

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests compare with America/Chicago wherever they run
	"unicode"

	"github.com/civicpulse/civicpulse/shared/config"
)

// text is one piece of resident feedback read back from the generated files.
type text struct {
	quarter int // 0..7
	source  string
	body    string
}

// dataset is the default sample city read back as a consumer would.
type dataset struct {
	files   []File
	texts   []text
	surveys []surveyExport
	tweets  []twitterPage
}

type surveyExport struct {
	key     string
	quarter int
	rows    [][]string // data rows, header rows excluded
	lines   []int      // the file line each data row starts on
}

type twitterPage struct {
	key     string
	quarter int // of the month in the key
	page    searchResponse
}

// searchResponse is the documented shape of an X API v2 search response, written here apart
// from the generator's own types so that decoding with DisallowUnknownFields checks it.
type searchResponse struct {
	Data []struct {
		ID            string `json:"id"`
		Text          string `json:"text"`
		AuthorID      string `json:"author_id"`
		CreatedAt     string `json:"created_at"`
		Lang          string `json:"lang"`
		PublicMetrics struct {
			RetweetCount *int `json:"retweet_count"`
			ReplyCount   *int `json:"reply_count"`
			LikeCount    *int `json:"like_count"`
			QuoteCount   *int `json:"quote_count"`
		} `json:"public_metrics"`
		ConversationID      string   `json:"conversation_id"`
		EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	} `json:"data"`
	Includes struct {
		Users []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

var defaultData = sync.OnceValues(func() (*dataset, error) {
	files, err := Generate(DefaultSeed)
	if err != nil {
		return nil, err
	}
	return readDataset(files)
})

func loadDefault(t *testing.T) *dataset {
	t.Helper()
	d, err := defaultData()
	if err != nil {
		t.Fatalf("Generate(DefaultSeed): %v", err)
	}
	return d
}

// quarterOfKey returns the index of the quarter whose label (FY2025-Q2) or month
// (2024-10-01) the key names.
func quarterOfKey(key string) int {
	for i := range quarters {
		q := quarterAt(i)
		if strings.Contains(key, q.label()) {
			return i
		}
		for m := q.start; m.Before(q.end); m = m.AddDate(0, 1, 0) {
			if strings.Contains(key, "search-"+m.Format("2006-01")) {
				return i
			}
		}
	}
	return -1
}

func readDataset(files []File) (*dataset, error) {
	d := &dataset{files: files}
	for _, f := range files {
		q := quarterOfKey(f.Key)
		switch {
		case strings.HasPrefix(f.Key, "inbox/resident_survey/"):
			cr := csv.NewReader(bytes.NewReader(f.Data))
			cr.FieldsPerRecord = -1
			s := surveyExport{key: f.Key, quarter: q}
			for n := 0; ; n++ {
				rec, err := cr.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.Key, err)
				}
				if n < 2 {
					continue
				}
				line, _ := cr.FieldPos(0)
				s.rows = append(s.rows, rec)
				s.lines = append(s.lines, line)
				if len(rec) == 13 && rec[12] != "" {
					d.texts = append(d.texts, text{quarter: q, source: "survey", body: rec[12]})
				}
			}
			d.surveys = append(d.surveys, s)
		case strings.HasPrefix(f.Key, "inbox/twitter/"):
			dec := json.NewDecoder(bytes.NewReader(f.Data))
			dec.DisallowUnknownFields()
			var p searchResponse
			if err := dec.Decode(&p); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Key, err)
			}
			if dec.More() {
				return nil, fmt.Errorf("%s: more than one JSON value", f.Key)
			}
			d.tweets = append(d.tweets, twitterPage{key: f.Key, quarter: q, page: p})
			for _, tw := range p.Data {
				if tw.Text != "" {
					body := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(tw.Text)
					d.texts = append(d.texts, text{quarter: q, source: "twitter", body: body})
				}
			}
		}
	}
	return d, nil
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a := loadDefault(t).files
	b, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Generate(DefaultSeed + 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("same seed: got %d and %d files; want the same", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("same seed: file %d differs (%s, %s); want identical bytes", i, a[i].Key, b[i].Key)
		}
	}
	differ := 0
	for i := range min(len(a), len(c)) {
		if a[i].Key != c[i].Key || !bytes.Equal(a[i].Data, c[i].Data) {
			differ++
		}
	}
	// city.yaml is the same whatever the seed; every export differs.
	if want := len(a) - 1; differ < want {
		t.Errorf("seed %d vs %d: got %d differing files; want at least %d", DefaultSeed, DefaultSeed+1, differ, want)
	}
}

func TestGenerateLayout(t *testing.T) {
	t.Parallel()
	d := loadDefault(t)
	if !slices.IsSortedFunc(d.files, func(x, y File) int { return strings.Compare(x.Key, y.Key) }) {
		t.Errorf("files are not sorted by key")
	}
	if d.files[0].Key != ConfigKey || !bytes.Equal(d.files[0].Data, CityYAML) {
		t.Errorf("first file: got %q; want city.yaml holding CityYAML", d.files[0].Key)
	}
	c, err := config.Load(bytes.NewReader(d.files[0].Data), "city.yaml")
	if err != nil {
		t.Fatalf("city.yaml does not load: %v", err)
	}
	if got, want := c.Location().String(), "America/Chicago"; got != want {
		t.Errorf("time zone: got %s; want %s", got, want)
	}
	seen := map[string]bool{}
	for _, f := range d.files {
		if seen[f.Key] {
			t.Errorf("key %s appears twice", f.Key)
		}
		seen[f.Key] = true
		if f.Key != ConfigKey && quarterOfKey(f.Key) < 0 {
			t.Errorf("key %s: names no generated quarter", f.Key)
		}
	}
	if got, want := len(d.surveys), quarters; got != want {
		t.Errorf("survey exports: got %d; want %d", got, want)
	}
	for i := range quarters {
		key := fmt.Sprintf("inbox/resident_survey/springfield-resident-survey-%s.csv", quarterAt(i).label())
		if !seen[key] {
			t.Errorf("missing %s", key)
		}
	}
}

// TestChicagoToUTC checks the built-in daylight saving rules against the time zone database.
func TestChicagoToUTC(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for d := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2027; d = d.Add(37 * time.Minute) {
		// Between 1:00 and 3:00 on the days the clocks change, a wall clock time may not exist
		// or may exist twice; Generate draws few times there and either reading is in the quarter.
		_, midnight := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).Zone()
		_, evening := time.Date(d.Year(), d.Month(), d.Day(), 23, 0, 0, 0, loc).Zone()
		if midnight != evening && d.Hour() >= 1 && d.Hour() < 3 {
			continue
		}
		want := time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), 0, 0, loc)
		if got := chicagoToUTC(d); !got.Equal(want) {
			t.Errorf("chicagoToUTC(%s): got %s; want %s", d.Format("2006-01-02 15:04"), got, want.UTC())
		}
		checked++
	}
	if checked < 30000 {
		t.Errorf("checked %d times; want over 30000", checked)
	}
}

func TestSurveyExports(t *testing.T) {
	t.Parallel()
	d := loadDefault(t)
	header1 := []string{"RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address",
		"Email Address", "First Name", "Last Name", "Custom Data 1", questionSatisfaction,
		questionRecommend, questionDistrict, questionImprove}
	header2 := []string{"", "", "", "", "", "", "", "", "", "Response", "Response", "Response", "Open-Ended Response"}
	ratings := []string{"Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Dissatisfied", "Very dissatisfied"}
	districts := []string{"Downtown", "Northside", "Riverside", "East End", "Westgate"}
	ids := map[string]string{}
	reID := regexp.MustCompile(`^[1-9]\d{10}$`)
	for _, f := range d.files {
		if !strings.HasPrefix(f.Key, "inbox/resident_survey/") {
			continue
		}
		cr := csv.NewReader(bytes.NewReader(f.Data))
		cr.FieldsPerRecord = -1
		h1, _ := cr.Read()
		h2, _ := cr.Read()
		if !slices.Equal(h1, header1) {
			t.Errorf("%s: header row 1: got %q; want %q", f.Key, h1, header1)
		}
		if !slices.Equal(h2, header2) {
			t.Errorf("%s: header row 2: got %q; want %q", f.Key, h2, header2)
		}
		if !bytes.HasPrefix(f.Data, []byte("RespondentID,CollectorID,StartDate,EndDate,IP Address,Email Address,First Name,Last Name,Custom Data 1,\"Overall,")) {
			t.Errorf("%s: does not begin as a SurveyMonkey export", f.Key)
		}
	}
	for _, s := range d.surveys {
		q := quarterAt(s.quarter)
		if n := len(s.rows); n < 250 || n > 350 {
			t.Errorf("%s: got %d responses; want 250..350", s.key, n)
		}
		var prevID int64 = 1 << 62
		for i, rec := range s.rows {
			row := i + 1
			where := fmt.Sprintf("%s row %d (line %d)", s.key, row, s.lines[i])
			if s.key == badSurveyKey && row == badRaggedRow {
				if len(rec) != 12 || s.lines[i] != row+2 {
					t.Errorf("%s: planted ragged row: got %d fields on line %d; want 12 on line %d", where, len(rec), s.lines[i], row+2)
				}
				continue
			}
			if len(rec) != 13 {
				t.Errorf("%s: got %d fields; want 13", where, len(rec))
				continue
			}
			if !reID.MatchString(rec[0]) {
				t.Errorf("%s: RespondentID %q; want 11 digits", where, rec[0])
			}
			if prev, dup := ids[rec[0]]; dup {
				t.Errorf("%s: RespondentID %s also in %s", where, rec[0], prev)
			}
			ids[rec[0]] = where
			id, _ := strconv.ParseInt(rec[0], 10, 64)
			if id >= prevID {
				t.Errorf("%s: RespondentID %d not below the row before; want newest first", where, id)
			}
			prevID = id
			if len(rec[1]) != 9 {
				t.Errorf("%s: CollectorID %q; want 9 digits", where, rec[1])
			}
			start, err1 := time.Parse(surveyTimeLayout, rec[2])
			end, err2 := time.Parse(surveyTimeLayout, rec[3])
			if s.key == badSurveyKey && row == badSurveyDate {
				if err1 == nil || err2 == nil {
					t.Errorf("%s: planted bad date parses: %q, %q", where, rec[2], rec[3])
				}
				continue
			}
			if err1 != nil || err2 != nil {
				t.Errorf("%s: dates %q, %q: %v %v", where, rec[2], rec[3], err1, err2)
				continue
			}
			if start.Before(q.start) || !end.Before(q.end) {
				t.Errorf("%s: %s..%s outside %s", where, rec[2], rec[3], q.label())
			}
			if dur := end.Sub(start); dur <= 0 || dur > time.Hour {
				t.Errorf("%s: EndDate %s minus StartDate %s is %v; want a few minutes", where, rec[3], rec[2], dur)
			}
			if !slices.Contains(ratings, rec[9]) {
				t.Errorf("%s: satisfaction %q", where, rec[9])
			}
			if n, err := strconv.Atoi(rec[10]); err != nil || n < 0 || n > 10 {
				t.Errorf("%s: recommend %q; want 0..10", where, rec[10])
			}
			if !slices.Contains(districts, rec[11]) {
				t.Errorf("%s: district %q", where, rec[11])
			}
		}
	}
	if n := len(ids); n < 2000 {
		t.Errorf("got %d respondents in all; want over 2000", n)
	}
}

func TestTwitterPages(t *testing.T) {
	t.Parallel()
	d := loadDefault(t)
	reID := regexp.MustCompile(`^[1-9]\d{18}$`)
	ids := map[string]string{}
	users := map[string]string{} // author id -> username, stable across pages
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	perQuarter := make([]int, quarters)
	planted := 0
	for i, tp := range d.tweets {
		p := tp.page
		q := quarterAt(tp.quarter)
		from := time.Date(q.start.Year(), q.start.Month(), 1, 0, 0, 0, 0, loc)
		to := time.Date(q.end.Year(), q.end.Month(), 1, 0, 0, 0, 0, loc)
		if got := len(p.Data); got == 0 || got > 100 || p.Meta.ResultCount != got {
			t.Errorf("%s: %d tweets, result_count %d; want 1..100 and equal", tp.key, got, p.Meta.ResultCount)
			continue
		}
		batch := func(key string) string { b, _, _ := strings.Cut(key, "-p"); return b }
		lastOfBatch := i+1 == len(d.tweets) || batch(d.tweets[i+1].key) != batch(tp.key)
		if hasNext := p.Meta.NextToken != ""; hasNext == lastOfBatch {
			t.Errorf("%s: next_token %q; want one on all but the last page of the month", tp.key, p.Meta.NextToken)
		}
		if !lastOfBatch && len(p.Data) != 100 {
			t.Errorf("%s: %d tweets on a page that has a next one; want 100", tp.key, len(p.Data))
		}
		if p.Meta.NewestID != p.Data[0].ID || p.Meta.OldestID != p.Data[len(p.Data)-1].ID {
			t.Errorf("%s: meta newest/oldest %s/%s; want first and last ids", tp.key, p.Meta.NewestID, p.Meta.OldestID)
		}
		included := map[string]bool{}
		for _, u := range p.Includes.Users {
			included[u.ID] = true
			if prev, ok := users[u.ID]; ok && prev != u.Username {
				t.Errorf("%s: author %s is @%s here and @%s before", tp.key, u.ID, u.Username, prev)
			}
			users[u.ID] = u.Username
		}
		var prevID uint64 = 1<<64 - 1
		for j, tw := range p.Data {
			where := fmt.Sprintf("%s data[%d]", tp.key, j)
			if !reID.MatchString(tw.ID) {
				t.Errorf("%s: id %q; want 19 digits", where, tw.ID)
			}
			if prev, dup := ids[tw.ID]; dup {
				t.Errorf("%s: id %s also at %s", where, tw.ID, prev)
			}
			ids[tw.ID] = where
			id, _ := strconv.ParseUint(tw.ID, 10, 64)
			if id >= prevID {
				t.Errorf("%s: id %d not below the one before; want newest first", where, id)
			}
			prevID = id
			if !included[tw.AuthorID] {
				t.Errorf("%s: author %s not in includes.users", where, tw.AuthorID)
			}
			if tw.Lang != "en" || !reID.MatchString(tw.ConversationID) || !slices.Equal(tw.EditHistoryTweetIDs, []string{tw.ID}) {
				t.Errorf("%s: lang %q, conversation_id %q, edit history %q", where, tw.Lang, tw.ConversationID, tw.EditHistoryTweetIDs)
			}
			if m := tw.PublicMetrics; m.LikeCount == nil || m.RetweetCount == nil || m.ReplyCount == nil || m.QuoteCount == nil {
				t.Errorf("%s: public_metrics incomplete", where)
			}
			if tp.key == badTweetKey && j == badTextIndex {
				planted++
				if tw.Text != "" {
					t.Errorf("%s: planted empty text is %q", where, tw.Text)
				}
				continue
			}
			if tw.Text == "" || len([]rune(tw.Text)) > 280 {
				t.Errorf("%s: text of %d characters; want 1..280", where, len([]rune(tw.Text)))
			}
			created, err := time.Parse(time.RFC3339, tw.CreatedAt)
			if tp.key == badTweetKey && j == badDateIndex {
				planted++
				if err == nil {
					t.Errorf("%s: planted bad created_at %q parses", where, tw.CreatedAt)
				}
				continue
			}
			if err != nil || !strings.HasSuffix(tw.CreatedAt, ".000Z") {
				t.Errorf("%s: created_at %q: %v", where, tw.CreatedAt, err)
				continue
			}
			if created.Before(from) || !created.Before(to) {
				t.Errorf("%s: created_at %s outside %s (%s..%s)", where, tw.CreatedAt, q.label(), from, to)
			}
			// A snowflake id carries its creation time.
			if ms := int64(id>>22) + twitterEpoch; ms/1000 != created.Unix() {
				t.Errorf("%s: id time %d ms; created_at %s", where, ms, tw.CreatedAt)
			}
			perQuarter[tp.quarter]++
		}
	}
	if planted != 2 {
		t.Errorf("planted bad tweets found: got %d; want 2 in %s", planted, badTweetKey)
	}
	for i, n := range perQuarter {
		if n < 1000 || n > 1600 {
			t.Errorf("%s: got %d tweets; want 1000..1600", quarterAt(i).label(), n)
		}
	}
	if n := len(users); n < 300 || n > 420 {
		t.Errorf("got %d distinct authors; want a pool of a few hundred", n)
	}
}

// matcher finds the taxonomy's topics in a text the way the config documents them: whole
// words or phrases, case-insensitive, a trailing * for any ending, exclude phrases veto.
type matcher struct {
	ids      []string
	keywords [][][]string // per topic, per keyword: its words; a last word ending in * is a prefix
	excludes [][][]string
}

// words splits s into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '*'
	})
}

func newMatcher(t testing.TB) *matcher {
	t.Helper()
	c, err := config.Load(bytes.NewReader(CityYAML), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	phrases := func(list []string) [][]string {
		var out [][]string
		for _, k := range list {
			out = append(out, words(k))
		}
		return out
	}
	m := &matcher{}
	for _, tp := range c.Topics {
		m.ids = append(m.ids, tp.ID)
		m.keywords = append(m.keywords, phrases(tp.Keywords))
		m.excludes = append(m.excludes, phrases(tp.Exclude))
	}
	return m
}

// matchAt reports whether phrase matches the words at i.
func matchAt(ws []string, i int, phrase []string) bool {
	if i+len(phrase) > len(ws) {
		return false
	}
	for j, p := range phrase {
		if prefix, ok := strings.CutSuffix(p, "*"); ok && j == len(phrase)-1 {
			if !strings.HasPrefix(ws[i+j], prefix) {
				return false
			}
		} else if ws[i+j] != p {
			return false
		}
	}
	return true
}

func (m *matcher) topics(s string) []string {
	lower := strings.ToLower(s)
	ws := words(strings.ReplaceAll(s, "*", " "))
	// present keeps the phrases whose first word occurs in s at all: most do not.
	present := func(list [][]string) [][]string {
		var out [][]string
		for _, p := range list {
			if strings.Contains(lower, strings.TrimSuffix(p[0], "*")) {
				out = append(out, p)
			}
		}
		return out
	}
	var out []string
	for ti, id := range m.ids {
		kws := present(m.keywords[ti])
		if len(kws) == 0 {
			continue
		}
		vetoed := make([]bool, len(ws))
		for _, ex := range present(m.excludes[ti]) {
			for i := range ws {
				if matchAt(ws, i, ex) {
					for j := range ex {
						vetoed[i+j] = true
					}
				}
			}
		}
	search:
		for i := range ws {
			for _, kw := range kws {
				if matchAt(ws, i, kw) && !slices.Contains(vetoed[i:i+len(kw)], true) {
					out = append(out, id)
					break search
				}
			}
		}
	}
	return out
}

// lexScore is a small VADER-like reading: positive words minus negative ones.
func lexScore(s string) int {
	neg := []string{"terrible", "awful", "horrible", "worst", "worse", "broken", "dangerous", "unsafe",
		"ridiculous", "disgusting", "filthy", "gross", "mess", "nightmare", "unacceptable", "pathetic",
		"useless", "scary", "scared", "sad", "shameful", "cruel", "heartbreaking", "annoying", "miserable",
		"outrageous", "unbearable", "terrified", "hurt", "killed", "angry", "embarrassing",
		"disappointing", "disaster", "tired"}
	pos := []string{"great", "thank", "thanks", "love", "loved", "clean", "cleaner", "helpful", "amazing",
		"awesome", "appreciate", "nice", "nicest", "beautiful", "wonderful", "excellent", "impressed",
		"impressive", "happy", "glad", "good", "best", "proud", "fantastic", "grateful", "kind", "safer",
		"better", "reliable", "improvement", "progress"}
	score := 0
	for _, w := range words(s) {
		switch {
		case slices.Contains(pos, w):
			score++
		case slices.Contains(neg, w) || strings.HasPrefix(w, "frustrat"):
			score--
		}
	}
	return score
}

// TestTextBanks checks every sentence the generator composes from: it names its topic with the
// taxonomy's keywords (general chatter names none) and reads with its tone.
func TestTextBanks(t *testing.T) {
	t.Parallel()
	m := newMatcher(t)
	p := newPhrases()
	r := rand.New(rand.NewPCG(1, 2))
	for _, slot := range []string{"street", "place", "district", "dur", "when", "times", "food", "biz",
		"event", "team", "trade", "pet", "venue", "weekday", "weather", "favor"} {
		for _, v := range p.slot(slot) {
			if got := m.topics(v); len(got) > 0 {
				t.Errorf("{%s} value %q: got topics %v; want none", slot, v, got)
			}
		}
	}
	for tn := range 3 {
		for _, s := range slices.Concat(p.open[tn], p.follow[tn], p.butNeg, p.butPos, p.surveyGeneral[tn]) {
			if got := m.topics(s); len(got) > 0 {
				t.Errorf("generic phrase %q: got topics %v; want none", s, got)
			}
		}
		for _, s := range p.follow[tn] {
			if got := lexScore(s); (tn == int(toneNeg) && got >= 0) || (tn == int(tonePos) && got <= 0) || (tn == int(toneNeu) && got != 0) {
				t.Errorf("follow-up %q of tone %d: lexicon score %d", s, tn, got)
			}
		}
	}
	for k := range numKinds {
		b := &p.banks[k]
		for _, set := range []struct {
			name  string
			tmpls []string
			want  func(score int) bool
		}{
			{"neg", b.neg, func(s int) bool { return s < 0 }},
			{"pos", b.pos, func(s int) bool { return s > 0 }},
			{"neu", b.neu, func(int) bool { return true }},
			{"sarcasm", b.sarcasm, func(int) bool { return true }},
			{"suggest", b.suggest, func(int) bool { return true }},
		} {
			for _, tmpl := range set.tmpls {
				for range 8 {
					s := p.fill(r, tmpl)
					topics := m.topics(s)
					if want := k.topicID(); (want == "" && len(topics) > 0) || (want != "" && !slices.Contains(topics, want)) {
						t.Errorf("%s %s %q: got topics %v; want %q", k.topicID(), set.name, s, topics, want)
					}
					if score := lexScore(s); !set.want(score) {
						t.Errorf("%s %s %q: lexicon score %d", k.topicID(), set.name, s, score)
					}
					if strings.Contains(s, "{") {
						t.Errorf("%q: unfilled slot", s)
					}
				}
			}
		}
		// Composed texts keep their topic whatever decoration they get.
		for tn := range 3 {
			if len(b.neu) == 0 && tone(tn) == toneNeu || len(b.pos) == 0 && tone(tn) == tonePos {
				continue
			}
			for range 50 {
				for _, s := range []string{p.tweet(r, k, tone(tn)), p.answer(r, k, tone(tn), true)} {
					topics := m.topics(s)
					if want := k.topicID(); (want == "" && len(topics) > 0) || (want != "" && !slices.Contains(topics, want)) {
						t.Errorf("composed %s %q: got topics %v; want %q", k.topicID(), s, topics, want)
					}
				}
			}
		}
	}
}

// TestTrends measures the built-in trends in the generated files with keyword counts.
func TestTrends(t *testing.T) {
	t.Parallel()
	d := loadDefault(t)
	m := newMatcher(t)
	rePothole := regexp.MustCompile(`(?i)\bpothole`)
	var (
		volume, potholes, roads, snow, homeless, homelessNeg, general [quarters]int
	)
	for _, x := range d.texts {
		topics := m.topics(x.body)
		volume[x.quarter]++
		if rePothole.MatchString(x.body) {
			potholes[x.quarter]++
		}
		if slices.Contains(topics, "roads") {
			roads[x.quarter]++
		}
		if slices.Contains(topics, "snow") {
			snow[x.quarter]++
		}
		if slices.Contains(topics, "homelessness") {
			homeless[x.quarter]++
			if lexScore(x.body) < 0 {
				homelessNeg[x.quarter]++
			}
		}
		if len(topics) == 0 {
			general[x.quarter]++
		}
	}
	ratio := func(c [quarters]int, at int) float64 {
		var others float64
		for i, n := range c {
			if i != at {
				others += float64(n)
			}
		}
		return float64(c[at]) / (others / (quarters - 1))
	}
	for i := range quarters {
		t.Logf("%s: %4d texts, %3d pothole, %3d roads, %3d snow, homelessness %3d (%.0f%% negative), %3d no topic",
			quarterAt(i).label(), volume[i], potholes[i], roads[i], snow[i], homeless[i],
			100*float64(homelessNeg[i])/float64(homeless[i]), general[i])
	}
	spike := -1
	for i := range quarters {
		if quarterAt(i).potholeSpike() {
			spike = i
		}
	}
	if got := ratio(potholes, spike); got < 2 {
		t.Errorf("pothole mentions in %s: got %.2fx the other quarters' mean (%v); want at least 2x", quarterAt(spike).label(), got, potholes)
	}
	if got := ratio(roads, spike); got < 2 || got > 3.5 {
		t.Errorf("roads volume in %s: got %.2fx the other quarters' mean (%v); want 2x..3.5x", quarterAt(spike).label(), got, roads)
	}
	share := func(n, of int) float64 { return float64(n) / float64(of) }
	first, last := share(homelessNeg[0], homeless[0]), share(homelessNeg[quarters-1], homeless[quarters-1])
	if first < 0.65 || last > 0.45 || first-last < 0.25 {
		t.Errorf("homelessness negative share: got %.2f first, %.2f last; want about 0.75 falling to 0.35", first, last)
	}
	for i := 1; i < quarters; i++ {
		prev, cur := share(homelessNeg[i-1], homeless[i-1]), share(homelessNeg[i], homeless[i])
		if cur > prev+0.08 {
			t.Errorf("homelessness negative share rose from %.2f to %.2f in %s; want a steady fall", prev, cur, quarterAt(i).label())
		}
	}
	for i := range quarters {
		q := quarterAt(i)
		if q.winter() && snow[i] < 50 {
			t.Errorf("%s: got %d snow texts; want many in winter", q.label(), snow[i])
		}
		if !q.winter() && snow[i] != 0 {
			t.Errorf("%s: got %d snow texts; want none outside winter", q.label(), snow[i])
		}
		if share(general[i], volume[i]) < 0.10 {
			t.Errorf("%s: got %d of %d texts with no topic; want at least 10%%", q.label(), general[i], volume[i])
		}
	}
	if volume[quarters-1] <= volume[0] || volume[quarters-2] <= volume[1] {
		t.Errorf("volume: got %v; want growth over the eight quarters", volume)
	}

	// Survey: satisfaction rises, recommending follows satisfaction, districts are uneven.
	var topTwo [quarters]float64
	npsSum, npsN := [2]float64{}, [2]float64{}
	district := map[string]int{}
	for _, s := range d.surveys {
		var top, n int
		for _, rec := range s.rows {
			if len(rec) != 13 {
				continue
			}
			n++
			sat := rec[9] == "Very satisfied" || rec[9] == "Satisfied"
			if sat {
				top++
			}
			v, _ := strconv.Atoi(rec[10])
			if sat {
				npsSum[0] += float64(v)
				npsN[0]++
			} else if strings.Contains(rec[9], "issatisfied") && !strings.HasPrefix(rec[9], "Neither") {
				npsSum[1] += float64(v)
				npsN[1]++
			}
			district[rec[11]]++
		}
		topTwo[s.quarter] = share(top, n)
	}
	t.Logf("satisfaction top-two box by quarter: %.3f; districts: %v", topTwo, district)
	if topTwo[0] < 0.47 || topTwo[0] > 0.57 || topTwo[quarters-1] < 0.58 || topTwo[quarters-1] > 0.68 {
		t.Errorf("satisfaction top-two box: got %.3f first, %.3f last; want about 0.52 rising to 0.63", topTwo[0], topTwo[quarters-1])
	}
	if topTwo[quarters-1]-topTwo[0] < 0.06 {
		t.Errorf("satisfaction top-two box rose %.3f → %.3f; want a rise of at least 0.06", topTwo[0], topTwo[quarters-1])
	}
	if sat, dis := npsSum[0]/npsN[0], npsSum[1]/npsN[1]; sat-dis < 3 {
		t.Errorf("mean recommend score: got %.1f satisfied vs %.1f dissatisfied; want a gap of 3 or more", sat, dis)
	}
	for _, small := range []string{"Riverside", "East End", "Westgate"} {
		for _, big := range []string{"Downtown", "Northside"} {
			if district[big] <= district[small] {
				t.Errorf("districts: %s %d, %s %d; want Downtown and Northside the largest", big, district[big], small, district[small])
			}
		}
	}
}

// TestPII checks that a small share of texts carries personal data for redaction to remove.
func TestPII(t *testing.T) {
	t.Parallel()
	d := loadDefault(t)
	public := []string{"springfieldcity", "spfldpublicworks", "spfld311", "spfldtransit", "spfldparks", "springfieldpd"}
	var (
		reEmail   = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
		rePhone   = regexp.MustCompile(`(?:\(\d{3}\)\s?|\b\d{3}[\s.\-])\d{3}[\s.\-]\d{4}\b`)
		reAddress = regexp.MustCompile(`(?i)\b\d{1,6}\s+(?:[a-z0-9'\-]+\s+){1,3}(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl)\b`)
		reHandle  = regexp.MustCompile(`(?:^|[^A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})\b`)
	)
	counts := map[string]int{}
	withPII, cityMentions := 0, 0
	for _, x := range d.texts {
		found := false
		hasDigit := strings.ContainsAny(x.body, "0123456789")
		for _, c := range []struct {
			name string
			re   *regexp.Regexp
			pre  bool // worth running the regexp
		}{{"email", reEmail, strings.Contains(x.body, "@")}, {"phone", rePhone, hasDigit}, {"address", reAddress, hasDigit}} {
			if c.pre && c.re.MatchString(x.body) {
				counts[c.name]++
				found = true
			}
		}
		if !strings.Contains(x.body, "@") {
			if found {
				withPII++
			}
			continue
		}
		for _, h := range reHandle.FindAllStringSubmatch(x.body, -1) {
			if slices.Contains(public, strings.ToLower(h[1])) {
				cityMentions++
			} else {
				counts["handle"]++
				found = true
			}
		}
		if found {
			withPII++
		}
	}
	if got := float64(withPII) / float64(len(d.texts)); got < 0.02 || got > 0.06 {
		t.Errorf("texts with personal data: got %.1f%% (%v); want about 3%%", 100*got, counts)
	}
	for _, kind := range []string{"email", "phone", "address", "handle"} {
		if counts[kind] < 20 {
			t.Errorf("texts with a planted %s: got %d; want at least 20", kind, counts[kind])
		}
	}
	if cityMentions < 500 {
		t.Errorf("mentions of city accounts: got %d; want many", cityMentions)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(DefaultSeed); err != nil {
			b.Fatal(err)
		}
	}
}

type mapPutter map[string][]byte

func (m mapPutter) Put(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	m[key] = b
	return err
}

func TestInstall(t *testing.T) {
	got := mapPutter{}
	err := Install(context.Background(), got, DefaultSeed, func(key string) bool { return strings.HasSuffix(key, "FY2027-Q1.csv") })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[ConfigKey], CityYAML) || got["inbox/resident_survey/springfield-resident-survey-FY2027-Q1.csv"] == nil {
		t.Errorf("installed %d objects; want the config and the one survey kept", len(got))
	}
}
