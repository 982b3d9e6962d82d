package kpi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/spill"
	"github.com/civicpulse/civicpulse/shared/table"
)

// The survey part of a Computer. Answers come in long form, one row per answer, and the rows
// of a response may be anywhere in the input; the KPIs need whole responses, raked. Keeping
// every response in memory grew with the input (about 300 bytes a response), so responses are
// assembled in bounded memory and then counted into cells:
//
//   - AddAnswers folds rows into partial responses in a map; when the map passes a limit, its
//     partial responses go, encoded, to a spill.Sorter by key, and the map starts over.
//   - Document reads the sorter in key order: the partial responses of one key come back in
//     the order they were folded (the sort is stable), so merging them in turn keeps the
//     first-seen rules of a single map. Each whole response is counted into its cell.
//   - A cell is the respondents identical in all that raking and the survey KPIs read of them:
//     quarter, source, survey, base weight, district, categories on the margins and the
//     usable answer (value, scale) to each survey KPI's question. Raking the cells with their
//     counts (RakeCells) gives each respondent the weight raking them one by one would, and
//     the KPIs sum over cells. The cells are as many as the distinct combinations of those
//     values, not as the responses (base weights that differ on every response would make
//     every response a cell).
//
// Every sum runs over the cells in the order of their keys, so the figures do not depend on
// how the input was split or ordered.
type surveys struct {
	open      map[string]*respondent // source \0 response id -> the response's rows folded since the last flush
	openBytes int                    // an estimate of the memory of open
	runs      *spilled               // flushed partial responses (encoded by appendPartial), by key; nil until the first flush
	limit     int                    // bytes of responses kept in memory, half in open, half in runs; 0: surveyMemory

	strs      map[string]string // interned strings of responses
	keyBuf    []byte            // AddAnswers' key of open
	enc       []byte            // a partial response or a cell key being encoded
	questions []string          // keptQuestions, once listed
	kpiQs     []string          // surveyQuestions, once listed
	scales    map[scale]*scale  // interned scales of answers

	// Set by assemble, for Document.
	cells     []*cell // sorted by key
	responses int64   // responses of the reported quarter
}

// respondent is one survey response, or the part of it folded so far: what weighting and the
// survey KPIs need of it.
type respondent struct {
	q              Quarter
	source, survey string
	district       string
	weight         float64
	answers        []answer // of the questions the computer keeps, each once
}

// answer is what the survey KPIs and weighting read of one answer. A response keeps a few
// (keptQuestion), in a slice: a map of table.SurveyAnswer took over a kilobyte a response.
type answer struct {
	text     string // interned: a category of a weighting margin
	value    float64
	scale    *scale // interned: shared by the answers of a question
	question uint16 // index in keptQuestions
	hasValue bool
}

// scale is the range of a question's answers.
type scale struct {
	lo, hi       float64
	hasLo, hasHi bool
}

// cell is a number of respondents that weighting and the survey KPIs cannot tell apart.
type cell struct {
	key            string // encoded by cellKey: the cells' order
	q              Quarter
	source, survey string
	district       string
	weight         float64      // base weight
	cats           []string     // category on each margin, "" when unknown
	answers        []cellAnswer // by index in surveyQuestions
	n              int64        // respondents
}

// cellAnswer is a respondent's answer to a survey KPI's question as the KPI reads it.
type cellAnswer struct {
	ok    bool // answered, with a value, on a scale with a maximum
	value float64
	scale scale
}

// Memory estimates of open, in bytes: a new response (map entry, key header, respondent,
// the answers' backing array) plus its key, and each answer.
const (
	openResponseBytes = 160
	openAnswerBytes   = 40
)

// answer returns the response's answer to a question.
func (c *Computer) answer(r *respondent, question string) (*answer, bool) {
	qi := slices.Index(c.keptQuestions(), question)
	if qi < 0 {
		return nil, false
	}
	return r.answerAt(uint16(qi))
}

func (r *respondent) answerAt(qi uint16) (*answer, bool) {
	for i := range r.answers {
		if r.answers[i].question == qi {
			return &r.answers[i], true
		}
	}
	return nil, false
}

