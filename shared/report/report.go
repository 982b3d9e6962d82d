package report

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
)

// Limits of what one email shows.
const (
	MaxTopics = 5 // top topics by volume
	MaxQuotes = 3 // quotes per topic
	// MaxEmerging is the number of emerging topics shown, largest rise first.
	MaxEmerging = 5
	// MaxQuoteRunes is the longest quote shown; a longer one is cut at a word with "…".
	MaxQuoteRunes = 400
)

// Report is one recipient's view of one quarter: every fact the email states, already worded
// and formatted. The HTML, the text and the CSV are renderings of it, so they state the same
// facts.
type Report struct {
	City          string
	Quarter       string // "2027-Q1", as in S3 paths
	QuarterLabel  string // "Q1 FY2027"
	PreviousLabel string // "Q4 FY2026"
	Recipient     config.Recipient
	// Audience says what part of the report the recipient receives.
	Audience string
	From     string
	Subject  string
	// Headline is the opening paragraph, one sentence per element.
	Headline []string
	// Met is the number of KPIs that met their target, of Total in the recipient's scope.
	Met, Total int
	KPIs       []KPI
	Topics     []Topic
	// Emerging are phrases whose share of feedback rose against the previous four quarters;
	// empty hides the section.
	Emerging []Emerging
	Notes    Notes
	Query    Query
}

// KPI is one row of the KPI table, formatted.
type KPI struct {
	ID    string
	Label string
	Unit  string
	// Value is the value in its unit ("-12", "61%", "412"), or "No data".
	Value  string
	Target string // "≥ -20", "≤ 350"
	Status Status
	// Change is "▲ +14 pts, better" when the change from the previous quarter is significant,
	// "no significant change" when it is not, "no previous data" when there is nothing to
	// compare with.
	Change      string
	Significant bool
	Improved    bool // with Significant: the change went the KPI's way
	// Trend states the eight-quarter trend in words; it is the chart's alt text.
	Trend string
	// ChartID is the Content-ID of the trend chart; empty when there is no chart.
	ChartID  string
	N        string // sample size
	Margin   string // "±5 pts"; empty without an interval
	Interval string // "-17 to -7"; empty without an interval
	// Note is the data note: sample size, margin of error, the test of the change.
	Note string

	result kpi.Result
}

// Status is a KPI's status as a code, a word and a symbol, so that it never rests on colour
// alone.
type Status struct {
	Code   string // met, at_risk, missed, no_data
	Word   string // "Met"
	Symbol string // "✔"
}

// Topic is one of the quarter's top topics with residents' words.
type Topic struct {
	ID            string
	Label         string
	Volume        string // "640"
	NetSentiment  string // "-22"
	NegativeShare string // "41%"
	Quotes        []Quote
}

// Emerging is a phrase residents used much more this quarter than in the four before.
type Emerging struct {
	Phrase   string
	Count    string // "38": records mentioning it
	Share    string // "4%" of this quarter's records
	Baseline string // "1%" of the previous four quarters' records
	Lift     string // "3.2×"
	Quotes   []Quote
}

// Quote is a resident's redacted words, made one line.
type Quote struct {
	Text   string
	Source string
	Date   string // "Aug 14, 2026", in the city's zone
}

// Notes are the data notes: where the numbers come from and how sure they are.
type Notes struct {
	Period   string // "July 1 – September 30, 2026 (America/Chicago)"
	Totals   string // "2,140 feedback records and 530 survey responses"
	Computed string // "October 2, 2026 6:00 AM CDT"
	Sources  []SourceNote
}

// SourceNote is the number of feedback records from one source.
type SourceNote struct {
	Source string
	Count  string
}

// Query says where an analyst goes for the records behind the numbers.
type Query struct {
	ConsoleURL string // the Athena console; empty when not configured
	SQL        []SQL
}

// SQL is a query over one table.
type SQL struct {
	Table string
	Text  string
}

// Tables are the Glue tables the report shows queries for, with the partition column each is
// filtered on.
var Tables = []struct{ Name, Partition string }{
	{"kpis", "quarter"},
	{"scored_feedback", "month"},
	{"survey_answers", "month"},
}

// ErrNoQuarter is returned for a kpis.json without a quarter.
var ErrNoQuarter = errors.New("report: kpis.json has no quarter")

