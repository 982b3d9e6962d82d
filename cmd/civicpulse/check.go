package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
)

// runCheck validates a city config file and prints what the stack needs from it: the
// parameter values sam deploy asks for and the secrets to create before the first pull.
func runCheck(_ context.Context, e *env, args []string) error {
	var file string
	fs := newFlagSet(e, "check --config city.yaml", "check")
	fs.StringVar(&file, "config", "", "city config file to check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" {
		fs.Usage()
		return fmt.Errorf("check: --config is required")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	city, err := config.Load(f, file)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, deployParameters(city))
	return nil
}

// deployParameters is what template.yaml must be given for a city, as sam deploy
// --parameter-overrides lines, and the pull secrets the city config names.
func deployParameters(city *config.City) string {
	var ids, secrets []string
	for _, s := range city.Sources {
		ids = append(ids, s.ID)
		if s.Pull != nil && s.Pull.Secret != "" {
			secrets = append(secrets, fmt.Sprintf("%s (%s, %s)", s.Pull.Secret, s.ID, s.Format))
		}
	}
	slices.Sort(secrets)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: valid (%d sources, %d KPIs, %d recipients)\n\n", city.Name, len(city.Sources), len(city.KPIs), len(city.Recipients))
	fmt.Fprintf(&b, "samconfig.toml parameter_overrides (or sam deploy --guided answers):\n")
	param := func(k string, v any) { fmt.Fprintf(&b, "  %q,\n", fmt.Sprintf("%s=%v", k, v)) }
	param("CityName", city.Name)
	param("CityTimeZone", city.TimeZone)
	param("FiscalYearStartMonth", city.FiscalYearStartMonth)
	param("SourceIds", strings.Join(ids, ","))
	if _, domain, ok := strings.Cut(city.Report.From, "@"); ok {
		param("SenderIdentity", domain)
	}
	if city.Report.Database != "" {
		param("GlueDatabaseName", city.Report.Database)
	}
	if len(secrets) > 0 {
		fmt.Fprintf(&b, "\nSecrets Manager secrets the daily pull reads (create them before the first deploy):\n")
		for _, s := range secrets {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	return b.String()
}