// AddAnswers folds survey answers in. A response's quarter, survey and base weight are those
// of its first row (in the window), its district the first non-empty one, and its answer to a
// question the first row of that question.
func (c *Computer) AddAnswers(rows []table.SurveyAnswer) {
	s := &c.sv
	for i := range rows {
		if s.openBytes > s.limitBytes()/2 {
			c.flushOpen()
		}
		a := &rows[i]
		q := c.cal.Of(a.SubmittedAt)
		if !c.inWindow(q) {
			continue
		}
		// The key is built in a reused buffer: the lookup of string(buf) copies nothing, and
		// only a new response's key is allocated.
		s.keyBuf = append(append(append(s.keyBuf[:0], a.Source...), 0), a.ResponseID...)
		rs := s.open[string(s.keyBuf)]
		if rs == nil {
			if s.open == nil {
				s.open = map[string]*respondent{}
			}
			rs = &respondent{q: q, source: c.intern(a.Source), survey: c.intern(a.SurveyID), weight: a.Weight}
			s.open[string(s.keyBuf)] = rs
			s.openBytes += openResponseBytes + len(s.keyBuf)
		}
		if rs.district == "" && a.District != nil {
			rs.district = c.intern(*a.District)
		}
		qi := slices.Index(c.keptQuestions(), a.QuestionID)
		if qi < 0 {
			continue
		}
		if _, dup := rs.answerAt(uint16(qi)); dup {
			continue
		}
		an := answer{question: uint16(qi)}
		if c.marginQuestion(a.QuestionID) {
			an.text = c.intern(a.AnswerText) // a category of a weighting margin
		}
		if a.AnswerValue != nil {
			an.value, an.hasValue = *a.AnswerValue, true
		}
		var sc scale
		if a.ScaleMin != nil {
			sc.lo, sc.hasLo = *a.ScaleMin, true
		}
		if a.ScaleMax != nil {
			sc.hi, sc.hasHi = *a.ScaleMax, true
		}
		an.scale = c.internScale(sc)
		if rs.answers == nil {
			rs.answers = make([]answer, 0, len(c.keptQuestions()))
		}
		rs.answers = append(rs.answers, an)
		s.openBytes += openAnswerBytes
	}
}

func (s *surveys) limitBytes() int {
	if s.limit > 0 {
		return s.limit
	}
	return surveyMemory
}

// surveyMemory is the bytes of survey responses a computer keeps in memory before it spills
// them (half in the map of open responses, half sorted). At 4 MB the survey pass was the
// peak of the KPI stage on ten million posts (500,000 responses); at 1 MB the stage's peak
// RSS fell by about 8 MB and it took no longer; at 256 kB (with 64 kB Parquet pages) by
// about 3 MB more (57-59 to 54-55 MB, two runs each), in the same CPU time.
const surveyMemory = 256 << 10

// flushOpen moves the partial responses of open to runs.
func (c *Computer) flushOpen() {
	s := &c.sv
	if len(s.open) == 0 {
		return
	}
	if s.runs == nil {
		s.runs = newSpilled("survey responses", compareRecordKeys, spill.Options{Limit: max(s.limitBytes()/2, 1)})
	}
	// In map order: the keys of one flush are distinct, so the sort alone orders them.
	for key, r := range s.open {
		s.enc = appendPartial(s.enc[:0], key, r)
		s.runs.add(s.enc)
	}
	clear(s.open)
	s.openBytes = 0
}

// mergeSurveys moves o's survey responses into c, after c's own: where both have rows of a
// response, c's come first.
func (c *Computer) mergeSurveys(o *Computer) error {
	c.flushOpen()
	o.flushOpen()
	takeSpilled(&c.sv.runs, &o.sv.runs)
	return c.sv.runs.error()
}

// Err reports an error of keeping the survey responses, the keyphrase counts, the author
// hashes or the close times (writing or reading their temporary files): the Document of a computer with an error is incomplete.
func (c *Computer) Err() error {
	return errors.Join(c.sv.runs.error(), c.phraseRuns.runs.error(), c.spillErr())
}

