// Package config loads and validates a city's configuration (city.yaml): its name, time zone,
// fiscal year, districts, sources, topic taxonomy, KPIs with targets and owners, and the
// recipients of the quarterly report.
//
// Every validation error names the line of city.yaml it is about, so that a city's IT staff
// can fix the file without reading Go.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// City is the whole of city.yaml.
type City struct {
	Name string `yaml:"name"`
	// TimeZone is an IANA zone name; quarters and months are cut in this zone.
	TimeZone string `yaml:"timezone"`
	// FiscalYearStartMonth is 1..12; 7 means the fiscal year runs July to June and is named
	// by the calendar year it ends in (FY2026 = July 2025 .. June 2026).
	FiscalYearStartMonth int         `yaml:"fiscal_year_start_month"`
	Districts            []District  `yaml:"districts"`
	Sources              []Source    `yaml:"sources"`
	Topics               []Topic     `yaml:"topics"`
	KPIs                 []KPI       `yaml:"kpis"`
	Recipients           []Recipient `yaml:"recipients"`
	Report               Report      `yaml:"report"`
	// PublicHandles are the @handles of public accounts (the city's own, its departments)
	// that stay in stored text; every other @handle is taken for a private person's and
	// redacted.
	PublicHandles []string `yaml:"public_handles"`

	// DistrictsGeoJSON is the store key of a GeoJSON FeatureCollection of the districts'
	// polygons; the score stage places feedback with a lat/lon in the district that contains
	// it. Each feature names its district by the property DistrictProperty (default "id"),
	// matched against the districts' ids, names and aliases.
	DistrictsGeoJSON string `yaml:"districts_geojson"`
	DistrictProperty string `yaml:"district_property"`
	// SurveyWeighting rakes survey responses to population margins before survey KPIs.
	SurveyWeighting SurveyWeighting `yaml:"survey_weighting"`
	// Emerging tunes the emerging-topics list of the report.
	Emerging Emerging `yaml:"emerging"`

	loc *time.Location
}

// District is an area of the city that feedback and survey answers are attributed to.
type District struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Aliases are other spellings residents or vendors use for the district (matched
	// case-insensitively).
	Aliases []string `yaml:"aliases"`
	Line    int      `yaml:"-"`
}

// Source is one feed of resident feedback and the settings of its parser.
type Source struct {
	// ID is the source name used in S3 paths (inbox/<id>/, source=<id>).
	ID string `yaml:"id"`
	// Format is the export format: one of Formats.
	Format string `yaml:"format"`
	// SurveyID names the survey the export belongs to (surveys only).
	SurveyID string `yaml:"survey_id"`
	// DistrictQuestion is the survey question whose answer is the respondent's district.
	DistrictQuestion string `yaml:"district_question"`
	// Questions gives survey questions stable ids: id -> the start of the question text as
	// exported. Questions not listed get an id made from their text.
	Questions map[string]string `yaml:"questions"`
	// CSV maps the columns of a generic CSV export (format csv) onto feedback fields.
	CSV *CSVMapping `yaml:"csv"`
	// Pull, when set, fetches the source from its vendor's API on the daily schedule.
	Pull *Pull `yaml:"pull"`
	Line int   `yaml:"-"`
}

// Pull holds the settings of a scheduled API pull (shared/ingest/pull).
type Pull struct {
	// Endpoint is the API's base URL, such as https://api.x.com, https://oauth.reddit.com,
	// https://graph.facebook.com/v21.0, https://api.surveymonkey.com,
	// https://<datacenter>.qualtrics.com or an Open311 server's GeoReport v2 root.
	Endpoint string `yaml:"endpoint"`
	// Query is what to pull: the search query (twitter), the subreddit (reddit), the page id
	// (facebook), the vendor's survey id (surveymonkey, qualtrics), or service codes,
	// comma-separated, to filter on (open311, optional).
	Query string `yaml:"query"`
	// Secret is the Secrets Manager name of the credential: a bearer token (twitter,
	// reddit, facebook, surveymonkey), an API token (qualtrics) or an API key (open311,
	// optional).
	Secret string `yaml:"secret"`
	// PageSize is the records asked for per page; 0 means the vendor's usual maximum.
	PageSize int `yaml:"page_size"`
	// Window is how far back the first pull reaches (later pulls resume from the cursor);
	// 0 means 7 days, which is as far as X's recent search goes.
	Window time.Duration `yaml:"window"`
	// MaxPages caps the pages of one run (the next run resumes); 0 means 100.
	MaxPages int `yaml:"max_pages"`
}

