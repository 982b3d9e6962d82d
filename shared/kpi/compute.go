package kpi

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Trend is how many quarters, ending with the reported one, a KPI's trend shows.
const Trend = 8

// baseline is how many quarters before the reported one emerging topics compare against.
const baseline = 4

const maxQuoteCandidates = 50

// Computer folds scored feedback and survey answers into a quarter's KPIs. Feed it rows of
// the trend window (the quarter and the seven before it) in any order and split; duplicates
// by record id count once.
//
// A Computer is also the mergeable partial aggregate of the stage: give each partition of the
// data its own Computer and Merge them; the merged Document equals the single pass exactly,
// because every part is an integer count, a set, or a list that is sorted before any sum is
// taken. Partitions must not share records (the lake's record ids are unique per table and a
// record's partition is fixed by its source and month).
type Computer struct {
	city    *config.City
	cal     Calendar
	quarter Quarter

	partials map[string]map[Quarter]*partial // KPI id -> quarter -> aggregate of feedback
	seen     map[uint64]struct{}             // hashes of feedback ids
	totals   [Trend]int64                    // all feedback records of each quarter of the window
	topics   map[string]*topicAgg
	phrases  map[string]*phraseAgg // keyphrase counts, but for those in phraseRuns (phrases.go)
	sources  map[string]int64
	source   string       // the source of the last record of the quarter, and
	nSource  int64        // how many records of it came in a row, not yet in sources
	sv       surveys      // survey responses (survey.go)
	rc       rowCandidate // the row being folded: reused, not allocated per row
	// DeferPhraseQuotes: keyphrases keep no quote candidates until QuotePhrases names the
	// emerging ones, wanted.
	deferPhrases bool
	wanted       map[string]bool
	phraseRuns   phraseRuns // keyphrase counts spilled out of phrases (phrases.go)

	// Set up by NewComputer for AddFeedback's inner loop.
	window   []Quarter         // Window()
	bounds   []int64           // epoch millis: window[i] is [bounds[i], bounds[i+1])
	feedback []int             // indexes in city.KPIs of the feedback KPIs
	cache    [][Trend]*partial // [feedback KPI][window index]: the partials of c.partials
}

// partial is the aggregate of one feedback KPI over one quarter.
type partial struct {
	n, pos, neg int64
	authors     hashSet   // unique_contributors: hashes of author keys
	days        durations // time_to_close: from created to closed
}

type topicAgg struct {
	volume, pos, neg int64
	quotes           quoteList
}

// quoteList keeps the best quote candidates seen: at least the top maxQuoteCandidates, and
// once it has cut to those, it skips (without copying) any record that sorts after the last
// one kept, which could never be among the final top.
type quoteList struct {
	qs    []*candidate // shared by the lists of the row's topics and keyphrases
	full  bool
	worst *candidate
}

func (l *quoteList) add(rc *rowCandidate) {
	r := rc.r
	if len(r.Text) < 40 {
		return // not quotable (see quotable): the rows of a reader that defers the text
	}
	// Both tests only filter: the cheap comparison with the worst kept goes first.
	if l.full {
		probe := candidate{id: r.ID, sentiment: r.Sentiment}
		if r.Engagement != nil {
			probe.engagement = *r.Engagement
		}
		if compareQuotesAt(&probe, l.worst) >= 0 {
			return
		}
	}
	cd, ok := rc.get()
	if !ok {
		return
	}
	l.qs = append(l.qs, cd)
	if len(l.qs) > 2*maxQuoteCandidates {
		l.cut()
	}
}

// mayTake reports whether r could enter the list whatever its id and text: what a reader
// that has not read them yet asks. An empty id sorts before every other, so a tie on
// engagement and sentiment with the worst kept answers yes.
func (l *quoteList) mayTake(r *table.ScoredFeedback) bool {
	if !l.full {
		return true
	}
	probe := candidate{sentiment: r.Sentiment}
	if r.Engagement != nil {
		probe.engagement = *r.Engagement
	}
	return compareQuotesAt(&probe, l.worst) < 0
}

