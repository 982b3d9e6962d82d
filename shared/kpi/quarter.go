package kpi

import (
	"fmt"
	"time"
)

// Quarter is a fiscal quarter. A fiscal year is named by the calendar year it ends in: with a
// July start, FY2027 runs from July 2026 to June 2027 and its Q1 is July to September 2026.
type Quarter struct {
	FY int // fiscal year
	Q  int // 1..4
}

// ParseQuarter reads "YYYY-Qn", the form used in S3 paths.
func ParseQuarter(s string) (Quarter, error) {
	var q Quarter
	if _, err := fmt.Sscanf(s, "%4d-Q%1d", &q.FY, &q.Q); err != nil || q.Q < 1 || q.Q > 4 || len(s) != 7 {
		return Quarter{}, fmt.Errorf("quarter %q: want YYYY-Qn, such as 2027-Q1", s)
	}
	return q, nil
}

// String is the path form, "2027-Q1".
func (q Quarter) String() string { return fmt.Sprintf("%04d-Q%d", q.FY, q.Q) }

// Label is the form people read, "Q1 FY2027".
func (q Quarter) Label() string { return fmt.Sprintf("Q%d FY%04d", q.Q, q.FY) }

// Add returns the quarter n quarters later (earlier for negative n).
func (q Quarter) Add(n int) Quarter {
	i := q.FY*4 + (q.Q - 1) + n
	return Quarter{FY: i / 4, Q: i%4 + 1}
}

// Calendar cuts quarters for a city: its fiscal-year start month and time zone.
type Calendar struct {
	FiscalYearStartMonth int // 1..12
	Location             *time.Location
}

// Bounds returns the first instant of the quarter and the first instant after it, in the
// city's zone.
func (c Calendar) Bounds(q Quarter) (start, end time.Time) {
	year := q.FY
	if c.FiscalYearStartMonth != 1 {
		year--
	}
	start = time.Date(year, time.Month(c.FiscalYearStartMonth+3*(q.Q-1)), 1, 0, 0, 0, 0, c.loc())
	return start, start.AddDate(0, 3, 0)
}

// Of returns the quarter an instant belongs to, as the city lived it: 23:30 local time on
// 30 September is in the quarter that ends that day, whatever the UTC date.
func (c Calendar) Of(t time.Time) Quarter {
	t = t.In(c.loc())
	m := int(t.Month())
	offset := (m - c.FiscalYearStartMonth + 12) % 12
	fy := t.Year()
	if c.FiscalYearStartMonth != 1 && m >= c.FiscalYearStartMonth {
		fy++
	}
	return Quarter{FY: fy, Q: offset/3 + 1}
}

// Months returns the month partition values ("2026-07") of the quarter.
func (c Calendar) Months(q Quarter) []string {
	start, _ := c.Bounds(q)
	return []string{start.Format("2006-01"), start.AddDate(0, 1, 0).Format("2006-01"), start.AddDate(0, 2, 0).Format("2006-01")}
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}
