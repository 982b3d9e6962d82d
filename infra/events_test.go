package infra_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/civicpulse/civicpulse/shared/table"
)

// s3ObjectCreated is the detail of an S3 "Object Created" EventBridge event, every documented
// field: decoding with DisallowUnknownFields proves a sample has the real shape.
type s3ObjectCreated struct {
	Version string `json:"version"`
	Bucket  struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		ETag      string `json:"etag"`
		VersionID string `json:"version-id"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
	RequestID       string `json:"request-id"`
	Requester       string `json:"requester"`
	SourceIPAddress string `json:"source-ip-address"`
	Reason          string `json:"reason"`
}

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readEventJSON(t testing.TB, name string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(readEvent(t, name), &v); err != nil {
		t.Fatalf("events/%s: %v", name, err)
	}
	return v
}

// decodeStrict decodes JSON into v, refusing fields v does not declare.
func decodeStrict(t testing.TB, what string, b []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// objectCreated decodes an EventBridge S3 event and checks that the template's rule pattern
// matches it.
func objectCreated(t *testing.T, what string, b []byte, pattern any) s3ObjectCreated {
	t.Helper()
	var ev events.EventBridgeEvent
	decodeStrict(t, what, b, &ev)
	if ev.Source != "aws.s3" || ev.DetailType != "Object Created" || ev.Time.IsZero() {
		t.Errorf("%s: source %q, detail-type %q, time %v; want an S3 Object Created event", what, ev.Source, ev.DetailType, ev.Time)
	}
	var d s3ObjectCreated
	decodeStrict(t, what+" detail", ev.Detail, &d)
	if d.Bucket.Name == "" || d.Object.Key == "" || d.Object.Size == 0 {
		t.Errorf("%s: bucket %q, key %q, size %d", what, d.Bucket.Name, d.Object.Key, d.Object.Size)
	}
	if len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:s3:::"+d.Bucket.Name {
		t.Errorf("%s: resources %v; want the bucket's ARN", what, ev.Resources)
	}

	// The template's rule would deliver this event.
	if !slices.Contains(strs(at(pattern, "source")), ev.Source) || !slices.Contains(strs(at(pattern, "detail-type")), ev.DetailType) {
		t.Errorf("%s: rule pattern %v does not match source and detail-type", what, pattern)
	}
	prefix := at(list(at(pattern, "detail", "object", "key"))[0], "prefix")
	if p, ok := prefix.(string); !ok || !strings.HasPrefix(d.Object.Key, p) {
		t.Errorf("%s: key %q does not match the rule's prefix %v", what, d.Object.Key, prefix)
	}
	return d
}

func TestSampleEvents(t *testing.T) {
	tmpl := loadTemplate(t)
	covered := map[string]bool{}
	check := func(name string, f func(t *testing.T, b []byte)) {
		covered[name] = true
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) { f(t, readEvent(t, name)) })
	}

	check("ingest-sqs.json", func(t *testing.T, b []byte) {
		var ev events.SQSEvent
		decodeStrict(t, "ingest-sqs.json", b, &ev)
		if len(ev.Records) != 1 || ev.Records[0].EventSource != "aws:sqs" {
			t.Fatalf("got %+v; want one record from aws:sqs", ev.Records)
		}
		pattern := at(resource(t, tmpl, "InboxObjectCreatedRule"), "Properties", "EventPattern")
		d := objectCreated(t, "ingest-sqs.json body", []byte(ev.Records[0].Body), pattern)
		if d.Object.Key != "inbox/resident_survey/export.csv" {
			t.Errorf("key %q; want inbox/resident_survey/export.csv", d.Object.Key)
		}
	})
	check("score-sqs.json", func(t *testing.T, b []byte) {
		var ev events.SQSEvent
		decodeStrict(t, "score-sqs.json", b, &ev)
		if len(ev.Records) != 1 || ev.Records[0].EventSource != "aws:sqs" {
			t.Fatalf("got %+v; want one record from aws:sqs", ev.Records)
		}
		pattern := at(resource(t, tmpl, "CuratedFeedbackCreatedRule"), "Properties", "EventPattern")
		d := objectCreated(t, "score-sqs.json body", []byte(ev.Records[0].Body), pattern)
		parts := table.ParsePartitions(d.Object.Key)
		if len(parts) != 2 || parts[0][0] != "source" || parts[1][0] != "month" {
			t.Errorf("key %q: partitions %v; want source= and month=", d.Object.Key, parts)
		}
	})
	for _, name := range []string{"ingest-schedule.json", "score-schedule.json"} {
		check(name, func(t *testing.T, b []byte) {
			var in struct {
				Stage string `json:"stage"`
			}
			decodeStrict(t, name, b, &in)
			if want, _, _ := strings.Cut(name, "-"); in.Stage != want {
				t.Errorf("stage %q; want %q", in.Stage, want)
			}
		})
	}
	for name, want := range map[string]string{"kpi-quarter.json": "2027-Q1", "kpi-last-quarter.json": ""} {
		check(name, func(t *testing.T, b []byte) {
			var in struct {
				Quarter string `json:"quarter"`
			}
			decodeStrict(t, name, b, &in)
			if in.Quarter != want {
				t.Errorf("quarter %q; want %q", in.Quarter, want)
			}
		})
	}
	for name, preview := range map[string]bool{"report-quarter.json": false, "report-preview.json": true} {
		check(name, func(t *testing.T, b []byte) {
			var in struct {
				Quarter string `json:"quarter"`
				Preview *bool  `json:"preview"`
			}
			decodeStrict(t, name, b, &in)
			if in.Quarter != "2027-Q1" || in.Preview == nil || *in.Preview != preview {
				t.Errorf("got %+v; want quarter 2027-Q1, preview %v", in, preview)
			}
		})
	}

	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "events", "*"))
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("events/%s has no test here", filepath.Base(f))
		}
	}
}