func (l *quoteList) cut() {
	sortQuotes(l.qs)
	if len(l.qs) > maxQuoteCandidates {
		clear(l.qs[maxQuoteCandidates:]) // let the dropped candidates go
		l.qs = l.qs[:maxQuoteCandidates]
		l.full, l.worst = true, l.qs[maxQuoteCandidates-1]
	}
}

func (l *quoteList) merge(o quoteList) {
	l.qs = append(l.qs, o.qs...)
	l.cut()
}

// rowCandidate is the candidate of one row, made (and its strings copied) once for all the
// quote lists the row enters: a row is offered to the list of each of its topics and
// keyphrases, and a copy of its text per list made the quote candidates most of the stage's
// memory on a million rows.
type rowCandidate struct {
	r    *table.ScoredFeedback
	cd   *candidate
	made bool
}

func (rc *rowCandidate) get() (*candidate, bool) {
	if !rc.made {
		rc.made = true
		if quotable(rc.r) {
			cd := candidateOf(rc.r)
			rc.cd = &cd
		}
	}
	return rc.cd, rc.cd != nil
}

// candidate is a record that may be quoted.
type candidate struct {
	id, text, source, author string
	createdAt                time.Time
	sentiment                float64
	engagement               int64
}

// Option configures a Computer.
type Option func(*Computer)

// UniqueIDs tells the computer that no feedback id occurs twice in its input, as in the
// lake's scored table (ingest drops duplicates and object names are derived from their
// input), so it need not remember every id: that set is most of the memory of a quarter of
// ten million records.
func UniqueIDs() Option { return func(c *Computer) { c.seen = nil } }

// NewComputer returns a computer for one quarter of a city.
func NewComputer(city *config.City, q Quarter, opts ...Option) *Computer {
	c := &Computer{
		city:     city,
		cal:      Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()},
		quarter:  q,
		partials: map[string]map[Quarter]*partial{},
		seen:     map[uint64]struct{}{},
		topics:   map[string]*topicAgg{},
		phrases:  map[string]*phraseAgg{},
		sources:  map[string]int64{},
	}
	for _, o := range opts {
		o(c)
	}
	c.window = c.Window()
	for _, q := range c.window {
		start, _ := c.cal.Bounds(q)
		c.bounds = append(c.bounds, start.UnixMilli())
	}
	_, end := c.cal.Bounds(q)
	c.bounds = append(c.bounds, end.UnixMilli())
	for i, k := range city.KPIs {
		if !config.SurveyKind(k.Kind) {
			c.feedback = append(c.feedback, i)
		}
	}
	c.cache = make([][Trend]*partial, len(c.feedback))
	return c
}

