package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// The whole demo against a real S3-compatible server and moto's SES, twice: the messages moto
// received go to the configured recipients, with the subject, and KPI values equal to kpi/.
func TestDemoOnS3ThroughSES(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	s3 := storetest.S3Client(t)
	bucket := storetest.NewBucket(t, s3)
	moto := mailtest.StartMoto(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", *s3.Options().BaseEndpoint)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", moto)
	t.Setenv("AWS_REGION", "us-east-1")
	if o := s3.Options(); o.Credentials != nil {
		creds, _ := o.Credentials.Retrieve(context.Background())
		t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
		t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	}
	mailtest.MotoSES(t, moto, "civicpulse@springfield.example.gov")

	loc := "s3://" + bucket + "/springfield"
	for run := 1; run <= 2; run++ {
		var out, errs bytes.Buffer
		if err := run2(t, []string{"demo", "--store", loc, "--sender", "ses", "-q"}, &out, &errs); err != nil {
			t.Fatalf("demo run %d: %v\n%s", run, err, errs.String())
		}
	}
	msgs := mailtest.MotoMessages(t, moto)
	if len(msgs) != 2 {
		t.Fatalf("moto received %d messages after two demo runs; want 2 (one per recipient)", len(msgs))
	}

	ctx := context.Background()
	st, err := store.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	_, jsonKey := pipeline.KPIKeys(kpi.Quarter{FY: 2027, Q: 1})
	b, err := store.ReadAll(ctx, st, jsonKey)
	if err != nil {
		t.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, k := range doc.KPIs {
		if k.Value != nil {
			values[k.ID] = strconv.FormatFloat(*k.Value, 'g', -1, 64)
		}
	}

	for _, r := range city.Recipients {
		i := slices.IndexFunc(msgs, func(m mailtest.Sent) bool { return slices.Contains(m.To, r.Email) })
		if i < 0 {
			t.Errorf("no message to %s", r.Email)
			continue
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[i].Raw))
		if err != nil {
			t.Fatalf("parse message to %s: %v", r.Email, err)
		}
		if len(env.Errors) > 0 {
			t.Errorf("message to %s: MIME errors %v", r.Email, env.Errors)
		}
		met, total := 0, 0
		for _, k := range doc.KPIs {
			if r.Scope.InScope(city.KPIs[slices.IndexFunc(city.KPIs, func(c configKPI) bool { return c.ID == k.ID })]) {
				total++
				if k.Status == kpi.StatusMet {
					met++
				}
			}
		}
		wantSubject := fmt.Sprintf("Springfield — Q1 FY2027 community KPIs: %d of %d on target", met, total)
		if got := env.GetHeader("Subject"); got != wantSubject {
			t.Errorf("subject to %s = %q; want %q", r.Email, got, wantSubject)
		}
		if !strings.Contains(env.GetHeader("To"), r.Email) || !strings.Contains(env.GetHeader("From"), city.Report.From) {
			t.Errorf("to %q from %q; want %s from %s", env.GetHeader("To"), env.GetHeader("From"), r.Email, city.Report.From)
		}
		var table [][]string
		for _, a := range env.Attachments {
			if strings.HasSuffix(a.FileName, ".csv") {
				table, err = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(a.Content, []byte("\xEF\xBB\xBF")))).ReadAll()
				if err != nil {
					t.Fatalf("csv attachment: %v", err)
				}
			}
		}
		if len(table) != total+1 {
			t.Fatalf("csv to %s has %d rows; want header and %d KPIs", r.Email, len(table), total)
		}
		col := slices.Index(table[0], "value")
		id := slices.Index(table[0], "kpi_id")
		for _, row := range table[1:] {
			if got, want := row[col], values[row[id]]; got != want {
				t.Errorf("csv to %s: %s = %s; kpi/ says %s", r.Email, row[id], got, want)
			}
			label := city.KPIs[slices.IndexFunc(city.KPIs, func(c configKPI) bool { return c.ID == row[id] })].Label
			if !strings.Contains(env.Text, label) || !strings.Contains(env.HTML, label) {
				t.Errorf("message to %s does not show KPI %q in text and HTML", r.Email, label)
			}
		}
	}
}

func run2(t *testing.T, args []string, out, errs *bytes.Buffer) error {
	t.Helper()
	return run(context.Background(), args, nil, out, errs)
}

type configKPI = config.KPI