// New builds the report a recipient receives from a quarter's kpis.json: only the KPIs and
// topics in the recipient's scope.
func New(doc *kpi.Document, city *config.City, to config.Recipient) (*Report, error) {
	if doc == nil || city == nil {
		return nil, errors.New("report: nil document or city")
	}
	q, err := kpi.ParseQuarter(doc.Quarter)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoQuarter, err)
	}
	name := doc.City
	if name == "" {
		name = city.Name
	}
	to.Name, to.Role = oneLine(to.Name), oneLine(to.Role)
	r := &Report{
		City:          oneLine(name),
		Quarter:       q.String(),
		QuarterLabel:  oneLine(doc.QuarterLabel),
		PreviousLabel: q.Add(-1).Label(),
		Recipient:     to,
		Audience:      audience(city, to.Scope),
		From:          city.Report.From,
	}
	if r.QuarterLabel == "" {
		r.QuarterLabel = q.Label()
	}
	loc := city.Location()
	if l, err := time.LoadLocation(doc.TimeZone); doc.TimeZone != "" && err == nil {
		loc = l
	}

	for i, res := range doc.KPIs {
		if !to.Scope.InScope(config.KPI{ID: res.ID, Owner: res.Owner, Filter: config.Filter{Topic: res.Topic}}) {
			continue
		}
		k := newKPI(res, i)
		r.KPIs = append(r.KPIs, k)
		r.Total++
		if k.Status.Code == kpi.StatusMet {
			r.Met++
		}
	}

	seen := map[string]bool{} // quotes shown so far
	topics := slices.Clone(doc.Topics)
	slices.SortStableFunc(topics, func(a, b kpi.TopicSummary) int { return cmp.Compare(b.Volume, a.Volume) })
	for _, t := range topics {
		if len(r.Topics) == MaxTopics {
			break
		}
		if !to.Scope.HasTopic(t.ID) {
			continue
		}
		r.Topics = append(r.Topics, newTopic(t, loc, seen))
	}

	// Emerging phrases are not tied to a topic, so only a recipient of the whole city's
	// report sees them: a scoped recipient could otherwise read quotes outside their part.
	if to.Scope.All {
		for _, e := range doc.Emerging {
			if len(r.Emerging) == MaxEmerging {
				break
			}
			if em, ok := newEmerging(e, loc, seen); ok {
				r.Emerging = append(r.Emerging, em)
			}
		}
	}

	r.Notes = notes(doc, loc)
	r.Query = query(city, r)
	r.Subject = subject(r)
	r.Headline = headline(r)
	return r, nil
}

func subject(r *Report) string {
	if r.Total == 0 {
		return oneLine(fmt.Sprintf("%s — %s community feedback report", r.City, r.QuarterLabel))
	}
	return oneLine(fmt.Sprintf("%s — %s community KPIs: %d of %d on target", r.City, r.QuarterLabel, r.Met, r.Total))
}

func audience(city *config.City, s config.Scope) string {
	if s.All {
		return "the whole city"
	}
	var parts []string
	if len(s.Owners) > 0 {
		owners := make([]string, len(s.Owners))
		for i, o := range s.Owners {
			owners[i] = strings.ReplaceAll(o, "_", " ")
		}
		parts = append(parts, "KPIs owned by "+list(owners))
	}
	if len(s.KPIs) > 0 {
		parts = append(parts, "KPIs "+list(s.KPIs))
	}
	if len(s.Topics) > 0 {
		labels := make([]string, len(s.Topics))
		for i, id := range s.Topics {
			labels[i] = id
			if t, ok := city.Topic(id); ok && t.Label != "" {
				labels[i] = t.Label
			}
		}
		if len(labels) == 1 {
			parts = append(parts, "the topic "+labels[0])
		} else { // labels hold commas and "and" themselves
			parts = append(parts, "the topics "+strings.Join(labels, "; "))
		}
	}
	return oneLine(strings.Join(parts, ", and "))
}

