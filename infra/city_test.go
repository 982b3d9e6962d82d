package infra_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
)

// infra/city.yaml, the config a city starts from, is valid, shows every source format and KPI
// kind, and names pull secrets the ingest function is allowed to read.
func TestStarterCityConfig(t *testing.T) {
	f, err := os.Open(filepath.Join(repoRoot(t), "infra", "city.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	city, err := config.Load(f, "infra/city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var formats, kinds []string
	prefix := fmt.Sprint(at(loadTemplate(t), "Parameters", "PullSecretsPrefix", "Default"))
	for _, s := range city.Sources {
		formats = append(formats, s.Format)
		if s.Pull != nil && !strings.HasPrefix(s.Pull.Secret, prefix) {
			t.Errorf("source %s: pull secret %q is outside PullSecretsPrefix %q: the ingest role could not read it", s.ID, s.Pull.Secret, prefix)
		}
	}
	for _, k := range city.KPIs {
		kinds = append(kinds, k.Kind)
	}
	for _, f := range config.Formats {
		if !slices.Contains(formats, f) {
			t.Errorf("no source of format %s", f)
		}
	}
	for _, k := range config.Kinds {
		if !slices.Contains(kinds, k) {
			t.Errorf("no KPI of kind %s", k)
		}
	}
}
