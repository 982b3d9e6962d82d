package kpi

import "time"

// Statuses of a KPI against its target.
const (
	StatusMet    = "met"
	StatusAtRisk = "at_risk"
	StatusMissed = "missed"
	StatusNoData = "no_data"
)

// Units say how a KPI value reads.
const (
	UnitScore = "score" // -1..1, shown as a signed number of points (x100)
	UnitShare = "share" // 0..1, shown as a percentage
	UnitCount = "count"
	UnitDays  = "days" // a duration in days, such as time to close a service request
)

// Document is kpis.json: everything the report needs about one quarter, and nothing the
// report must compute itself.
type Document struct {
	City         string    `json:"city"`
	Quarter      string    `json:"quarter"`       // "2027-Q1": fiscal year and quarter, as in S3 paths
	QuarterLabel string    `json:"quarter_label"` // "Q1 FY2027"
	Start        time.Time `json:"start"`         // first instant of the quarter, in the city's zone
	End          time.Time `json:"end"`           // first instant after the quarter
	TimeZone     string    `json:"timezone"`
	ComputedAt   time.Time `json:"computed_at"`
	KPIs         []Result  `json:"kpis"`
	// Topics are this quarter's topics, by volume (largest first).
	Topics []TopicSummary `json:"topics"`
	// Emerging are keyphrases whose share of this quarter's feedback rose most against the
	// previous four quarters, largest rise first, each with enough support to matter.
	Emerging []EmergingTopic `json:"emerging"`
	// Sources counts this quarter's feedback records by source.
	Sources []SourceCount `json:"sources"`
	// Feedback and Responses are this quarter's totals: scored feedback records and survey
	// responses.
	Feedback  int64 `json:"feedback"`
	Responses int64 `json:"responses"`
}

// Result is one KPI of one quarter.
type Result struct {
	ID        string  `json:"id"`
	Label     string  `json:"label"`
	Kind      string  `json:"kind"`
	Unit      string  `json:"unit"`
	Owner     string  `json:"owner"`
	Topic     string  `json:"topic,omitempty"`
	Direction string  `json:"direction"`
	Target    float64 `json:"target"`
	MinN      int64   `json:"min_n"`

	// Value is nil when there are no data at all; Status is no_data when N < MinN.
	Value  *float64 `json:"value"`
	CILow  *float64 `json:"ci_low"`
	CIHigh *float64 `json:"ci_high"`
	N      int64    `json:"n"`
	// P90 is the 90th percentile of a time_to_close KPI (Value is the median), as DuckDB's
	// quantile_cont(0.9) computes it.
	P90 *float64 `json:"p90,omitempty"`
	// NEff is the Kish effective sample size of a survey KPI's weights: its margin of error is
	// that of a simple random sample of this size.
	NEff *float64 `json:"n_eff,omitempty"`

	Previous *float64 `json:"previous"`
	Change   *float64 `json:"change"`
	// ChangeSignificant is true when the change from the previous quarter is significant at
	// p < 0.05 (Test names the test); only then does the report draw an arrow.
	ChangeSignificant bool     `json:"change_significant"`
	PValue            *float64 `json:"p_value"`
	Test              string   `json:"test"`
	YearAgo           *float64 `json:"year_ago"`
	Status            string   `json:"status"`
	// Trend is the last eight quarters, oldest first, ending with this one.
	Trend []Point `json:"trend"`
}

// Point is a KPI's value in one quarter of its trend.
type Point struct {
	Quarter string   `json:"quarter"`
	Value   *float64 `json:"value"`
	N       int64    `json:"n"`
}

// TopicSummary is one topic's quarter.
type TopicSummary struct {
	ID            string  `json:"id"`
	Label         string  `json:"label"`
	Volume        int64   `json:"volume"`
	NetSentiment  float64 `json:"net_sentiment"`
	NegativeShare float64 `json:"negative_share"`
	Quotes        []Quote `json:"quotes"`
}

// Quote is a resident's redacted words, as stored in the lake.
type Quote struct {
	Text      string    `json:"text"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	Sentiment float64   `json:"sentiment"`
}

// SourceCount is the number of feedback records from one source.
type SourceCount struct {
	Source string `json:"source"`
	Count  int64  `json:"count"`
}

// EmergingTopic is a keyphrase whose share of feedback rose against the previous four quarters.
type EmergingTopic struct {
	Phrase        string  `json:"phrase"`
	Count         int64   `json:"count"`          // records mentioning it this quarter
	Share         float64 `json:"share"`          // of this quarter's records
	BaselineShare float64 `json:"baseline_share"` // of the previous four quarters' records
	Lift          float64 `json:"lift"`           // Share / BaselineShare (smoothed)
	Quotes        []Quote `json:"quotes"`
}