// A partial response is encoded as its key (length-prefixed: records are compared by key
// alone), the source, quarter, survey, base weight and district, and its answers.

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendFloat(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

func appendPartial(b []byte, key string, r *respondent) []byte {
	b = appendString(b, key)
	b = appendString(b, r.source)
	b = binary.AppendVarint(b, int64(r.q.FY))
	b = binary.AppendVarint(b, int64(r.q.Q))
	b = appendString(b, r.survey)
	b = appendFloat(b, r.weight)
	b = appendString(b, r.district)
	b = binary.AppendUvarint(b, uint64(len(r.answers)))
	for _, a := range r.answers {
		b = binary.AppendUvarint(b, uint64(a.question))
		b = appendString(b, a.text)
		var flags byte
		for i, f := range []bool{a.hasValue, a.scale.hasLo, a.scale.hasHi} {
			if f {
				flags |= 1 << i
			}
		}
		b = append(b, flags)
		b = appendFloat(appendFloat(appendFloat(b, a.value), a.scale.lo), a.scale.hi)
	}
	return b
}

// compareRecordKeys orders encoded partial responses by key.
func compareRecordKeys(a, b []byte) int {
	ka, _ := recordKey(a)
	kb, _ := recordKey(b)
	return bytes.Compare(ka, kb)
}

func recordKey(rec []byte) (key, rest []byte) {
	n, w := binary.Uvarint(rec)
	if w <= 0 || uint64(len(rec)-w) < n {
		return rec, nil // not a record this package wrote: compared whole, decoding fails
	}
	return rec[w : w+int(n)], rec[w+int(n):]
}

// decoder reads an encoded partial response; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, w := binary.Uvarint(d.b)
	if w <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[w:]
	return v
}