// Formats are the export formats a source can have.
var Formats = []string{"surveymonkey", "qualtrics", "googleforms", "twitter", "reddit", "facebook", "open311", "csv"}

// CSVMapping names, by header, the columns of a generic CSV export. Empty names are absent
// columns; ID, CreatedAt and Text are required.
type CSVMapping struct {
	ID        string `yaml:"id"`
	CreatedAt string `yaml:"created_at"`
	// TimeLayout is a Go time layout for CreatedAt and ClosedAt; empty tries RFC 3339 and
	// common spreadsheet layouts. Times without a zone are read in the city's zone.
	TimeLayout string `yaml:"time_layout"`
	Text       string `yaml:"text"`
	Author     string `yaml:"author"`
	District   string `yaml:"district"`
	Lat        string `yaml:"lat"`
	Lon        string `yaml:"lon"`
	Category   string `yaml:"category"`
	Status     string `yaml:"status"`
	ClosedAt   string `yaml:"closed_at"`
	URL        string `yaml:"url"`
	// Channel is survey, social or service_request; default social.
	Channel string `yaml:"channel"`
	// Ratings are columns holding answers to rating questions: each becomes a
	// survey_answers row with its value normalized.
	Ratings []string `yaml:"ratings"`
}

// Topic is one entry of the taxonomy. Keywords match whole words or phrases,
// case-insensitively; Exclude phrases veto a match.
type Topic struct {
	ID       string   `yaml:"id"`
	Label    string   `yaml:"label"`
	Keywords []string `yaml:"keywords"`
	Exclude  []string `yaml:"exclude"`
	// Weights gives some keywords more (or less) weight than the default (1 a word, 2 a
	// phrase of two or more words) when the primary topic is chosen; a keyword listed only
	// here is a keyword too.
	Weights map[string]float64 `yaml:"weights"`
	// Remove drops a default topic from the city's taxonomy.
	Remove bool `yaml:"remove"`
	Line   int  `yaml:"-"`
}

// Filter narrows the records a KPI is computed over. Empty fields match everything.
type Filter struct {
	Topic    string `yaml:"topic"`
	Source   string `yaml:"source"`
	Channel  string `yaml:"channel"`
	District string `yaml:"district"`
	// Question is the survey question id a satisfaction or nps KPI reads.
	Question string `yaml:"question"`
}

// KPI kinds.
const (
	KindNetSentiment       = "net_sentiment"
	KindVolume             = "volume"
	KindShareOfVoice       = "share_of_voice"
	KindSatisfaction       = "satisfaction"
	KindNPS                = "nps"
	KindUniqueContributors = "unique_contributors"
	KindTimeToClose        = "time_to_close"
)

// Kinds lists the KPI kinds in the order the docs present them.
var Kinds = []string{KindNetSentiment, KindVolume, KindShareOfVoice, KindSatisfaction, KindNPS, KindUniqueContributors, KindTimeToClose}

// SurveyKind reports whether a KPI kind reads survey answers (rather than feedback records).
func SurveyKind(kind string) bool { return kind == KindSatisfaction || kind == KindNPS }

// SurveyWeighting says how survey responses are weighted: raked (iterative proportional
// fitting) to population margins, each quarter and survey apart, then trimmed.
type SurveyWeighting struct {
	Margins []Margin `yaml:"margins"`
	// Trim caps a weight at this multiple of the mean weight (re-normalizing after); 0 means 5.
	Trim float64 `yaml:"trim"`
}

// Margin is the population distribution of one respondent characteristic.
type Margin struct {
	// Variable is "district" (the answers' district column) or the id of a survey question
	// whose answer text is the category (such as an age band).
	Variable string `yaml:"variable"`
	// Shares maps each category to its share of the population; they sum to 1.
	Shares map[string]float64 `yaml:"shares"`
	Line   int                `yaml:"-"`
}