// list joins words as prose: "a", "a and b", "a, b and c".
func list(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

var statuses = map[string]Status{
	kpi.StatusMet:    {kpi.StatusMet, "Met", "✔"},
	kpi.StatusAtRisk: {kpi.StatusAtRisk, "At risk", "⚠"},
	kpi.StatusMissed: {kpi.StatusMissed, "Missed", "✖"},
	kpi.StatusNoData: {kpi.StatusNoData, "No data", "○"},
}

func newKPI(res kpi.Result, i int) KPI {
	st, ok := statuses[res.Status]
	if !ok {
		st = Status{Code: res.Status, Word: oneLine(res.Status), Symbol: "?"}
	}
	k := KPI{
		ID:     res.ID,
		Label:  oneLine(res.Label),
		Unit:   res.Unit,
		Value:  "No data",
		Target: targetSymbol(res.Direction) + " " + formatValue(res.Unit, res.Target),
		Status: st,
		N:      formatCount(res.N),
		result: res,
	}
	// A KPI with too little data shows no number, however the value came out.
	if res.Value != nil && res.Status != kpi.StatusNoData {
		k.Value = formatValue(res.Unit, *res.Value)
		if res.CILow != nil && res.CIHigh != nil {
			k.Margin = formatMargin(res.Unit, *res.CILow, *res.CIHigh)
			k.Interval = formatValue(res.Unit, *res.CILow) + " to " + formatValue(res.Unit, *res.CIHigh)
		}
	}
	switch {
	case res.Change == nil || res.Status == kpi.StatusNoData:
		k.Change = "no previous data"
		if res.Status == kpi.StatusNoData {
			k.Change = "not comparable"
		}
	case res.ChangeSignificant:
		k.Significant = true
		k.Improved = (*res.Change > 0) == (res.Direction != config.LowerIsBetter)
		arrow, word := "▲", "worse"
		if *res.Change < 0 {
			arrow = "▼"
		}
		if k.Improved {
			word = "better"
		}
		k.Change = arrow + " " + formatDelta(res.Unit, *res.Change) + ", " + word
	default:
		k.Change = "no significant change"
	}
	k.Note = "n = " + k.N
	switch {
	case res.Status == kpi.StatusNoData:
		k.Note += ", fewer than the " + formatCount(res.MinN) + " needed to report a value"
	case k.Margin != "":
		k.Note += ", margin of error " + k.Margin + " (95% interval " + k.Interval + ")"
	}
	if res.Status != kpi.StatusNoData && res.PValue != nil && res.Test != "" {
		k.Note += "; change tested with " + oneLine(res.Test) + ", " + formatP(*res.PValue)
	}
	k.Trend = describeTrend(k.Label, res)
	if hasTrend(res) {
		k.ChartID = fmt.Sprintf("trend-%d-%s@civicpulse", i+1, contentIDPart(res.ID))
	}
	return k
}

func targetSymbol(direction string) string {
	if direction == config.LowerIsBetter {
		return "≤"
	}
	return "≥"
}

func targetWords(direction string) string {
	if direction == config.LowerIsBetter {
		return "at most"
	}
	return "at least"
}

// contentIDPart keeps the characters of a KPI id that a Content-ID may hold unquoted.
func contentIDPart(id string) string {
	b := []byte(id)
	out := b[:0]
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "kpi"
	}
	return string(out)
}

func hasTrend(res kpi.Result) bool {
	for _, p := range res.Trend {
		if p.Value != nil {
			return true
		}
	}
	return false
}

// describeTrend states the trend in words, for the chart's alt text and the plain text.
func describeTrend(label string, res kpi.Result) string {
	var first, last *kpi.Point
	for i := range res.Trend {
		p := &res.Trend[i]
		if p.Value == nil {
			continue
		}
		if first == nil {
			first = p
		}
		last = p
	}
	if first == nil {
		return label + ": no trend data yet."
	}
	target := "; target " + targetWords(res.Direction) + " " + formatValue(res.Unit, res.Target)
	v0, v1 := formatValue(res.Unit, *first.Value), formatValue(res.Unit, *last.Value)
	var s string
	switch {
	case first == last:
		s = fmt.Sprintf("%s: only %s has data, %s%s", label, quarterLabel(first.Quarter), v0, unitWord(res.Unit))
	case v0 == v1:
		s = fmt.Sprintf("%s over %d quarters: level at %s%s from %s to %s", label, len(res.Trend), v0, unitWord(res.Unit), quarterLabel(first.Quarter), quarterLabel(last.Quarter))
	default:
		verb := "rose"
		if *last.Value < *first.Value {
			verb = "fell"
		}
		s = fmt.Sprintf("%s over %d quarters: %s from %s%s in %s to %s%s in %s", label, len(res.Trend), verb,
			v0, unitWord(res.Unit), quarterLabel(first.Quarter), v1, unitWord(res.Unit), quarterLabel(last.Quarter))
	}
	if n := len(res.Trend); n > 0 && res.Trend[n-1].Value == nil {
		s += "; no data in " + quarterLabel(res.Trend[n-1].Quarter)
	}
	return s + target + "."
}

