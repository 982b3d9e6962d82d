package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
)

// The parameters `check` derives from the sample city are the ones samconfig.toml deploys it
// with, line for line: what a city pastes from check's output is what the stack expects.
func TestCheckSampleCityMatchesSAMConfig(t *testing.T) {
	city, err := config.Load(bytes.NewReader(sample.CityYAML), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	samconfig, err := os.ReadFile(filepath.Join("..", "..", "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out := deployParameters(city)
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if p := strings.TrimSpace(line); strings.HasPrefix(p, `"`) {
			n++
			if !bytes.Contains(samconfig, []byte(p)) {
				t.Errorf("samconfig.toml has no line %s", p)
			}
		}
	}
	if n < 5 {
		t.Errorf("check printed %d parameters; want at least 5:\n%s", n, out)
	}
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, bytes.Replace(sample.CityYAML, []byte("kind: nps"), []byte("kind: npx"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file string
		ok         bool
		want       []string
	}{
		{"template config", filepath.Join("..", "..", "infra", "city.yaml"), true,
			[]string{`"SourceIds=resident_survey,budget_survey,park_survey,x,reddit,facebook,service_requests,council_comments"`, "civicpulse/pull/x (x, twitter)"}},
		{"invalid kind", bad, false, []string{"bad.yaml:", "npx"}},
		{"missing file", filepath.Join(dir, "none.yaml"), false, []string{"none.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), []string{"check", "--config", tc.file}, nil, &stdout, &stderr)
			got := stdout.String()
			if err != nil {
				got = err.Error()
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v; want ok %v", err, tc.ok)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
