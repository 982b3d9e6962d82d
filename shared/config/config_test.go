package config_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
)

func TestLoadSample(t *testing.T) {
	c, err := config.Load(bytes.NewReader(sample.CityYAML), "city.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Name != "Springfield" || c.FiscalYearStartMonth != 7 || c.Location().String() != "America/Chicago" {
		t.Errorf("got %q fy=%d tz=%s", c.Name, c.FiscalYearStartMonth, c.Location())
	}
	if _, ok := c.Topic("snow"); !ok {
		t.Error("city topic snow missing")
	}
	if _, ok := c.Topic("roads"); !ok {
		t.Error("default topic roads missing")
	}
	if got, want := len(c.Topics), 11; got != want {
		t.Errorf("len(Topics) = %d; want %d", got, want)
	}
	if id, ok := c.DistrictID("cbd"); !ok || id != "downtown" {
		t.Errorf("DistrictID(cbd) = %q, %v; want downtown", id, ok)
	}
}

func TestDefaultTopicIDs(t *testing.T) {
	var ids []string
	for _, tp := range config.DefaultTopics() {
		ids = append(ids, tp.ID)
	}
	want := "roads sanitation parks public_safety homelessness housing transit water noise city_services"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("default topics = %s; want %s", got, want)
	}
}

func TestLoadErrorsNameLines(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "name: X\ntimezone: UTC\nbogus: 1\n", "city.yaml:3: field bogus not found"},
		{"bad zone", "name: X\ntimezone: Mars/Olympus\n", "unknown time zone"},
		{"bad kind", "name: X\ntimezone: UTC\nkpis:\n  - id: a\n    label: A\n    kind: vibes\n    direction: higher\n    owner: o\n", `city.yaml:4: kpi "a": unknown kind "vibes"`},
		{"unknown topic", "name: X\ntimezone: UTC\nkpis:\n  - id: a\n    label: A\n    kind: volume\n    direction: lower\n    owner: o\n    filter: {topic: nope}\n", `city.yaml:4: kpi "a": filter.topic "nope"`},
		{"bad email", "name: X\ntimezone: UTC\nreport: {from: a@b.org}\nrecipients:\n  - key: m\n    email: not-an-address\n    scope: {all: true}\n", `city.yaml:5: recipient "m": email`},
		{"header injection", "name: X\ntimezone: UTC\nreport: {from: a@b.org}\nrecipients:\n  - key: m\n    email: \"a@b.org\\r\\nBcc: x@y.org\"\n    scope: {all: true}\n", `city.yaml:5: recipient "m": email`},
		{"satisfaction without question", "name: X\ntimezone: UTC\nkpis:\n  - id: s\n    label: S\n    kind: satisfaction\n    direction: higher\n    owner: o\n", `city.yaml:4: kpi "s": filter.question: required`},
		{"empty", "", "empty config"},
		{"bad yaml", "name: [\n", "city.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(strings.NewReader(tt.yaml), "city.yaml")
			if err == nil {
				t.Fatalf("Load succeeded; want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

func ExampleLoad() {
	c, err := config.Load(strings.NewReader(`
name: Springfield
timezone: America/Chicago
fiscal_year_start_month: 7
kpis:
  - id: net_sentiment
    label: Net sentiment
    kind: net_sentiment
    target: 0
    direction: sideways
    owner: city_manager
`), "city.yaml")
	fmt.Println(c, err)
	// Output:
	// <nil> city.yaml:6: kpi "net_sentiment": direction "sideways": want higher or lower
}