func newTopic(t kpi.TopicSummary, loc *time.Location, seen map[string]bool) Topic {
	label := oneLine(t.Label)
	if label == "" {
		label = oneLine(t.ID)
	}
	tp := Topic{
		ID:            t.ID,
		Label:         label,
		Volume:        formatCount(t.Volume),
		NetSentiment:  formatValue(kpi.UnitScore, t.NetSentiment),
		NegativeShare: formatValue(kpi.UnitShare, t.NegativeShare),
	}
	tp.Quotes = quotes(t.Quotes, loc, seen)
	return tp
}

func newEmerging(e kpi.EmergingTopic, loc *time.Location, seen map[string]bool) (Emerging, bool) {
	phrase := oneLine(e.Phrase)
	if phrase == "" {
		return Emerging{}, false
	}
	return Emerging{
		Phrase: phrase,
		Count:  formatCount(e.Count),
		// One decimal: emerging phrases are a few percent of feedback at most.
		Share:    formatDecimal(e.Share*100, 1) + "%",
		Baseline: formatDecimal(e.BaselineShare*100, 1) + "%",
		Lift:     formatLift(e.Lift),
		Quotes:   quotes(e.Quotes, loc, seen),
	}, true
}

// quotes makes up to MaxQuotes non-empty quotes one line each, leaving out those in seen (a
// comment about two topics is quoted under the first only) and adding the rest to it.
func quotes(in []kpi.Quote, loc *time.Location, seen map[string]bool) []Quote {
	var out []Quote
	for _, q := range in {
		if len(out) == MaxQuotes {
			break
		}
		text := shorten(oneLine(q.Text), MaxQuoteRunes)
		if text == "" || seen[text] {
			continue
		}
		seen[text] = true
		var date string
		if !q.CreatedAt.IsZero() {
			date = q.CreatedAt.In(loc).Format("Jan 2, 2006")
		}
		out = append(out, Quote{Text: text, Source: oneLine(q.Source), Date: date})
	}
	return out
}

// shorten cuts s to at most max runes, at the last space in its second half if there is one,
// and marks the cut with an ellipsis.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	r = r[:max-1]
	for i := len(r) - 1; i >= max/2; i-- {
		if r[i] == ' ' {
			r = r[:i]
			break
		}
	}
	return strings.TrimRight(string(r), " ") + "…"
}

func notes(doc *kpi.Document, loc *time.Location) Notes {
	n := Notes{
		Totals: formatCount(doc.Feedback) + " feedback records and " + formatCount(doc.Responses) + " survey responses",
	}
	if !doc.Start.IsZero() && doc.End.After(doc.Start) {
		start, last := doc.Start.In(loc), doc.End.In(loc).Add(-time.Nanosecond)
		n.Period = start.Format("January 2") + " – " + last.Format("January 2, 2006") + " (" + loc.String() + ")"
		if start.Year() != last.Year() {
			n.Period = start.Format("January 2, 2006") + " – " + last.Format("January 2, 2006") + " (" + loc.String() + ")"
		}
	}
	if !doc.ComputedAt.IsZero() {
		n.Computed = doc.ComputedAt.In(loc).Format("January 2, 2006 3:04 PM MST")
	}
	for _, s := range doc.Sources {
		n.Sources = append(n.Sources, SourceNote{Source: oneLine(s.Source), Count: formatCount(s.Count)})
	}
	return n
}