// Emerging configures emerging topics: keyphrases whose share of feedback rose most against
// the previous four quarters.
type Emerging struct {
	// MinCount is the fewest records this quarter a keyphrase needs; 0 means 10.
	MinCount int `yaml:"min_count"`
	// Top is how many emerging topics are listed; 0 means 5.
	Top int `yaml:"top"`
	// Prior is the pseudo-count added to both quarters' counts to smooth the lift; 0 means 1.
	Prior float64 `yaml:"prior"`
}

// KPI directions.
const (
	HigherIsBetter = "higher"
	LowerIsBetter  = "lower"
)

// KPI is one performance-management measure with its target.
type KPI struct {
	ID        string  `yaml:"id"`
	Label     string  `yaml:"label"`
	Kind      string  `yaml:"kind"`
	Filter    Filter  `yaml:"filter"`
	Target    float64 `yaml:"target"`
	Direction string  `yaml:"direction"`
	Owner     string  `yaml:"owner"`
	// MinN is the smallest sample the KPI is reported on; below it the status is no_data.
	MinN int `yaml:"min_n"`
	Line int `yaml:"-"`
}

// Scope is what part of the report a recipient receives.
type Scope struct {
	All    bool     `yaml:"all"`
	Owners []string `yaml:"owners"`
	KPIs   []string `yaml:"kpis"`
	Topics []string `yaml:"topics"`
}

// Recipient is one person who receives the quarterly report.
type Recipient struct {
	// Key names the recipient in S3 paths and the send ledger; it must never change once a
	// report has been sent, or the recipient could receive a quarter twice.
	Key   string `yaml:"key"`
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	Role  string `yaml:"role"`
	Scope Scope  `yaml:"scope"`
	Line  int    `yaml:"-"`
}

// Report holds the settings of the report email.
type Report struct {
	From string `yaml:"from"`
	// AthenaConsoleURL is where "query this table" links point; empty leaves them out.
	AthenaConsoleURL string `yaml:"athena_console_url"`
	// Database is the Glue database named in the queries the report shows.
	Database string `yaml:"database"`
}

// Error is a validation error at a line of the config file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every validation error of one file, in line order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and validates a city config; name is the file name used in error messages.
// Topics not listed keep the default taxonomy; listed ones replace or extend it.
func Load(r io.Reader, name string) (*City, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c City
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "empty config"}
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			es := make(Errors, 0, len(te.Errors))
			for _, m := range te.Errors {
				es = append(es, parseYAMLMsg(name, m))
			}
			return nil, es
		}
		return nil, parseYAMLMsg(name, err.Error())
	}
	c.Topics = mergeTopics(DefaultTopics(), c.Topics)
	if es := c.validate(name); len(es) > 0 {
		return nil, es
	}
	return &c, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

func parseYAMLMsg(file, msg string) *Error {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &Error{File: file, Line: line, Msg: m[2]}
	}
	return &Error{File: file, Msg: msg}
}

// Location is the city's time zone, loaded during validation.
func (c *City) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// Topic returns the taxonomy entry with the given id.
func (c *City) Topic(id string) (Topic, bool) {
	for _, t := range c.Topics {
		if t.ID == id {
			return t, true
		}
	}
	return Topic{}, false
}

// Source returns the source with the given id.
func (c *City) Source(id string) (Source, bool) {
	for _, s := range c.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return Source{}, false
}

// DistrictID resolves a district name, id or alias as residents write it to its id.
func (c *City) DistrictID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, d := range c.Districts {
		if strings.EqualFold(s, d.ID) || strings.EqualFold(s, d.Name) {
			return d.ID, true
		}
		for _, a := range d.Aliases {
			if strings.EqualFold(s, a) {
				return d.ID, true
			}
		}
	}
	return "", false
}

// InScope reports whether a recipient's report includes the KPI.
func (s Scope) InScope(k KPI) bool {
	if s.All {
		return true
	}
	for _, o := range s.Owners {
		if o == k.Owner {
			return true
		}
	}
	for _, id := range s.KPIs {
		if id == k.ID {
			return true
		}
	}
	return k.Filter.Topic != "" && s.HasTopic(k.Filter.Topic)
}

