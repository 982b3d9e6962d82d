package table_test

import (
	"bytes"
	"os"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

func Example() {
	rows := []table.KPI{{KPIID: "net_sentiment", Label: "Net sentiment", N: 412, Target: 0, Status: "met",
		ComputedAt: time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC)}}
	b, _ := table.Encode(rows)
	parts := table.ParsePartitions("kpi/quarter=2027-Q1/kpis.parquet")
	_ = table.WriteJSONLines(os.Stdout, bytes.NewReader(b), int64(len(b)), parts)
	// Output:
	// {"kpi_id":"net_sentiment","label":"Net sentiment","value":null,"ci_low":null,"ci_high":null,"n":412,"previous_value":null,"change":null,"change_significant":false,"year_ago_value":null,"target":0,"status":"met","owner":"","computed_at":"2026-10-02T06:00:00Z","quarter":"2027-Q1"}
}