func query(city *config.City, r *Report) Query {
	q := Query{}
	// Only a web link: the text part shows it as it is, where html/template cannot vet it.
	if u, err := url.Parse(strings.TrimSpace(city.Report.AthenaConsoleURL)); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		q.ConsoleURL = u.String()
	}
	db := city.Report.Database
	if db == "" {
		db = "civicpulse"
	}
	qt, _ := kpi.ParseQuarter(r.Quarter) // New has parsed it
	months := kpi.Calendar{FiscalYearStartMonth: city.FiscalYearStartMonth, Location: city.Location()}.Months(qt)
	var kpiFilter string
	if !r.Recipient.Scope.All {
		ids := make([]string, len(r.KPIs))
		for i, k := range r.KPIs {
			ids[i] = sqlString(k.ID)
		}
		if len(ids) > 0 {
			kpiFilter = " AND kpi_id IN (" + strings.Join(ids, ", ") + ")"
		}
	}
	for _, t := range Tables {
		table := sqlIdent(db) + "." + sqlIdent(t.Name)
		var text string
		switch t.Partition {
		case "quarter":
			text = "SELECT * FROM " + table + " WHERE quarter = " + sqlString(r.Quarter) + kpiFilter + ";"
		default:
			ms := make([]string, len(months))
			for i, m := range months {
				ms[i] = sqlString(m)
			}
			text = "SELECT * FROM " + table + " WHERE " + t.Partition + " IN (" + strings.Join(ms, ", ") + ") LIMIT 100;"
		}
		q.SQL = append(q.SQL, SQL{Table: t.Name, Text: text})
	}
	return q
}

func sqlIdent(s string) string  { return `"` + strings.ReplaceAll(oneLine(s), `"`, `""`) + `"` }
func sqlString(s string) string { return `'` + strings.ReplaceAll(oneLine(s), `'`, `''`) + `'` }

func headline(r *Report) []string {
	if r.Total == 0 {
		return []string{"No KPI is in your part of the report this quarter; the topics below are."}
	}
	var atRisk, missed, better, worse []string
	var nAtRisk, nMissed, nNoData int
	for _, k := range r.KPIs {
		res := k.result
		switch k.Status.Code {
		case kpi.StatusAtRisk:
			nAtRisk++
			atRisk = append(atRisk, fmt.Sprintf("%s (%s%s; target %s %s)",
				k.Label, k.Value, unitWord(k.Unit), targetWords(res.Direction), formatValue(k.Unit, res.Target)))
		case kpi.StatusMissed:
			nMissed++
			missed = append(missed, fmt.Sprintf("%s (%s%s; target %s %s)",
				k.Label, k.Value, unitWord(k.Unit), targetWords(res.Direction), formatValue(k.Unit, res.Target)))
		case kpi.StatusNoData:
			nNoData++
		}
		if k.Significant && res.Previous != nil && res.Value != nil {
			s := fmt.Sprintf("%s (from %s to %s%s)", k.Label, formatValue(k.Unit, *res.Previous), formatValue(k.Unit, *res.Value), unitWord(k.Unit))
			if k.Improved {
				better = append(better, s)
			} else {
				worse = append(worse, s)
			}
		}
	}

	of := "KPIs"
	if r.Total == 1 {
		of = "KPI"
	}
	verb := "met their target"
	if r.Met == 1 {
		verb = "met its target"
	}
	first := fmt.Sprintf("In %s, %d of the %d %s in this report %s", r.QuarterLabel, r.Met, r.Total, of, verb)
	var rest []string
	if nAtRisk > 0 {
		rest = append(rest, fmt.Sprintf("%d %s at risk", nAtRisk, isAre(nAtRisk)))
	}
	if nMissed > 0 {
		rest = append(rest, fmt.Sprintf("%d missed", nMissed))
	}
	if nNoData > 0 {
		rest = append(rest, fmt.Sprintf("%d had too little data to report", nNoData))
	}
	if len(rest) > 0 {
		first += "; " + list(rest)
	}
	out := []string{first + "."}
	if len(better) > 0 {
		out = append(out, "Improved significantly since "+r.PreviousLabel+": "+strings.Join(better, "; ")+".")
	}
	if len(worse) > 0 {
		out = append(out, "Worsened significantly since "+r.PreviousLabel+": "+strings.Join(worse, "; ")+".")
	}
	if len(better)+len(worse) == 0 {
		out = append(out, "No KPI changed significantly since "+r.PreviousLabel+".")
	} else if len(better)+len(worse) < r.Total-nNoData {
		out = append(out, "The other KPIs show no significant change.")
	}
	if len(missed) > 0 {
		out = append(out, "Missed target: "+strings.Join(missed, "; ")+".")
	}
	if len(atRisk) > 0 {
		out = append(out, "At risk, the target within the margin of error: "+strings.Join(atRisk, "; ")+".")
	}
	return out
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Build renders the report email a recipient receives for a quarter: New, then Message.
func Build(doc *kpi.Document, city *config.City, to config.Recipient) (*Message, error) {
	r, err := New(doc, city, to)
	if err != nil {
		return nil, err
	}
	return r.Message()
}