// HasTopic reports whether a recipient's report includes the topic.
func (s Scope) HasTopic(topic string) bool {
	if s.All {
		return true
	}
	for _, t := range s.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

// The UnmarshalYAML methods record the line of each list entry for validation messages.

func (d *District) UnmarshalYAML(n *yaml.Node) error {
	type plain District
	if err := n.Decode((*plain)(d)); err != nil {
		return err
	}
	d.Line = n.Line
	return nil
}

func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	type plain Source
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Line = n.Line
	return nil
}

func (t *Topic) UnmarshalYAML(n *yaml.Node) error {
	type plain Topic
	if err := n.Decode((*plain)(t)); err != nil {
		return err
	}
	t.Line = n.Line
	return nil
}

func (k *KPI) UnmarshalYAML(n *yaml.Node) error {
	type plain KPI
	if err := n.Decode((*plain)(k)); err != nil {
		return err
	}
	k.Line = n.Line
	return nil
}

func (m *Margin) UnmarshalYAML(n *yaml.Node) error {
	type plain Margin
	if err := n.Decode((*plain)(m)); err != nil {
		return err
	}
	m.Line = n.Line
	return nil
}

func (r *Recipient) UnmarshalYAML(n *yaml.Node) error {
	type plain Recipient
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	r.Line = n.Line
	return nil
}

// mergeTopics applies a city's topic entries to the defaults: same id replaces (or removes),
// a new id is added.
func mergeTopics(defaults, city []Topic) []Topic {
	out := append([]Topic(nil), defaults...)
	for _, t := range city {
		i := -1
		for j := range out {
			if out[j].ID == t.ID {
				i = j
				break
			}
		}
		switch {
		case t.Remove && i >= 0:
			out = append(out[:i], out[i+1:]...)
		case t.Remove:
			out = append(out, t) // kept so validation can name the line of an unknown id
		case i >= 0:
			out[i] = t
		default:
			out = append(out, t)
		}
	}
	return out
}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	emailPattern = regexp.MustCompile(`^[^@\s<>"',;]+@[^@\s<>"',;]+\.[^@\s<>"',;]+$`)
)

