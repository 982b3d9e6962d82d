package kpi

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
)

// TestWindowIndexMatchesCalendar checks AddFeedback's quarter lookup by epoch bounds against
// Calendar.Of, including zones whose midnight was skipped or repeated by a clock change.
func TestWindowIndexMatchesCalendar(t *testing.T) {
	for _, tc := range []struct {
		zone    string
		fyStart int
		q       Quarter
	}{
		{"America/Chicago", 7, Quarter{FY: 2027, Q: 1}},
		{"UTC", 1, Quarter{FY: 2026, Q: 3}},
		{"America/Sao_Paulo", 1, Quarter{FY: 2018, Q: 4}}, // DST began at midnight, 4 Nov 2018
		{"Asia/Beirut", 4, Quarter{FY: 2024, Q: 1}},       // changes at midnight
		{"Pacific/Apia", 1, Quarter{FY: 2012, Q: 1}},      // skipped 30 Dec 2011
	} {
		t.Run(tc.zone, func(t *testing.T) {
			city, err := config.Load(strings.NewReader(fmt.Sprintf("name: W\ntimezone: %s\nfiscal_year_start_month: %d\n", tc.zone, tc.fyStart)), "city.yaml")
			if err != nil {
				t.Fatal(err)
			}
			c := NewComputer(city, tc.q)
			want := func(ti time.Time) int {
				q := c.cal.Of(ti)
				if !c.inWindow(q) {
					return -1
				}
				return Trend - 1 - c.back(q)
			}
			var times []time.Time
			for _, b := range c.bounds {
				for _, d := range []int64{-86400001, -86400000, -3600001, -1, 0, 1, 3600000, 86400000} {
					times = append(times, time.UnixMilli(b+d))
				}
			}
			r := rand.New(rand.NewPCG(1, 2))
			lo, hi := c.bounds[0]-400*86400000, c.bounds[len(c.bounds)-1]+400*86400000
			for range 20000 {
				times = append(times, time.UnixMilli(lo+r.Int64N(hi-lo)).Add(time.Duration(r.IntN(1e6))))
			}
			times = append(times, time.Time{})
			for _, ti := range times {
				if got, want := c.windowIndex(ti), want(ti); got != want {
					t.Errorf("windowIndex(%s) = %d; want %d", ti, got, want)
				}
			}
		})
	}
}
