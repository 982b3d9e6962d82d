package kpi_test

import (
	"fmt"
	"time"

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