func (d *decoder) varint() int64 {
	v, w := binary.Varint(d.b)
	if w <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[w:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if uint64(len(d.b)) < n {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("kpi: corrupt survey response record")
	}
	d.b = nil
}

// decodePartial decodes the rest of a record (after its key) into r, reusing r's answers; its
// strings are interned.
func (c *Computer) decodePartial(rest []byte, r *respondent) error {
	d := decoder{b: rest}
	r.source = c.internBytes(d.bytes())
	r.q = Quarter{FY: int(d.varint()), Q: int(d.varint())}
	r.survey = c.internBytes(d.bytes())
	r.weight = d.float()
	r.district = c.internBytes(d.bytes())
	n := d.uvarint()
	r.answers = r.answers[:0]
	for range min(n, uint64(len(c.keptQuestions()))) {
		a := answer{question: uint16(d.uvarint())}
		a.text = c.internBytes(d.bytes())
		flags := d.byte()
		a.hasValue = flags&1 != 0
		sc := scale{hasLo: flags&2 != 0, hasHi: flags&4 != 0}
		a.value, sc.lo, sc.hi = d.float(), d.float(), d.float()
		a.scale = c.internScale(sc)
		r.answers = append(r.answers, a)
	}
	if d.err == nil && (n > uint64(len(c.keptQuestions())) || len(d.b) != 0) {
		d.fail()
	}
	return d.err
}

// fold merges a later partial of the same response into r: r's values win.
func (r *respondent) fold(o *respondent) {
	if r.district == "" {
		r.district = o.district
	}
	for _, a := range o.answers {
		if _, ok := r.answerAt(a.question); !ok {
			r.answers = append(r.answers, a)
		}
	}
}

// assemble reads the partial responses in key order, assembles each response and counts it
// into its cell: it sets c.sv.cells and c.sv.responses.
func (c *Computer) assemble() {
	s := &c.sv
	c.flushOpen()
	s.cells, s.responses = nil, 0
	if s.runs == nil || s.runs.err != nil {
		return
	}
	cells := map[string]*cell{}
	var cur, next respondent
	var curKey []byte
	have := false
	done := func() {
		if !have {
			return
		}
		if cur.q == c.quarter {
			s.responses++
		}
		s.enc = c.cellKey(s.enc[:0], &cur)
		cl := cells[string(s.enc)]
		if cl == nil {
			cl = c.newCell(string(s.enc), &cur)
			cells[cl.key] = cl
		}
		cl.n++
	}
	for rec, err := range s.runs.s.All() {
		if err != nil {
			s.runs.fail(fmt.Errorf("kpi: read survey responses: %w", err))
			return
		}
		key, rest := recordKey(rec)
		if have && bytes.Equal(key, curKey) {
			if err := c.decodePartial(rest, &next); err != nil {
				s.runs.fail(err)
				return
			}
			cur.fold(&next)
			continue
		}
		done()
		curKey = append(curKey[:0], key...)
		if err := c.decodePartial(rest, &cur); err != nil {
			s.runs.fail(err)
			return
		}
		have = true
	}
	done()
	s.cells = make([]*cell, 0, len(cells))
	for _, cl := range cells {
		s.cells = append(s.cells, cl)
	}
	slices.SortFunc(s.cells, func(a, b *cell) int { return strings.Compare(a.key, b.key) })
}

// surveyQuestions are the questions of the survey KPIs: the first ones of keptQuestions.
func (c *Computer) surveyQuestions() []string {
	if c.sv.kpiQs == nil {
		c.sv.kpiQs = []string{}
		for _, k := range c.city.KPIs {
			if config.SurveyKind(k.Kind) && !slices.Contains(c.sv.kpiQs, k.Filter.Question) {
				c.sv.kpiQs = append(c.sv.kpiQs, k.Filter.Question)
			}
		}
	}
	return c.sv.kpiQs
}

// category is a response's category on a weighting margin, "" when unknown.
func (c *Computer) category(r *respondent, m config.Margin) string {
	if m.Variable == "district" {
		return r.district
	}
	if a, ok := c.answer(r, m.Variable); ok {
		return a.text
	}
	return ""
}

// usable is a response's answer to a survey KPI's question as the KPI reads it.
func (c *Computer) usable(r *respondent, question string) cellAnswer {
	a, ok := c.answer(r, question)
	if !ok || !a.hasValue || !a.scale.hasHi {
		return cellAnswer{}
	}
	return cellAnswer{ok: true, value: a.value, scale: *a.scale}
}

// cellKey appends the key of a response's cell: its group (quarter, source, survey) first, so
// that the cells of a group are adjacent in key order, then all else the figures read.
func (c *Computer) cellKey(b []byte, r *respondent) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(r.q.FY)^1<<63) // signed order
	b = binary.BigEndian.AppendUint64(b, uint64(r.q.Q)^1<<63)
	b = appendString(appendString(b, r.source), r.survey)
	b = appendFloat(b, r.weight)
	b = appendString(b, r.district)
	for _, m := range c.city.SurveyWeighting.Margins {
		b = appendString(b, c.category(r, m))
	}
	for _, q := range c.surveyQuestions() {
		a := c.usable(r, q)
		if !a.ok {
			b = append(b, 0)
			continue
		}
		var flags byte = 1
		if a.scale.hasLo {
			flags |= 2
		}
		b = append(b, flags)
		b = appendFloat(appendFloat(appendFloat(b, a.value), a.scale.lo), a.scale.hi)
	}
	return b
}

func (c *Computer) newCell(key string, r *respondent) *cell {
	cl := &cell{key: key, q: r.q, source: r.source, survey: r.survey, district: r.district, weight: r.weight}
	for _, m := range c.city.SurveyWeighting.Margins {
		cl.cats = append(cl.cats, c.category(r, m))
	}
	for _, q := range c.surveyQuestions() {
		cl.answers = append(cl.answers, c.usable(r, q))
	}
	return cl
}

// keptQuestions are the ids of the questions a survey KPI or a weighting margin reads, each
// once, survey KPIs' first: the answers a response keeps.
func (c *Computer) keptQuestions() []string {
	s := &c.sv
	if s.questions == nil {
		s.questions = slices.Clone(c.surveyQuestions())
		for _, m := range c.city.SurveyWeighting.Margins {
			if !slices.Contains(s.questions, m.Variable) {
				s.questions = append(s.questions, m.Variable)
			}
		}
		if len(s.questions) > 1<<16 {
			panic("kpi: more than 65536 survey questions kept") // a city has a handful of KPIs
		}
	}
	return s.questions
}