func (c *City) validate(file string) Errors {
	var es Errors
	add := func(line int, format string, args ...any) {
		es = append(es, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.Name) == "" {
		add(0, "name: required")
	}
	if c.TimeZone == "" {
		add(0, "timezone: required (an IANA name such as America/Chicago)")
	} else if loc, err := time.LoadLocation(c.TimeZone); err != nil {
		add(0, "timezone: unknown time zone %q", c.TimeZone)
	} else {
		c.loc = loc
	}
	if c.FiscalYearStartMonth == 0 {
		c.FiscalYearStartMonth = 1
	}
	if c.FiscalYearStartMonth < 1 || c.FiscalYearStartMonth > 12 {
		add(0, "fiscal_year_start_month: %d is not a month (1..12)", c.FiscalYearStartMonth)
	}

	districts := map[string]bool{}
	for _, d := range c.Districts {
		if !idPattern.MatchString(d.ID) {
			add(d.Line, "district id %q: use lower-case letters, digits, '_' or '-'", d.ID)
		}
		if districts[d.ID] {
			add(d.Line, "district id %q: listed twice", d.ID)
		}
		districts[d.ID] = true
	}
	sources := map[string]bool{}
	for _, s := range c.Sources {
		if !idPattern.MatchString(s.ID) {
			add(s.Line, "source id %q: use lower-case letters, digits, '_' or '-'", s.ID)
		}
		if sources[s.ID] {
			add(s.Line, "source id %q: listed twice", s.ID)
		}
		sources[s.ID] = true
		if !slices.Contains(Formats, s.Format) {
			add(s.Line, "source %q: unknown format %q (want one of %s)", s.ID, s.Format, strings.Join(Formats, ", "))
		}
		if m := s.CSV; s.Format == "csv" && (m == nil || m.ID == "" || m.CreatedAt == "" || m.Text == "") {
			add(s.Line, "source %q: format csv needs csv: with at least id, created_at and text columns", s.ID)
		}
		if p := s.Pull; p != nil {
			switch {
			case s.Format == "csv" || s.Format == "googleforms":
				add(s.Line, "source %q: format %s has no API to pull from", s.ID, s.Format)
			case !strings.HasPrefix(p.Endpoint, "https://") && !strings.HasPrefix(p.Endpoint, "http://"):
				add(s.Line, "source %q: pull.endpoint %q: want an https:// URL", s.ID, p.Endpoint)
			case p.Query == "" && s.Format != "open311":
				add(s.Line, "source %q: pull.query is required for format %s", s.ID, s.Format)
			case p.Secret == "" && s.Format != "open311":
				add(s.Line, "source %q: pull.secret (a Secrets Manager name) is required for format %s", s.ID, s.Format)
			case p.PageSize < 0 || p.Window < 0 || p.MaxPages < 0:
				add(s.Line, "source %q: pull.page_size, pull.window and pull.max_pages cannot be negative", s.ID)
			}
		}
		if m := s.CSV; m != nil && m.Channel != "" && m.Channel != "survey" && m.Channel != "social" && m.Channel != "service_request" {
			add(s.Line, "source %q: csv.channel %q: want survey, social or service_request", s.ID, m.Channel)
		}
	}
	topics := map[string]bool{}
	for _, t := range c.Topics {
		if t.Remove {
			add(t.Line, "topic %q: remove names no default topic", t.ID)
			continue
		}
		if !idPattern.MatchString(t.ID) {
			add(t.Line, "topic id %q: use lower-case letters, digits, '_' or '-'", t.ID)
		}
		if len(t.Keywords)+len(t.Weights) == 0 {
			add(t.Line, "topic %q: keywords: at least one is required", t.ID)
		}
		topics[t.ID] = true
	}
	kpis := map[string]bool{}
	for _, k := range c.KPIs {
		if !idPattern.MatchString(k.ID) {
			add(k.Line, "kpi id %q: use lower-case letters, digits, '_' or '-'", k.ID)
		}
		if kpis[k.ID] {
			add(k.Line, "kpi id %q: listed twice", k.ID)
		}
		kpis[k.ID] = true
		if k.Label == "" {
			add(k.Line, "kpi %q: label: required", k.ID)
		}
		switch {
		case !slices.Contains(Kinds, k.Kind):
			add(k.Line, "kpi %q: unknown kind %q (want one of %s)", k.ID, k.Kind, strings.Join(Kinds, ", "))
		case SurveyKind(k.Kind) && k.Filter.Question == "":
			add(k.Line, "kpi %q: filter.question: required for kind %s", k.ID, k.Kind)
		case SurveyKind(k.Kind) && k.Filter.Topic != "":
			add(k.Line, "kpi %q: filter.topic: survey answers have no topic (kind %s)", k.ID, k.Kind)
		case !SurveyKind(k.Kind) && k.Filter.Question != "":
			add(k.Line, "kpi %q: filter.question: only satisfaction and nps read a question", k.ID)
		case k.Kind == KindTimeToClose && k.Filter.Channel != "" && k.Filter.Channel != "service_request":
			add(k.Line, "kpi %q: filter.channel %q: time_to_close reads service requests only", k.ID, k.Filter.Channel)
		}
		switch k.Kind {
		case KindShareOfVoice, KindSatisfaction:
			if k.Target < 0 || k.Target > 1 {
				add(k.Line, "kpi %q: target %v: a %s is a share between 0 and 1", k.ID, k.Target, k.Kind)
			}
		case KindNetSentiment, KindNPS:
			if k.Target < -1 || k.Target > 1 {
				add(k.Line, "kpi %q: target %v: a %s is between -1 and 1 (0.25 means +25 points)", k.ID, k.Target, k.Kind)
			}
		case KindVolume, KindUniqueContributors, KindTimeToClose:
			if k.Target < 0 {
				add(k.Line, "kpi %q: target %v: must not be negative", k.ID, k.Target)
			}
		}
		switch k.Direction {
		case HigherIsBetter, LowerIsBetter:
		case "":
			add(k.Line, "kpi %q: direction: required (higher or lower)", k.ID)
		default:
			add(k.Line, "kpi %q: direction %q: want higher or lower", k.ID, k.Direction)
		}
		if k.Owner == "" {
			add(k.Line, "kpi %q: owner: required", k.ID)
		}
		if k.MinN < 0 {
			add(k.Line, "kpi %q: min_n %d: must not be negative", k.ID, k.MinN)
		}
		if f := k.Filter; f.Topic != "" && !topics[f.Topic] {
			add(k.Line, "kpi %q: filter.topic %q is not a topic of the taxonomy", k.ID, f.Topic)
		}
		if f := k.Filter; f.Source != "" && !sources[f.Source] {
			add(k.Line, "kpi %q: filter.source %q is not a configured source", k.ID, f.Source)
		}
		if f := k.Filter; f.District != "" && !districts[f.District] {
			add(k.Line, "kpi %q: filter.district %q is not a configured district", k.ID, f.District)
		}
		switch k.Filter.Channel {
		case "", "survey", "social", "service_request":
		default:
			add(k.Line, "kpi %q: filter.channel %q: want survey, social or service_request", k.ID, k.Filter.Channel)
		}
	}
	w := &c.SurveyWeighting
	if w.Trim == 0 {
		w.Trim = 5
	}
	if w.Trim <= 1 {
		add(0, "survey_weighting.trim %v: must be above 1 (a multiple of the mean weight)", w.Trim)
	}
	vars := map[string]bool{}
	for _, m := range w.Margins {
		if m.Variable == "" {
			add(m.Line, "survey_weighting margin: variable: required (district or a question id)")
		}
		if vars[m.Variable] {
			add(m.Line, "survey_weighting margin %q: listed twice", m.Variable)
		}
		vars[m.Variable] = true
		sum := 0.0
		for _, cat := range slices.Sorted(maps.Keys(m.Shares)) {
			share := m.Shares[cat]
			if share <= 0 || share > 1 {
				add(m.Line, "survey_weighting margin %q: share of %q is %v; want above 0 and at most 1", m.Variable, cat, share)
			}
			if m.Variable == "district" && !districts[cat] {
				add(m.Line, "survey_weighting margin district: %q is not a configured district", cat)
			}
			sum += share
		}
		if len(m.Shares) < 2 {
			add(m.Line, "survey_weighting margin %q: shares: at least two categories are required", m.Variable)
		} else if sum < 0.999 || sum > 1.001 {
			add(m.Line, "survey_weighting margin %q: shares sum to %.4f; want 1", m.Variable, sum)
		}
	}
	e := &c.Emerging
	if e.MinCount < 0 || e.Top < 0 || e.Prior < 0 {
		add(0, "emerging: min_count, top and prior must not be negative")
	}
	if e.MinCount == 0 {
		e.MinCount = 10
	}
	if e.Top == 0 {
		e.Top = 5
	}
	if e.Prior == 0 {
		e.Prior = 1
	}
	keys := map[string]bool{}
	for _, r := range c.Recipients {
		if !idPattern.MatchString(r.Key) {
			add(r.Line, "recipient key %q: use lower-case letters, digits, '_' or '-'", r.Key)
		}
		if keys[r.Key] {
			add(r.Line, "recipient key %q: listed twice", r.Key)
		}
		keys[r.Key] = true
		if !emailPattern.MatchString(r.Email) {
			add(r.Line, "recipient %q: email %q is not an address", r.Key, r.Email)
		}
		if strings.ContainsAny(r.Name, "\r\n") {
			add(r.Line, "recipient %q: name must be one line", r.Key)
		}
		for _, id := range r.Scope.KPIs {
			if !kpis[id] {
				add(r.Line, "recipient %q: scope.kpis names unknown kpi %q", r.Key, id)
			}
		}
		for _, id := range r.Scope.Topics {
			if !topics[id] {
				add(r.Line, "recipient %q: scope.topics names unknown topic %q", r.Key, id)
			}
		}
		if !r.Scope.All && len(r.Scope.Owners)+len(r.Scope.KPIs)+len(r.Scope.Topics) == 0 {
			add(r.Line, "recipient %q: scope is empty (set all: true, or owners, kpis or topics)", r.Key)
		}
	}
	if len(c.Recipients) > 0 && !emailPattern.MatchString(c.Report.From) {
		add(0, "report.from %q: a sender address is required to send the report", c.Report.From)
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}
