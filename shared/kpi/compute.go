package kpi

import (
	"cmp"
	"slices"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Trend is how many quarters, ending with the reported one, a KPI's trend shows.
const Trend = 8

const maxQuoteCandidates = 50

// Computer folds scored feedback and survey answers into a quarter's KPIs. Feed it rows of
// the trend window (the quarter and the seven before it) in any order and split; duplicates
// by record id count once.
type Computer struct {
	city    *config.City
	cal     Calendar
	quarter Quarter

	partials map[string]map[Quarter]*Partial // KPI id -> quarter -> aggregate
	seen     map[string]bool                 // feedback ids and response/question pairs
	topics   map[string]*topicAgg
	sources  map[string]int64
	feedback int64
	resp     map[string]bool
}

type topicAgg struct {
	volume, pos, neg int64
	quotes           []table.ScoredFeedback
}

// NewComputer returns a computer for one quarter of a city.
func NewComputer(city *config.City, q Quarter) *Computer {
	return &Computer{
		city:     city,
		cal:      Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()},
		quarter:  q,
		partials: map[string]map[Quarter]*Partial{},
		seen:     map[string]bool{},
		topics:   map[string]*topicAgg{},
		sources:  map[string]int64{},
		resp:     map[string]bool{},
	}
}

// Calendar is the computer's fiscal calendar.
func (c *Computer) Calendar() Calendar { return c.cal }

// Window returns the quarters whose data the computer needs, oldest first.
func (c *Computer) Window() []Quarter {
	qs := make([]Quarter, Trend)
	for i := range qs {
		qs[i] = c.quarter.Add(i - Trend + 1)
	}
	return qs
}

func (c *Computer) inWindow(q Quarter) bool {
	return !q.Add(Trend-1).less(c.quarter) && !c.quarter.less(q)
}

func (q Quarter) less(o Quarter) bool { return q.FY < o.FY || q.FY == o.FY && q.Q < o.Q }

func (c *Computer) partial(id string, q Quarter) *Partial {
	m := c.partials[id]
	if m == nil {
		m = map[Quarter]*Partial{}
		c.partials[id] = m
	}
	p := m[q]
	if p == nil {
		p = &Partial{}
		m[q] = p
	}
	return p
}

// AddFeedback folds scored feedback rows in.
func (c *Computer) AddFeedback(rows []table.ScoredFeedback) {
	for i := range rows {
		r := &rows[i]
		q := c.cal.Of(r.CreatedAt)
		if !c.inWindow(q) || c.seen["f\x00"+r.ID] {
			continue
		}
		c.seen["f\x00"+r.ID] = true
		for _, k := range c.city.KPIs {
			if k.Kind == config.KindSatisfaction || !matchFeedback(k.Filter, r) {
				continue
			}
			p := c.partial(k.ID, q)
			p.N++
			switch r.SentimentLabel {
			case "positive":
				p.Pos++
			case "negative":
				p.Neg++
			}
		}
		if q == c.quarter {
			c.addCurrent(r)
		}
	}
}

func (c *Computer) addCurrent(r *table.ScoredFeedback) {
	c.feedback++
	c.sources[r.Source]++
	for _, t := range r.Topics {
		a := c.topics[t]
		if a == nil {
			a = &topicAgg{}
			c.topics[t] = a
		}
		a.volume++
		switch r.SentimentLabel {
		case "positive":
			a.pos++
		case "negative":
			a.neg++
		}
		if n := len([]rune(r.Text)); n >= 40 && n <= 320 {
			a.quotes = append(a.quotes, *r)
			if len(a.quotes) > 2*maxQuoteCandidates {
				sortQuotes(a.quotes)
				a.quotes = a.quotes[:maxQuoteCandidates]
			}
		}
	}
}