// windowIndex returns the index in the window of the quarter of t, or -1 outside it. Rows
// within a day of a quarter's bound take Calendar.Of, so that a zone whose midnight is
// skipped or repeated still cuts quarters exactly as Of does.
func (c *Computer) windowIndex(t time.Time) int {
	const day = 86400000
	ms, n := t.UnixMilli(), len(c.bounds)
	if ms < c.bounds[0]-day || ms >= c.bounds[n-1]+day {
		return -1
	}
	i := n - 1
	for i >= 0 && ms < c.bounds[i] {
		i--
	}
	if i >= 0 && i < n-1 && ms-c.bounds[i] >= day && c.bounds[i+1]-ms > day {
		return i
	}
	q := c.cal.Of(t)
	if !c.inWindow(q) {
		return -1
	}
	return Trend - 1 - c.back(q)
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

// back is how many quarters q is before the computer's quarter.
func (c *Computer) back(q Quarter) int { return (c.quarter.FY*4 + c.quarter.Q) - (q.FY*4 + q.Q) }

func (c *Computer) partial(id string, q Quarter) *partial {
	m := c.partials[id]
	if m == nil {
		m = map[Quarter]*partial{}
		c.partials[id] = m
	}
	p := m[q]
	if p == nil {
		p = &partial{}
		m[q] = p
	}
	return p
}

// hashSeed seeds hash, once a process: computers merged with each other hash alike.
var hashSeed = maphash.MakeSeed()

// hash is the 64-bit hash ids and author keys are counted by: maphash, the runtime's
// AES-based string hash (byte-at-a-time FNV-1a was 5% of the stage on 40-byte author keys).
// With a million distinct keys the chance of any collision is about 3·10⁻⁸; the prefix keeps
// the kinds of key apart.
func hash(prefix byte, s string) uint64 {
	return maphash.String(hashSeed, s) ^ uint64(prefix)<<56
}

// AddFeedback folds scored feedback rows in.
func (c *Computer) AddFeedback(rows []table.ScoredFeedback) {
	for i := range rows {
		c.FoldRow(&rows[i])
	}
}

// FoldRow folds one row in, as AddFeedback, and returns MayQuote of the row, which it finds
// on the way.
func (c *Computer) FoldRow(r *table.ScoredFeedback) (mayQuote bool) {
	wi := c.windowIndex(r.CreatedAt)
	if wi < 0 {
		return false
	}
	q := c.window[wi]
	if c.seen != nil {
		h := hash('f', r.ID)
		if _, dup := c.seen[h]; dup {
			return false
		}
		c.seen[h] = struct{}{}
	}
	c.totals[wi]++
	for fi, ki := range c.feedback {
		k := &c.city.KPIs[ki]
		if !matchFeedback(k, r) {
			continue
		}
		p := c.cache[fi][wi]
		if p == nil {
			p = c.partial(k.ID, q)
			c.cache[fi][wi] = p
		}
		switch k.Kind {
		case config.KindUniqueContributors:
			if r.AuthorKey == nil {
				continue
			}
			p.authors.add(hash('a', *r.AuthorKey))
			p.n++
		case config.KindTimeToClose:
			if r.ClosedAt == nil || r.ClosedAt.Before(r.CreatedAt) {
				continue
			}
			if p.days.add(r.ClosedAt.UnixMilli() - r.CreatedAt.UnixMilli()) {
				p.days.spillRun()
			}
			p.n++
		default:
			p.n++
			switch r.SentimentLabel {
			case "positive":
				p.pos++
			case "negative":
				p.neg++
			}
		}
	}
	c.rc = rowCandidate{r: r}
	rc := &c.rc
	if b := c.back(q); b <= baseline {
		mayQuote = c.addPhrases(rc, b)
	}
	if q == c.quarter {
		mayQuote = c.addCurrent(rc) || mayQuote
	}
	return mayQuote
}

const msPerDay = 86400000

// MayQuote reports whether a row, folded by AddFeedback without its id and text, could be
// quoted: whether it could enter the quote candidates of one of its topics or keyphrases.
// A reader that reads the (large) id and text columns only for such rows, and passes those
// rows, complete, to AddQuotes once their rows are folded, gets the Document it would have
// got from AddFeedback of the complete rows: a row without text is never a candidate, and
// the lists only grow more selective, so a row MayQuote turns away would have been skipped.
// Rows without ids need a computer made with UniqueIDs.
func (c *Computer) MayQuote(r *table.ScoredFeedback) bool {
	if c.windowIndex(r.CreatedAt) != Trend-1 {
		return false // only the reported quarter is quoted
	}
	if c.wanted != nil { // the second pass of DeferPhraseQuotes: the emerging phrases only
		for _, kp := range r.Keyphrases {
			if p := normPhrase(kp); c.wanted[p] && c.phrases[p].mayTake(r) {
				return true
			}
		}
		return false
	}
	for _, t := range r.Topics {
		if a := c.topics[t]; a == nil || a.quotes.mayTake(r) {
			return true
		}
	}
	if c.deferPhrases {
		return false
	}
	for _, kp := range r.Keyphrases {
		if a := c.phrases[normPhrase(kp)]; a == nil || a.mayTake(r) {
			return true
		}
	}
	return false
}

// Current is the number of records of the reported quarter folded so far.
func (c *Computer) Current() int64 { return c.totals[Trend-1] }

// AddQuotes offers complete rows, already folded by AddFeedback without their text, as
// quote candidates (see MayQuote); it counts nothing.
func (c *Computer) AddQuotes(rows []table.ScoredFeedback) {
	for i := range rows {
		r := &rows[i]
		if c.windowIndex(r.CreatedAt) != Trend-1 {
			continue
		}
		c.rc = rowCandidate{r: r}
		rc := &c.rc
		if c.wanted != nil {
			c.eachPhrase(r, func(p string, a *phraseAgg) {
				if c.wanted[p] {
					a.list().add(rc)
				}
			})
			continue
		}
		for _, t := range r.Topics {
			if a := c.topics[t]; a != nil {
				a.quotes.add(rc)
			}
		}
		if !c.deferPhrases {
			c.eachPhrase(r, func(_ string, a *phraseAgg) { a.list().add(rc) })
		}
	}
}

func candidateOf(r *table.ScoredFeedback) candidate {
	// Clone what is kept: a streaming reader may reuse the memory of the rows it hands over.
	cd := candidate{id: strings.Clone(r.ID), text: strings.Clone(r.Text), source: strings.Clone(r.Source), createdAt: r.CreatedAt, sentiment: r.Sentiment}
	cd.author = cd.id
	if r.AuthorKey != nil {
		cd.author = strings.Clone(*r.AuthorKey)
	}
	if r.Engagement != nil {
		cd.engagement = *r.Engagement
	}
	return cd
}

func quotable(r *table.ScoredFeedback) bool {
	if len(r.Text) < 40 || len(r.Text) > 4*320 {
		return false
	}
	n := utf8.RuneCountInString(r.Text)
	return n >= 40 && n <= 320
}

func (c *Computer) addCurrent(rc *rowCandidate) (mayQuote bool) {
	r := rc.r
	// Rows come an object, and so a source, at a time: count runs, not rows, in the map.
	if r.Source != c.source {
		c.flushSource()
		c.source = strings.Clone(r.Source)
	}
	c.nSource++
	for _, t := range r.Topics {
		a := c.topics[t]
		if a == nil {
			a = &topicAgg{}
			c.topics[strings.Clone(t)] = a
		}
		a.volume++
		switch r.SentimentLabel {
		case "positive":
			a.pos++
		case "negative":
			a.neg++
		}
		a.quotes.add(rc)
		mayQuote = mayQuote || a.quotes.mayTake(r)
	}
	return mayQuote
}

func (c *Computer) flushSource() {
	if c.nSource > 0 {
		c.sources[c.source] += c.nSource
		c.nSource = 0
	}
}

// Merge folds another computer's aggregate (of other records) into c.
func (c *Computer) Merge(o *Computer) error {
	if o.quarter != c.quarter || o.city != c.city {
		return fmt.Errorf("merge kpi aggregates: %s of %s into %s of %s", o.quarter, o.city.Name, c.quarter, c.city.Name)
	}
	for id, m := range o.partials {
		for q, p := range m {
			d := c.partial(id, q)
			d.n += p.n
			d.pos += p.pos
			d.neg += p.neg
			d.authors.merge(&p.authors)
			// Moved, not copied into one list: on ten million rows these are the largest
			// of the stage. o is left without them.
			d.days.merge(&p.days)
		}
	}
	if c.seen != nil {
		maps.Copy(c.seen, o.seen)
	}
	for i, n := range o.totals {
		c.totals[i] += n
	}
	c.flushSource()
	o.flushSource()
	for s, n := range o.sources {
		c.sources[s] += n
	}
	for id, t := range o.topics {
		d := c.topics[id]
		if d == nil {
			d = &topicAgg{}
			c.topics[id] = d
		}
		d.volume += t.volume
		d.pos += t.pos
		d.neg += t.neg
		d.quotes.merge(t.quotes)
	}
	if err := c.mergePhrases(o); err != nil {
		return err
	}
	return c.mergeSurveys(o)
}

// Finish readies a partial aggregate for Merge and Document, which it leaves less to do: it
// sorts the close times, which Merge keeps as sorted lists, so that parts folded in parallel
// also sort in parallel. Rows may still be added after it.
func (c *Computer) Finish() {
	for _, m := range c.partials {
		for _, p := range m {
			p.days.sort()
			p.authors.flush()
		}
	}
}

// total is the number of feedback records of a quarter.
func (c *Computer) total(q Quarter) int64 {
	if !c.inWindow(q) {
		return 0
	}
	return c.totals[Trend-1-c.back(q)]
}

func matchFeedback(k *config.KPI, r *table.ScoredFeedback) bool {
	f := &k.Filter
	if f.Source != "" && f.Source != r.Source || f.Channel != "" && f.Channel != r.Channel {
		return false
	}
	if k.Kind == config.KindTimeToClose && r.Channel != table.ChannelServiceRequest {
		return false
	}
	if f.District != "" && (r.District == nil || *r.District != f.District) {
		return false
	}
	return f.Topic == "" || slices.Contains(r.Topics, f.Topic)
}

// sortQuotes orders quote candidates: most engaged first, then the clearest sentiment, then id
// so that the choice is deterministic.
func sortQuotes(qs []*candidate) {
	slices.SortFunc(qs, compareQuotesAt)
}

func compareQuotesAt(a, b *candidate) int {
	// Not cmp.Or: it would compare the ids of every pair, where the first key mostly decides.
	if c := cmp.Compare(b.engagement, a.engagement); c != 0 {
		return c
	}
	if c := cmp.Compare(abs(b.sentiment), abs(a.sentiment)); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// pickQuotes returns up to three of the best candidates, from distinct authors.
func pickQuotes(l quoteList) []Quote {
	qs := slices.Clone(l.qs)
	sortQuotes(qs)
	qs = qs[:min(len(qs), maxQuoteCandidates)]
	var out []Quote
	authors := map[string]bool{}
	for _, q := range qs {
		if len(out) == 3 {
			break
		}
		if authors[q.author] {
			continue
		}
		authors[q.author] = true
		out = append(out, Quote{Text: q.text, Source: q.source, CreatedAt: q.createdAt, Sentiment: q.sentiment})
	}
	return out
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
		Feedback: c.total(c.quarter),
	}
	weights := c.surveyWeights() // assembles the survey responses: see Err
	doc.Responses = c.sv.responses
	for _, k := range c.city.KPIs {
		doc.KPIs = append(doc.KPIs, c.result(k, weights))
	}
	for id, a := range c.topics {
		label := id
		if t, ok := c.city.Topic(id); ok && t.Label != "" {
			label = t.Label
		}
		doc.Topics = append(doc.Topics, TopicSummary{ID: id, Label: label, Volume: a.volume,
			NetSentiment:  float64(a.pos-a.neg) / float64(a.volume),
			NegativeShare: float64(a.neg) / float64(a.volume),
			Quotes:        pickQuotes(a.quotes)})
	}
	slices.SortFunc(doc.Topics, func(a, b TopicSummary) int {
		return cmp.Or(cmp.Compare(b.Volume, a.Volume), cmp.Compare(a.ID, b.ID))
	})
	doc.Emerging = c.emerging()
	c.flushSource()
	for s, n := range c.sources {
		doc.Sources = append(doc.Sources, SourceCount{Source: s, Count: n})
	}
	slices.SortFunc(doc.Sources, func(a, b SourceCount) int { return cmp.Compare(a.Source, b.Source) })
	return doc
}

func unitOf(kind string) string {
	switch kind {
	case config.KindVolume, config.KindUniqueContributors:
		return UnitCount
	case config.KindSatisfaction, config.KindShareOfVoice:
		return UnitShare
	case config.KindTimeToClose:
		return UnitDays
	}
	return UnitScore
}

// estimateOf is a KPI's estimate in one quarter; ok is false when there are no data at all.
func (c *Computer) estimateOf(k config.KPI, q Quarter, weights []float64) estimate {
	if config.SurveyKind(k.Kind) {
		return c.surveyEstimate(k, q, weights)
	}
	p := c.partials[k.ID][q]
	if p == nil {
		p = &partial{}
	}
	n := float64(p.n)
	switch k.Kind {
	case config.KindVolume:
		// No records is a count of zero.
		return estimate{value: n, se: sqrt(n), n: p.n, ok: true}
	case config.KindUniqueContributors:
		u := float64(p.authors.len())
		return estimate{value: u, se: sqrt(u), n: p.n, ok: true}
	case config.KindShareOfVoice:
		m := c.total(q)
		if m == 0 {
			return estimate{}
		}
		v := n / float64(m)
		return estimate{value: v, se: sqrt(v * (1 - v) / float64(m)), n: m, ok: true, x: p.n, m: m}
	case config.KindTimeToClose:
		if p.n == 0 {
			return estimate{}
		}
		// Sorted in place, not a clone: the order of the lists means nothing, and on ten
		// million rows a copy is tens of megabytes at the stage's peak.
		p.days.sort()
		e := estimate{n: p.n, ok: true, hasCI: true, days: p.days}
		err := orderStats([]durations{p.days}, func(at func(int) float64) {
			n := p.days.len()
			e.value, e.p90 = quantileCont(n, at, 0.5), quantileCont(n, at, 0.9)
			e.lo, e.hi = medianInterval(n, at)
		})
		if err != nil {
			keepErr(err, p.days)
			return estimate{}
		}
		return e
	}
	if p.n == 0 {
		return estimate{}
	}
	return meanOfThree(float64(p.pos)/n, float64(p.neg)/n, n, p.n)
}

func (c *Computer) result(k config.KPI, weights []float64) Result {
	r := Result{ID: k.ID, Label: k.Label, Kind: k.Kind, Unit: unitOf(k.Kind), Owner: k.Owner,
		Topic: k.Filter.Topic, Direction: k.Direction, Target: k.Target, MinN: int64(k.MinN)}
	ests := map[Quarter]estimate{} // the current quarter is both a figure and a trend point
	est := func(q Quarter) estimate {
		e, ok := ests[q]
		if !ok {
			e = c.estimateOf(k, q, weights)
			ests[q] = e
		}
		return e
	}
	cur, prev, yearAgo := est(c.quarter), est(c.quarter.Add(-1)), est(c.quarter.Add(-4))
	r.N = cur.n
	if cur.ok {
		lo, hi := cur.interval(k.Kind)
		r.Value, r.CILow, r.CIHigh = ptr(cur.value), ptr(lo), ptr(hi)
		if k.Kind == config.KindTimeToClose {
			r.P90 = ptr(cur.p90)
		}
		if config.SurveyKind(k.Kind) {
			r.NEff = ptr(cur.neff)
		}
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
		if p, ok := changeTest(k.Kind, cur, prev); ok && cur.n >= int64(k.MinN) && prev.n >= int64(k.MinN) {
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

// status compares the value with the target in the KPI's direction; at_risk when the 95%
// interval straddles the target, no_data below the minimum sample.
func status(k config.KPI, r Result) string {
	counts := k.Kind == config.KindVolume || k.Kind == config.KindUniqueContributors
	if r.Value == nil || r.N < int64(k.MinN) || (r.N == 0 && !counts) {
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
