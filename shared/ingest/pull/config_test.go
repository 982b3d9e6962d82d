package pull_test

import (
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
)

// The pull: block of city.yaml, as a city writes it, and its validation.
func TestConfigPullBlock(t *testing.T) {
	const city = `name: Springfield
timezone: America/Chicago
fiscal_year_start_month: 7
sources:
  - id: x
    format: twitter
    pull:
      endpoint: https://api.x.com
      query: "(pothole OR streetlight) springfield -is:retweet"
      secret: springfield/x-bearer
      page_size: 100
      window: 48h
      max_pages: 20
`
	c, err := config.Load(strings.NewReader(city), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Sources[0].Pull
	if p == nil || p.Endpoint != "https://api.x.com" || p.Secret != "springfield/x-bearer" || p.Window != 48*time.Hour || p.MaxPages != 20 {
		t.Errorf("pull %+v", p)
	}
	bad := strings.Replace(city, "      secret: springfield/x-bearer\n", "", 1)
	if _, err := config.Load(strings.NewReader(bad), "city.yaml"); err == nil || !strings.Contains(err.Error(), "pull.secret") || !strings.Contains(err.Error(), "city.yaml:5") {
		t.Errorf("err %v; want pull.secret required, at line 5", err)
	}
}