// AddAnswers folds survey answers in.
func (c *Computer) AddAnswers(rows []table.SurveyAnswer) {
	for i := range rows {
		a := &rows[i]
		q := c.cal.Of(a.SubmittedAt)
		key := "a\x00" + a.Source + "\x00" + a.ResponseID + "\x00" + a.QuestionID
		if !c.inWindow(q) || c.seen[key] {
			continue
		}
		c.seen[key] = true
		if q == c.quarter {
			c.resp[a.Source+"\x00"+a.ResponseID] = true
		}
		for _, k := range c.city.KPIs {
			if k.Kind != config.KindSatisfaction || !matchAnswer(k.Filter, a) || a.AnswerValue == nil || a.ScaleMax == nil {
				continue
			}
			w := a.Weight
			if w <= 0 {
				w = 1
			}
			p := c.partial(k.ID, q)
			p.N++
			p.SumW += w
			p.SumW2 += w * w
			if *a.AnswerValue >= *a.ScaleMax-1 { // top two boxes
				p.SumWY += w
			}
		}
	}
}

func matchFeedback(f config.Filter, r *table.ScoredFeedback) bool {
	if f.Source != "" && f.Source != r.Source || f.Channel != "" && f.Channel != r.Channel {
		return false
	}
	if f.District != "" && (r.District == nil || *r.District != f.District) {
		return false
	}
	return f.Topic == "" || slices.Contains(r.Topics, f.Topic)
}

func matchAnswer(f config.Filter, a *table.SurveyAnswer) bool {
	if f.Source != "" && f.Source != a.Source || f.Channel != "" && f.Channel != table.ChannelSurvey {
		return false
	}
	if f.District != "" && (a.District == nil || *a.District != f.District) {
		return false
	}
	return f.Question == a.QuestionID
}

