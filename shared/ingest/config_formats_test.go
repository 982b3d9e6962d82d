package ingest_test

import (
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
)

// Every format the parsers read is one city.yaml accepts, and a csv source needs its mapping.
func TestConfigAcceptsEveryFormat(t *testing.T) {
	var y strings.Builder
	y.WriteString("name: Springfield\ntimezone: America/Chicago\nfiscal_year_start_month: 7\nsources:\n")
	for _, f := range config.Formats {
		y.WriteString("  - id: src-" + f + "\n    format: " + f + "\n")
		if f == "csv" {
			y.WriteString("    csv: {id: Ticket, created_at: Opened, time_layout: \"2006-01-02 15:04\", text: Details, ratings: [Score]}\n")
		}
	}
	c, err := config.Load(strings.NewReader(y.String()), "city.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, f := range config.Formats {
		s, ok := c.Source("src-" + f)
		if !ok {
			t.Errorf("source of format %s missing", f)
			continue
		}
		if _, err := ingest.Parse(strings.NewReader("x\n"), "x", ingest.Options{Source: s}); err != nil && strings.Contains(err.Error(), "unknown format") {
			t.Errorf("format %s is valid in config but Parse does not know it: %v", f, err)
		}
	}
	if s, _ := c.Source("src-csv"); s.CSV == nil || s.CSV.Text != "Details" || s.CSV.Ratings[0] != "Score" {
		t.Errorf("csv mapping = %+v", s.CSV)
	}

	bad := "name: S\ntimezone: UTC\nfiscal_year_start_month: 1\nsources:\n  - id: a\n    format: csv\n  - id: b\n    format: myspace\n"
	_, err = config.Load(strings.NewReader(bad), "city.yaml")
	for _, want := range []string{"city.yaml:5", "format csv needs csv:", "city.yaml:7", `unknown format "myspace"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v; want it to contain %q", err, want)
		}
	}
}