// internScale returns the copy of sc shared by every answer that has it.
func (c *Computer) internScale(sc scale) *scale {
	if math.IsNaN(sc.lo) || math.IsNaN(sc.hi) {
		return &sc // NaN is no map key: each lookup would add one
	}
	if p, ok := c.sv.scales[sc]; ok {
		return p
	}
	if c.sv.scales == nil {
		c.sv.scales = map[scale]*scale{}
	}
	p := &sc
	c.sv.scales[sc] = p
	return p
}

// marginQuestion reports whether a weighting margin reads the question's answer text.
func (c *Computer) marginQuestion(id string) bool {
	for _, m := range c.city.SurveyWeighting.Margins {
		if m.Variable == id {
			return true
		}
	}
	return false
}

// intern returns a copy of s shared by every response that has it: sources, surveys,
// districts and margin categories are few values repeated on every response.
func (c *Computer) intern(s string) string {
	if v, ok := c.sv.strs[s]; ok {
		return v
	}
	if c.sv.strs == nil {
		c.sv.strs = map[string]string{}
	}
	v := strings.Clone(s)
	c.sv.strs[v] = v
	return v
}

// internBytes is intern of string(b), without the conversion's copy when b is known.
func (c *Computer) internBytes(b []byte) string {
	if v, ok := c.sv.strs[string(b)]; ok {
		return v
	}
	return c.intern(string(b))
}

func matchRespondent(f config.Filter, r *cell) bool {
	if f.Source != "" && f.Source != r.source || f.Channel != "" && f.Channel != table.ChannelSurvey {
		return false
	}
	return f.District == "" || r.district == f.District
}

// surveyWeights assembles the responses into cells, rakes each survey's cells of each quarter
// to the configured margins and returns the weight of one respondent of each cell, by index
// in c.sv.cells.
func (c *Computer) surveyWeights() []float64 {
	c.assemble()
	cells := c.sv.cells
	out := make([]float64, 0, len(cells))
	margins := c.city.SurveyWeighting.Margins
	for i := 0; i < len(cells); {
		j := i + 1
		for j < len(cells) && cells[j].q == cells[i].q && cells[j].source == cells[i].source && cells[j].survey == cells[i].survey {
			j++
		}
		base := make([]float64, j-i)
		count := make([]int64, j-i)
		cats := make([][]string, j-i)
		for k, cl := range cells[i:j] {
			base[k], count[k], cats[k] = cl.weight, cl.n, cl.cats
		}
		out = append(out, RakeCells(base, count, cats, margins, c.city.SurveyWeighting.Trim)...)
		i = j
	}
	return out
}

// surveyEstimate is a weighted satisfaction (top-two-box share) or NPS (share of 9–10 minus
// share of 0–6 on a 0–10 question), with the Kish effective sample size of the weights.
func (c *Computer) surveyEstimate(k config.KPI, q Quarter, weights []float64) estimate {
	qi := slices.Index(c.surveyQuestions(), k.Filter.Question)
	var sw, sw2, swPos, swNeg float64
	var n int64
	for i, cl := range c.sv.cells { // in key order: the sums are the same on any split
		if cl.q != q || !matchRespondent(k.Filter, cl) {
			continue
		}
		a := cl.answers[qi]
		if !a.ok {
			continue
		}
		v, sc := a.value, a.scale
		var pos, neg bool
		if k.Kind == config.KindNPS {
			if !sc.hasLo || sc.lo != 0 || sc.hi != 10 {
				continue // NPS is defined on a 0–10 question only
			}
			pos, neg = v >= 9, v <= 6
		} else {
			pos = v >= sc.hi-1 // top two boxes
		}
		w, m := weights[i], float64(cl.n)
		n += cl.n
		sw += m * w
		sw2 += m * w * w
		if pos {
			swPos += m * w
		}
		if neg {
			swNeg += m * w
		}
	}
	if n == 0 || sw <= 0 {
		return estimate{}
	}
	return meanOfThree(swPos/sw, swNeg/sw, kish(sw, sw2), n)
}