// sortQuotes orders quote candidates: most engaged first, then the clearest sentiment, then id
// so that the choice is deterministic.
func sortQuotes(qs []table.ScoredFeedback) {
	slices.SortFunc(qs, func(a, b table.ScoredFeedback) int {
		ea, eb := int64(0), int64(0)
		if a.Engagement != nil {
			ea = *a.Engagement
		}
		if b.Engagement != nil {
			eb = *b.Engagement
		}
		if c := cmp.Compare(eb, ea); c != 0 {
			return c
		}
		if c := cmp.Compare(abs(b.Sentiment), abs(a.Sentiment)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Document returns the quarter's kpis.json.
func (c *Computer) Document(now time.Time) *Document {
	start, end := c.cal.Bounds(c.quarter)
	doc := &Document{
		City: c.city.Name, Quarter: c.quarter.String(), QuarterLabel: c.quarter.Label(),
		Start: start, End: end, TimeZone: c.city.Location().String(), ComputedAt: now.UTC(),
		Feedback: c.feedback, Responses: int64(len(c.resp)),
	}
	for _, k := range c.city.KPIs {
		doc.KPIs = append(doc.KPIs, c.result(k))
	}
	for id, a := range c.topics {
		label := id
		if t, ok := c.city.Topic(id); ok && t.Label != "" {
			label = t.Label
		}
		ts := TopicSummary{ID: id, Label: label, Volume: a.volume,
			NetSentiment:  float64(a.pos-a.neg) / float64(a.volume),
			NegativeShare: float64(a.neg) / float64(a.volume)}
		sortQuotes(a.quotes)
		authors := map[string]bool{}
		for _, q := range a.quotes {
			if len(ts.Quotes) == 3 {
				break
			}
			author := q.ID
			if q.AuthorKey != nil {
				author = *q.AuthorKey
			}
			if authors[author] {
				continue
			}
			authors[author] = true
			ts.Quotes = append(ts.Quotes, Quote{Text: q.Text, Source: q.Source, CreatedAt: q.CreatedAt, Sentiment: q.Sentiment})
		}
		doc.Topics = append(doc.Topics, ts)
	}
	slices.SortFunc(doc.Topics, func(a, b TopicSummary) int {
		return cmp.Or(cmp.Compare(b.Volume, a.Volume), cmp.Compare(a.ID, b.ID))
	})
	for s, n := range c.sources {
		doc.Sources = append(doc.Sources, SourceCount{Source: s, Count: n})
	}
	slices.SortFunc(doc.Sources, func(a, b SourceCount) int { return cmp.Compare(a.Source, b.Source) })
	return doc
}

func unitOf(kind string) string {
	switch kind {
	case config.KindVolume:
		return UnitCount
	case config.KindSatisfaction:
		return UnitShare
	}
	return UnitScore
}

func (c *Computer) result(k config.KPI) Result {
	r := Result{ID: k.ID, Label: k.Label, Kind: k.Kind, Unit: unitOf(k.Kind), Owner: k.Owner,
		Topic: k.Filter.Topic, Direction: k.Direction, Target: k.Target, MinN: int64(k.MinN)}
	est := func(q Quarter) estimate {
		if p := c.partials[k.ID][q]; p != nil {
			return estimateOf(k.Kind, *p)
		}
		if k.Kind == config.KindVolume {
			return estimate{value: 0, n: 0, ok: true} // no records is a count of zero
		}
		return estimate{}
	}
	cur, prev, yearAgo := est(c.quarter), est(c.quarter.Add(-1)), est(c.quarter.Add(-4))
	r.N = cur.n
	if cur.ok {
		lo, hi := cur.interval(k.Kind)
		r.Value, r.CILow, r.CIHigh = ptr(cur.value), ptr(lo), ptr(hi)
	}
	if prev.ok {
		r.Previous = ptr(prev.value)
	}
	if yearAgo.ok {
		r.YearAgo = ptr(yearAgo.value)
	}
	r.Test = testName(k.Kind)
	if cur.ok && prev.ok {
		r.Change = ptr(cur.value - prev.value)
		if p, ok := changeTest(cur, prev); ok && cur.n >= int64(k.MinN) && prev.n >= int64(k.MinN) {
			r.PValue = ptr(p)
			r.ChangeSignificant = p < 0.05
		}
	}
	r.Status = status(k, r)
	for _, q := range c.Window() {
		e := est(q)
		pt := Point{Quarter: q.String(), N: e.n}
		if e.ok {
			pt.Value = ptr(e.value)
		}
		r.Trend = append(r.Trend, pt)
	}
	return r
}

func testName(kind string) string {
	switch kind {
	case config.KindVolume:
		return "two-sided z test of two Poisson counts"
	case config.KindSatisfaction:
		return "two-sided z test of weighted proportions (Kish effective n)"
	}
	return "two-sided z test of the difference in net sentiment"
}

// status compares the value with the target in the KPI's direction; at_risk when the 95%
// interval straddles the target, no_data below the minimum sample.
func status(k config.KPI, r Result) string {
	if r.Value == nil || r.N < int64(k.MinN) || (r.N == 0 && k.Kind != config.KindVolume) {
		return StatusNoData
	}
	if *r.CILow < k.Target && k.Target < *r.CIHigh {
		return StatusAtRisk
	}
	meets := *r.Value >= k.Target
	if k.Direction == config.LowerIsBetter {
		meets = *r.Value <= k.Target
	}
	if meets {
		return StatusMet
	}
	return StatusMissed
}

func ptr[T any](v T) *T { return &v }

// Rows returns the kpis table rows of a document.
func Rows(doc *Document) []table.KPI {
	rows := make([]table.KPI, len(doc.KPIs))
	for i, r := range doc.KPIs {
		rows[i] = table.KPI{
			Quarter: doc.Quarter, KPIID: r.ID, Label: r.Label, Value: r.Value, CILow: r.CILow, CIHigh: r.CIHigh,
			N: r.N, PreviousValue: r.Previous, Change: r.Change, ChangeSignificant: r.ChangeSignificant,
			YearAgoValue: r.YearAgo, Target: r.Target, Status: r.Status, Owner: r.Owner, ComputedAt: doc.ComputedAt,
		}
	}
	return rows
}
