package kpi_test

import (
	"fmt"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
)

func ExampleCalendar() {
	chicago, _ := time.LoadLocation("America/Chicago")
	cal := kpi.Calendar{FiscalYearStartMonth: 7, Location: chicago}
	// 23:30 on 30 September in Chicago is already 1 October in UTC.
	q := cal.Of(time.Date(2026, 10, 1, 4, 30, 0, 0, time.UTC))
	start, end := cal.Bounds(q)
	fmt.Println(q, q.Label(), start.Format("2006-01-02"), end.Format("2006-01-02"))
	// Output: 2027-Q1 Q1 FY2027 2026-07-01 2026-10-01
}

func ExampleRake() {
	// Four respondents, three from the north; the population is half north, half south.
	margins := []config.Margin{{Variable: "district", Shares: map[string]float64{"north": 0.5, "south": 0.5}}}
	cats := [][]string{{"north"}, {"north"}, {"north"}, {"south"}}
	w := kpi.Rake([]float64{1, 1, 1, 1}, cats, margins, 5)
	fmt.Printf("%.3f %.3f %.3f %.3f\n", w[0], w[1], w[2], w[3])
	// Output: 0.667 0.667 0.667 2.000
}
