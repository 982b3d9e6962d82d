package report_test

import (
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/report"
)

func Example() {
	f, err := os.Open("testdata/city.yaml")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	city, err := config.Load(f, "city.yaml")
	if err != nil {
		log.Fatal(err)
	}
	b, err := os.ReadFile("testdata/kpis.json") // kpi/quarter=2027-Q1/kpis.json
	if err != nil {
		log.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		log.Fatal(err)
	}

	for _, to := range city.Recipients {
		r, err := report.New(&doc, city, to)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Subject)
		fmt.Println(" ", r.Headline[0])
		for _, k := range r.KPIs {
			fmt.Printf("  %s: %s (target %s) %s %s; %s\n", k.Label, k.Value, k.Target, k.Status.Symbol, k.Status.Word, k.Change)
		}
	}
	// Output:
	// Springfield — Q1 FY2027 community KPIs: 1 of 5 on target
	//   In Q1 FY2027, 1 of the 5 KPIs in this report met its target; 1 is at risk, 2 missed and 1 had too little data to report.
	//   Net sentiment, all feedback: -4 (target ≥ 0) ✖ Missed; no significant change
	//   Net sentiment about roads: -12 (target ≥ -20) ✔ Met; ▲ +14 pts, better
	//   Net sentiment about homelessness: No data (target ≥ -30) ○ No data; not comparable
	//   Road complaints and comments: 412 (target ≤ 350) ✖ Missed; ▲ +61, worse
	//   Residents satisfied with city services (survey): 61% (target ≥ 60%) ⚠ At risk; no significant change
	// Springfield — Q1 FY2027 community KPIs: 1 of 2 on target
	//   In Q1 FY2027, 1 of the 2 KPIs in this report met its target; 1 missed.
	//   Net sentiment about roads: -12 (target ≥ -20) ✔ Met; ▲ +14 pts, better
	//   Road complaints and comments: 412 (target ≤ 350) ✖ Missed; ▲ +61, worse
}
