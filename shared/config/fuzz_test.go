package config_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
)

// FuzzLoad feeds Load mutations of the sample city.yaml (and what testdata/fuzz/FuzzLoad
// holds). Whatever the bytes, Load does not panic; an error names the file on every line; a
// config it accepts holds what validation promises, and reads back the same once written out.
func FuzzLoad(f *testing.F) {
	f.Add(sample.CityYAML)
	f.Add([]byte("name: x\ntimezone: UTC\n"))
	f.Add([]byte("name: x\ntimezone: UTC\nsources:\n  - {id: s, format: csv, csv: {id: a, created_at: b, text: c}}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	const name = "fuzz.yaml"
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := config.Load(bytes.NewReader(b), name)
		if err != nil {
			var es config.Errors
			var e *config.Error
			switch {
			case errors.As(err, &es):
				if len(es) == 0 {
					t.Fatal("empty Errors")
				}
				for _, e := range es {
					if e.File != name {
						t.Fatalf("error %q does not name the file", e)
					}
				}
			case errors.As(err, &e):
				if e.File != name {
					t.Fatalf("error %q does not name the file", e)
				}
			default:
				if !strings.Contains(err.Error(), name) {
					t.Fatalf("error %q does not name the file", err)
				}
			}
			return
		}
		checkValid(t, c)
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("marshal an accepted config: %v", err)
		}
		again, err := config.Load(bytes.NewReader(out), name)
		if err != nil {
			t.Fatalf("an accepted config, written out, is refused: %v\n%s", err, out)
		}
		if again.Name != c.Name || again.Location().String() != c.Location().String() || len(again.Sources) != len(c.Sources) ||
			len(again.KPIs) != len(c.KPIs) || len(again.Topics) != len(c.Topics) || len(again.Recipients) != len(c.Recipients) {
			t.Fatalf("written out and read back, the config changed:\n%s", out)
		}
	})
}

// checkValid holds an accepted config to what validation promises its users.
func checkValid(t *testing.T, c *config.City) {
	t.Helper()
	if strings.TrimSpace(c.Name) == "" || c.Location().String() != c.TimeZone || c.FiscalYearStartMonth < 1 || c.FiscalYearStartMonth > 12 {
		t.Fatalf("accepted: name %q, zone %q (%s), fiscal month %d", c.Name, c.TimeZone, c.Location(), c.FiscalYearStartMonth)
	}
	seen := map[string]bool{}
	for _, s := range c.Sources {
		got, ok := c.Source(s.ID)
		if seen[s.ID] || !ok || got.Format != s.Format || !slices.Contains(config.Formats, s.Format) {
			t.Fatalf("accepted source %q (format %q): twice, not found, or of no known format", s.ID, s.Format)
		}
		seen[s.ID] = true
		if s.Format == "csv" && (s.CSV == nil || s.CSV.ID == "" || s.CSV.CreatedAt == "" || s.CSV.Text == "") {
			t.Fatalf("accepted csv source %q without its required columns", s.ID)
		}
	}
	for _, k := range c.KPIs {
		if !slices.Contains(config.Kinds, k.Kind) || k.Label == "" || k.Owner == "" {
			t.Fatalf("accepted kpi %+v", k)
		}
		if k.Filter.Topic != "" {
			if _, ok := c.Topic(k.Filter.Topic); !ok {
				t.Fatalf("accepted kpi %q filtering on unknown topic %q", k.ID, k.Filter.Topic)
			}
		}
	}
	for _, d := range c.Districts {
		if id, ok := c.DistrictID(d.ID); !ok || id != d.ID {
			t.Fatalf("district %q does not resolve to itself: %q, %v", d.ID, id, ok)
		}
	}
	if c.Emerging.MinCount <= 0 || c.Emerging.Top <= 0 || c.SurveyWeighting.Trim <= 1 {
		t.Fatalf("accepted config without its defaults: %+v %+v", c.Emerging, c.SurveyWeighting)
	}
}
