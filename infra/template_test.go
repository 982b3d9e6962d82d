package infra_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/civicpulse/civicpulse/shared/table"
)

// The template's reading of the S3 layout in DESIGN.md: what each stage may read and write.
// A stage's state lives under state/<stage>/ (the send ledger under state/sent/), so that no
// stage can forge another's cursors or the record of who was sent a report.
var stageAccess = []struct {
	function      string
	reads, writes []string
}{
	{
		function: "IngestFunction",
		reads:    []string{"config/", "inbox/", "raw/", "curated/", "quarantine/", "state/ingest/"},
		writes:   []string{"inbox/", "raw/", "curated/", "quarantine/", "state/ingest/"}, // inbox/: API pulls
	},
	{
		function: "ScoreFunction",
		reads:    []string{"config/", "curated/", "scored/", "state/score/"},
		writes:   []string{"scored/", "state/score/"},
	},
	{
		function: "KpiFunction",
		reads:    []string{"config/", "scored/", "curated/survey_answers/", "kpi/"},
		writes:   []string{"kpi/"},
	},
	{
		function: "ReportFunction",
		reads:    []string{"config/", "kpi/", "reports/", "state/sent/"},
		writes:   []string{"reports/", "state/sent/"},
	},
}

// ---------------------------------------------------------------- loading

// repoRoot is the module root: tests run in infra/.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// loadTemplate reads template.yaml into the JSON form of CloudFormation: short tags become
// their long forms (!Ref x is {"Ref": "x"}, !GetAtt a.b is {"Fn::GetAtt": ["a", "b"]}).
func loadTemplate(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parse template.yaml: %v", err)
	}
	v, err := fromNode(&doc)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("template.yaml: top level is %T; want a mapping", v)
	}
	return m
}

func fromNode(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		return fromNode(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			val, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		v = s
	case yaml.ScalarNode:
		if isShortTag(n.Tag) {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	}
	if !isShortTag(n.Tag) {
		return v, nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// isShortTag reports whether tag is a CloudFormation short form such as !Ref (not a YAML
// core tag such as !!str).
func isShortTag(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

// ---------------------------------------------------------------- walking

func mapAt(t testing.TB, v any, path ...string) map[string]any {
	t.Helper()
	m, ok := at(v, path...).(map[string]any)
	if !ok {
		t.Fatalf("%s: got %T; want a mapping", strings.Join(path, "."), at(v, path...))
	}
	return m
}

func at(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func list(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	default:
		return []any{v}
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// resources returns the template's resources of one type, by logical id.
func resources(t testing.TB, tmpl map[string]any, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range mapAt(t, tmpl, "Resources") {
		if m, ok := r.(map[string]any); ok && m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

func resource(t testing.TB, tmpl map[string]any, id string) map[string]any {
	t.Helper()
	return mapAt(t, tmpl, "Resources", id)
}

func ref(name string) map[string]any { return map[string]any{"Ref": name} }

func sub(s string) map[string]any { return map[string]any{"Fn::Sub": s} }

func getAtt(res, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{res, attr}}
}

func equalJSON(a, b any) bool { return reflect.DeepEqual(normalize(a), normalize(b)) }

// normalize makes YAML-decoded and JSON-decoded values comparable (ints become float64).
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = normalize(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = normalize(x)
		}
		return s
	case int:
		return float64(v)
	case int64:
		return float64(v)
	}
	return v
}

// ---------------------------------------------------------------- bucket

func TestDataBucketIsPrivateEncryptedVersioned(t *testing.T) {
	tmpl := loadTemplate(t)
	bucket := resource(t, tmpl, "DataBucket")
	props := mapAt(t, bucket, "Properties")

	if bucket["DeletionPolicy"] != "Retain" || bucket["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("DeletionPolicy, UpdateReplacePolicy = %v, %v; want Retain: the city's data outlives the stack",
			bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"])
	}
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if got := at(props, "PublicAccessBlockConfiguration", k); got != true {
			t.Errorf("PublicAccessBlockConfiguration.%s = %v; want true", k, got)
		}
	}
	rules := list(at(props, "BucketEncryption", "ServerSideEncryptionConfiguration"))
	if len(rules) != 1 {
		t.Fatalf("got %d encryption rules; want 1", len(rules))
	}
	if alg := at(rules[0], "ServerSideEncryptionByDefault", "SSEAlgorithm"); alg != "aws:kms" && alg != "AES256" {
		t.Errorf("SSEAlgorithm = %v; want aws:kms or AES256", alg)
	}
	if at(rules[0], "BucketKeyEnabled") != true {
		t.Errorf("BucketKeyEnabled = %v; want true", at(rules[0], "BucketKeyEnabled"))
	}
	if got := strs(at(props, "OwnershipControls", "Rules")); len(got) != 1 || !strings.Contains(got[0], "BucketOwnerEnforced") {
		t.Errorf("OwnershipControls.Rules = %v; want [ObjectOwnership: BucketOwnerEnforced]", got)
	}
	if got := at(props, "VersioningConfiguration", "Status"); got != "Enabled" {
		t.Errorf("versioning = %v; want Enabled", got)
	}
	if got := at(props, "NotificationConfiguration", "EventBridgeConfiguration", "EventBridgeEnabled"); got != true {
		t.Errorf("EventBridgeEnabled = %v; want true (the inbox and score triggers need it)", got)
	}
}

func TestDataBucketLifecycle(t *testing.T) {
	tmpl := loadTemplate(t)
	rules := list(at(resource(t, tmpl, "DataBucket"), "Properties", "LifecycleConfiguration", "Rules"))
	byPrefix := map[string]any{}
	abort := false
	for _, r := range rules {
		if at(r, "Status") != "Enabled" {
			t.Errorf("rule %v is not enabled", at(r, "Id"))
		}
		if p, ok := at(r, "Prefix").(string); ok {
			byPrefix[p] = r
		} else if at(r, "AbortIncompleteMultipartUpload", "DaysAfterInitiation") != nil {
			abort = true
		}
	}
	for prefix, param := range map[string]string{
		"raw/":        "RawRetentionDays",
		"inbox/":      "InboxRetentionDays",
		"quarantine/": "QuarantineRetentionDays",
	} {
		r, ok := byPrefix[prefix]
		if !ok {
			t.Errorf("no lifecycle rule for %s", prefix)
			continue
		}
		if got := at(r, "ExpirationInDays"); !equalJSON(got, ref(param)) {
			t.Errorf("%s expires after %v; want !Ref %s", prefix, got, param)
		}
		// The bucket is versioned: without this, "expired" PII would live on as old versions.
		if at(r, "NoncurrentVersionExpiration", "NoncurrentDays") == nil {
			t.Errorf("%s: no NoncurrentVersionExpiration", prefix)
		}
	}
	if !abort {
		t.Error("no bucket-wide rule aborting incomplete multipart uploads")
	}
}

func TestDataBucketPolicyDeniesInsecureTransport(t *testing.T) {
	tmpl := loadTemplate(t)
	policy := resource(t, tmpl, "DataBucketPolicy")
	if got := at(policy, "Properties", "Bucket"); !equalJSON(got, ref("DataBucket")) {
		t.Fatalf("DataBucketPolicy applies to %v; want the data bucket", got)
	}
	for _, s := range list(at(policy, "Properties", "PolicyDocument", "Statement")) {
		if at(s, "Effect") == "Deny" && at(s, "Principal") == "*" && at(s, "Action") == "s3:*" &&
			at(s, "Condition", "Bool", "aws:SecureTransport") == "false" {
			res := list(at(s, "Resource"))
			if len(res) == 2 && equalJSON(res[0], getAtt("DataBucket", "Arn")) && equalJSON(res[1], sub("${DataBucket.Arn}/*")) {
				return
			}
			t.Fatalf("TLS-only statement covers %v; want the bucket and its objects", res)
		}
	}
	t.Fatal("no statement denying s3:* to everyone when aws:SecureTransport is false")
}

func TestQueuesAreEncrypted(t *testing.T) {
	tmpl := loadTemplate(t)
	queues := resources(t, tmpl, "AWS::SQS::Queue")
	if len(queues) == 0 {
		t.Fatal("no SQS queues")
	}
	for id, q := range queues {
		if at(q, "Properties", "SqsManagedSseEnabled") != true && at(q, "Properties", "KmsMasterKeyId") == nil {
			t.Errorf("%s is not encrypted", id)
		}
	}
}

// ---------------------------------------------------------------- IAM

// s3Grant is what one function's policies allow on the data bucket.
type s3Grant struct {
	reads, writes, lists []string
}

// objectARN matches the objects under one prefix of the data bucket, ${DataBucket.Arn}/<prefix>*.
var objectARN = regexp.MustCompile(`^\$\{DataBucket\.Arn\}/((?:[a-z_]+/)+)\*$`)

func functionS3Grant(t *testing.T, fn map[string]any) s3Grant {
	t.Helper()
	var g s3Grant
	for _, p := range list(at(fn, "Properties", "Policies")) {
		stmts := list(at(p, "Statement"))
		if len(stmts) == 0 {
			t.Fatalf("policy %v: want inline statements (SAM policy templates hide their resources)", p)
		}
		for _, s := range stmts {
			if at(s, "Effect") != "Allow" {
				continue
			}
			actions := strs(at(s, "Action"))
			var isS3 bool
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("statement %v: action %q has a wildcard", at(s, "Sid"), a)
				}
				if strings.HasPrefix(a, "s3:") {
					isS3 = true
				}
			}
			if !isS3 {
				continue
			}
			var prefixes []string
			for _, r := range list(at(s, "Resource")) {
				switch {
				case equalJSON(r, getAtt("DataBucket", "Arn")):
					prefixes = append(prefixes, "")
				default:
					m := objectARN.FindStringSubmatch(fmt.Sprint(at(r, "Fn::Sub")))
					if m == nil {
						t.Errorf("statement %v: resource %v is not the data bucket or ${DataBucket.Arn}/<prefix>/*", at(s, "Sid"), r)
						continue
					}
					prefixes = append(prefixes, m[1])
				}
			}
			for _, a := range actions {
				switch a {
				case "s3:GetObject":
					g.reads = append(g.reads, prefixes...)
				case "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload":
					g.writes = append(g.writes, prefixes...)
				case "s3:ListBucket":
					if len(prefixes) != 1 || prefixes[0] != "" {
						t.Errorf("s3:ListBucket on %v; want the bucket ARN only", prefixes)
					}
					cond := strs(at(s, "Condition", "StringLike", "s3:prefix"))
					if len(cond) == 0 {
						t.Errorf("s3:ListBucket without an s3:prefix condition lists the whole bucket")
					}
					for _, c := range cond {
						g.lists = append(g.lists, strings.TrimSuffix(c, "*"))
					}
				default:
					t.Errorf("statement %v: unexpected S3 action %s", at(s, "Sid"), a)
				}
			}
		}
	}
	for _, p := range [][]string{g.reads, g.writes, g.lists} {
		sort.Strings(p)
	}
	g.reads, g.writes, g.lists = slices.Compact(g.reads), slices.Compact(g.writes), slices.Compact(g.lists)
	return g
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func TestFunctionS3AccessIsExactlyTheStage(t *testing.T) {
	tmpl := loadTemplate(t)
	fns := resources(t, tmpl, "AWS::Serverless::Function")
	if len(fns) != len(stageAccess) {
		t.Errorf("got %d functions; want %d", len(fns), len(stageAccess))
	}
	writers := map[string][]string{}
	for _, tc := range stageAccess {
		t.Run(tc.function, func(t *testing.T) {
			fn, ok := fns[tc.function]
			if !ok {
				t.Fatalf("no function %s", tc.function)
			}
			g := functionS3Grant(t, fn)
			if want := sorted(tc.reads); !slices.Equal(g.reads, want) {
				t.Errorf("reads %q; want %q", g.reads, want)
			}
			if want := sorted(tc.writes); !slices.Equal(g.writes, want) {
				t.Errorf("writes %q; want %q", g.writes, want)
			}
			// Listing covers what the stage reads, and makes a missing key a 404, not a 403.
			if want := sorted(tc.reads); !slices.Equal(g.lists, want) {
				t.Errorf("lists %q; want %q", g.lists, want)
			}
			for _, p := range g.writes {
				writers[p] = append(writers[p], tc.function)
			}
		})
	}
	for prefix, fns := range writers {
		if len(fns) > 1 {
			t.Errorf("%s is written by %v; want one stage per output", prefix, fns)
		}
	}
	for _, p := range []string{"config/", "athena-results/"} {
		if len(writers[p]) > 0 {
			t.Errorf("%s is written by %v; want no function", p, writers[p])
		}
	}
}

func TestFunctionNonS3Access(t *testing.T) {
	tmpl := loadTemplate(t)
	secretARN := sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${AuthorKeySecretName}-??????")
	pullARN := sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${PullSecretsPrefix}*")
	want := map[string]map[string][]any{
		"IngestFunction": {"secretsmanager:GetSecretValue": {secretARN, pullARN}},
		"ScoreFunction":  {},
		"KpiFunction":    {},
		"ReportFunction": {
			"ses:SendEmail":    nil, // checked below: identity and configuration set
			"ses:SendRawEmail": nil,
		},
	}
	for id, fn := range resources(t, tmpl, "AWS::Serverless::Function") {
		got := map[string][]any{}
		for _, p := range list(at(fn, "Properties", "Policies")) {
			for _, s := range list(at(p, "Statement")) {
				for _, a := range strs(at(s, "Action")) {
					if strings.HasPrefix(a, "s3:") {
						continue
					}
					for _, r := range list(at(s, "Resource")) {
						if r == "*" {
							t.Errorf("%s: %s on Resource *", id, a)
						}
					}
					got[a] = list(at(s, "Resource"))
				}
			}
		}
		if len(got) != len(want[id]) {
			t.Errorf("%s: non-S3 actions %v; want %v", id, keys(got), keys(want[id]))
		}
		for a, res := range want[id] {
			if _, ok := got[a]; !ok {
				t.Errorf("%s: no %s", id, a)
			} else if res != nil && !equalJSON(got[a], res) {
				t.Errorf("%s: %s on %v; want %v", id, a, got[a], res)
			}
		}
		if id == "ReportFunction" {
			res := got["ses:SendEmail"]
			if len(res) != 2 || !strings.Contains(fmt.Sprint(res[0]), ":identity/${SenderIdentity}") ||
				!strings.Contains(fmt.Sprint(res[1]), ":configuration-set/${Name}") {
				t.Errorf("ReportFunction sends as %v; want the SenderIdentity identity and the configuration set only", res)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// ---------------------------------------------------------------- functions and schedules

func TestFunctionsShareGlobals(t *testing.T) {
	tmpl := loadTemplate(t)
	g := mapAt(t, tmpl, "Globals", "Function")
	for k, want := range map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"Tracing":       "Active",
	} {
		if !equalJSON(g[k], want) {
			t.Errorf("Globals.Function.%s = %v; want %v", k, g[k], want)
		}
	}
	if at(g, "LoggingConfig", "LogFormat") != "JSON" {
		t.Errorf("LoggingConfig.LogFormat = %v; want JSON", at(g, "LoggingConfig", "LogFormat"))
	}
	env := mapAt(t, g, "Environment", "Variables")
	for k, want := range map[string]any{
		"CIVICPULSE_STORE":  sub("s3://${DataBucket}/"),
		"CIVICPULSE_CONFIG": "config/city.yaml",
		"LOG_LEVEL":         ref("LogLevel"),
	} {
		if !equalJSON(env[k], want) {
			t.Errorf("Globals environment %s = %v; want %v", k, env[k], want)
		}
	}

	fnEnv := map[string][]string{
		"IngestFunction": {"CIVICPULSE_AUTHOR_KEY_SECRET"},
		"ReportFunction": {"CIVICPULSE_SENDER", "CIVICPULSE_SES_CONFIGURATION_SET"},
	}
	for id, fn := range resources(t, tmpl, "AWS::Serverless::Function") {
		props := mapAt(t, fn, "Properties")
		// Architectures in a function as well as in Globals merges into [arm64, arm64] (E3032).
		for _, k := range []string{"Architectures", "Runtime", "Handler"} {
			if props[k] != nil {
				t.Errorf("%s sets %s; leave it to Globals", id, k)
			}
		}
		if props["CodeUri"] != "." || at(fn, "Metadata", "BuildMethod") != "makefile" {
			t.Errorf("%s: CodeUri %v, BuildMethod %v; want . and makefile (sam.mk builds it)",
				id, props["CodeUri"], at(fn, "Metadata", "BuildMethod"))
		}
		var got []string
		if props["Environment"] != nil {
			got = keys(mapAt(t, props, "Environment", "Variables"))
		}
		if !slices.Equal(got, fnEnv[id]) {
			t.Errorf("%s environment adds %v; want %v", id, got, fnEnv[id])
		}
	}
	report := mapAt(t, resource(t, tmpl, "ReportFunction"), "Properties", "Environment", "Variables")
	if report["CIVICPULSE_SENDER"] != "ses" {
		t.Errorf("CIVICPULSE_SENDER = %v; want ses", report["CIVICPULSE_SENDER"])
	}
}

// cronFields checks the shape cfn-lint does not: cron(min hour day-of-month month day-of-week
// year), with exactly one of the two day fields a "?".
func cronFields(t *testing.T, expr string) []string {
	t.Helper()
	inner, ok := strings.CutPrefix(expr, "cron(")
	if !ok || !strings.HasSuffix(inner, ")") {
		t.Fatalf("%q: want cron(...)", expr)
	}
	f := strings.Fields(strings.TrimSuffix(inner, ")"))
	if len(f) != 6 {
		t.Fatalf("%q: %d fields; want 6", expr, len(f))
	}
	if (f[2] == "?") == (f[4] == "?") {
		t.Errorf("%q: exactly one of day-of-month and day-of-week must be ?", expr)
	}
	return f
}

func TestSchedulesRunOnCityTime(t *testing.T) {
	tmpl := loadTemplate(t)
	want := map[string]struct{ cron, input string }{
		"IngestFunction":      {"cron(0 3 * * ? *)", "ingest-schedule.json"},
		"ScoreFunction":       {"cron(0 4 * * ? *)", "score-schedule.json"},
		"QuarterStateMachine": {"", "kpi-last-quarter.json"},
	}
	found := 0
	for id, r := range mapAt(t, tmpl, "Resources") {
		evs, _ := at(r, "Properties", "Events").(map[string]any)
		for name, ev := range evs {
			if at(ev, "Type") != "ScheduleV2" {
				continue
			}
			found++
			w, ok := want[id]
			if !ok {
				t.Errorf("unexpected schedule %s.%s", id, name)
				continue
			}
			p := mapAt(t, ev, "Properties")
			if !equalJSON(p["ScheduleExpressionTimezone"], ref("CityTimeZone")) {
				t.Errorf("%s.%s: time zone %v; want !Ref CityTimeZone", id, name, p["ScheduleExpressionTimezone"])
			}
			if p["OmitName"] != true {
				t.Errorf("%s.%s: OmitName = %v; want true (a named schedule clashes with a second stack)", id, name, p["OmitName"])
			}
			if p["DeadLetterConfig"] == nil || p["RetryPolicy"] == nil {
				t.Errorf("%s.%s: want a RetryPolicy and a DeadLetterConfig", id, name)
			}
			if w.cron != "" {
				if p["ScheduleExpression"] != w.cron {
					t.Errorf("%s.%s: %v; want %s", id, name, p["ScheduleExpression"], w.cron)
				}
				cronFields(t, w.cron)
			}
			// The schedule's fixed input is the sample event the handlers are tested with.
			var input any
			if err := yaml.Unmarshal([]byte(fmt.Sprint(p["Input"])), &input); err != nil {
				t.Fatalf("%s.%s: Input: %v", id, name, err)
			}
			if sample := readEventJSON(t, w.input); !equalJSON(input, sample) {
				t.Errorf("%s.%s: Input %v; want events/%s %v", id, name, input, w.input, sample)
			}
		}
	}
	// The daily ingest is a schedule of its own, queued behind the inbox's files.
	for id, sch := range resources(t, tmpl, "AWS::Scheduler::Schedule") {
		found++
		if id != "IngestSchedule" {
			t.Errorf("unexpected schedule %s", id)
			continue
		}
		p := mapAt(t, sch, "Properties")
		if !equalJSON(p["ScheduleExpressionTimezone"], ref("CityTimeZone")) || p["Name"] != nil {
			t.Errorf("%s: time zone %v, name %v; want !Ref CityTimeZone and no name", id, p["ScheduleExpressionTimezone"], p["Name"])
		}
		cronFields(t, fmt.Sprint(p["ScheduleExpression"]))
		target := mapAt(t, p, "Target")
		if !equalJSON(target["Arn"], getAtt("InboxQueue", "Arn")) || target["DeadLetterConfig"] == nil || target["RetryPolicy"] == nil {
			t.Errorf("%s: target %v; want InboxQueue with a retry policy and a dead-letter queue", id, target)
		}
		var input any
		if err := yaml.Unmarshal([]byte(fmt.Sprint(target["Input"])), &input); err != nil || !equalJSON(input, readEventJSON(t, "ingest-schedule.json")) {
			t.Errorf("%s: Input %v; want events/ingest-schedule.json", id, target["Input"])
		}
	}
	if found != len(want) {
		t.Errorf("got %d schedules; want %d", found, len(want))
	}
}

// Every ingest passes through one FIFO message group, so two never run at once: the id index
// that keeps records unique is read, then written, by each run.
func TestIngestsRunOneAtATime(t *testing.T) {
	tmpl := loadTemplate(t)
	q := mapAt(t, resource(t, tmpl, "InboxQueue"), "Properties")
	dlq := mapAt(t, resource(t, tmpl, "InboxDeadLetterQueue"), "Properties")
	if q["FifoQueue"] != true || q["ContentBasedDeduplication"] != true || dlq["FifoQueue"] != true {
		t.Errorf("InboxQueue FIFO %v, content dedup %v, its DLQ FIFO %v; want all true", q["FifoQueue"], q["ContentBasedDeduplication"], dlq["FifoQueue"])
	}
	groups := map[string]bool{}
	for _, tg := range list(at(resource(t, tmpl, "InboxObjectCreatedRule"), "Properties", "Targets")) {
		groups[fmt.Sprint(at(tg, "SqsParameters", "MessageGroupId"))] = true
	}
	groups[fmt.Sprint(at(resource(t, tmpl, "IngestSchedule"), "Properties", "Target", "SqsParameters", "MessageGroupId"))] = true
	if len(groups) != 1 || groups["<nil>"] {
		t.Errorf("message groups %v; want one group for the files and the schedule", keys(groups))
	}
	evs := mapAt(t, resource(t, tmpl, "IngestFunction"), "Properties", "Events")
	if len(evs) != 1 || !equalJSON(at(evs, "InboxFiles", "Properties", "Queue"), getAtt("InboxQueue", "Arn")) {
		t.Errorf("ingest is invoked by %v; want the inbox queue alone", keys(evs))
	}
}

func TestQuarterScheduleFollowsFiscalYear(t *testing.T) {
	tmpl := loadTemplate(t)
	expr := at(resource(t, tmpl, "QuarterStateMachine"), "Properties", "Events", "QuarterStart", "Properties", "ScheduleExpression")
	args := list(at(expr, "Fn::Sub"))
	if len(args) != 2 {
		t.Fatalf("ScheduleExpression = %v; want !Sub [cron(... ${Months} ...), {Months: !FindInMap ...}]", expr)
	}
	f := cronFields(t, fmt.Sprint(args[0]))
	if f[3] != "${Months}" || f[2] != "${Day}" {
		t.Errorf("quarter cron %v: want day ${Day} of the months ${Months}", f)
	}
	if !equalJSON(at(args[1], "Day"), ref("QuarterRunDay")) {
		t.Errorf("Day = %v; want !Ref QuarterRunDay", at(args[1], "Day"))
	}
	if !equalJSON(at(args[1], "Months"), map[string]any{"Fn::FindInMap": []any{"FiscalQuarterStarts", ref("FiscalYearStartMonth"), "Months"}}) {
		t.Errorf("Months = %v; want !FindInMap [FiscalQuarterStarts, !Ref FiscalYearStartMonth, Months]", at(args[1], "Months"))
	}
	starts := mapAt(t, tmpl, "Mappings", "FiscalQuarterStarts")
	allowed := strs(at(tmpl, "Parameters", "FiscalYearStartMonth", "AllowedValues"))
	if len(starts) != 12 || len(allowed) != 12 {
		t.Fatalf("%d mapping entries, %d allowed start months; want 12 of each", len(starts), len(allowed))
	}
	for _, s := range allowed {
		m, _ := strconv.Atoi(s)
		var want []string
		for q := range 4 {
			want = append(want, strconv.Itoa((m-1+3*q)%12+1))
		}
		sort.Slice(want, func(i, j int) bool { a, _ := strconv.Atoi(want[i]); b, _ := strconv.Atoi(want[j]); return a < b })
		if got := at(starts, s, "Months"); got != strings.Join(want, ",") {
			t.Errorf("fiscal year starting in month %s: quarters start in %v; want %s", s, got, strings.Join(want, ","))
		}
	}
}

// stateMachineDefinition reads the definition file a state machine's DefinitionUri names.
func stateMachineDefinition(t *testing.T, props map[string]any) map[string]any {
	t.Helper()
	uri, ok := props["DefinitionUri"].(string)
	if !ok || props["Definition"] != nil {
		t.Fatalf("DefinitionUri %v, Definition %v; want the definition in a file under infra/", props["DefinitionUri"], props["Definition"])
	}
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(uri)))
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&def); err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	return def
}

func TestQuarterStateMachine(t *testing.T) {
	tmpl := loadTemplate(t)
	sm := mapAt(t, resource(t, tmpl, "QuarterStateMachine"), "Properties")
	def := stateMachineDefinition(t, sm)
	states := mapAt(t, def, "States")

	// cfn-lint does not check Next targets.
	exists := func(where string, name any) {
		if _, ok := states[fmt.Sprint(name)]; !ok {
			t.Errorf("%s: no state %v", where, name)
		}
	}
	exists("StartAt", def["StartAt"])
	for name, s := range states {
		if n := at(s, "Next"); n != nil {
			exists(name+".Next", n)
		}
		for _, c := range list(at(s, "Catch")) {
			exists(name+".Catch", at(c, "Next"))
		}
	}

	// kpi then report, each retried with backoff and caught into a Fail state.
	order := []struct{ state, fn string }{{"ComputeKPIs", "KpiFunctionArn"}, {"SendReports", "ReportFunctionArn"}}
	if def["StartAt"] != order[0].state || at(states, order[0].state, "Next") != order[1].state || at(states, order[1].state, "End") != true {
		t.Errorf("want %s -> %s -> end", order[0].state, order[1].state)
	}
	for _, o := range order {
		s := mapAt(t, states, o.state)
		if got := at(s, "Parameters", "FunctionName"); got != "${"+o.fn+"}" {
			t.Errorf("%s invokes %v; want ${%s}", o.state, got, o.fn)
		}
		retries := list(s["Retry"])
		if len(retries) == 0 {
			t.Errorf("%s has no Retry", o.state)
		}
		for _, r := range retries {
			if b, _ := at(r, "BackoffRate").(json.Number).Float64(); b < 2 {
				t.Errorf("%s: retrier %v without backoff", o.state, at(r, "ErrorEquals"))
			}
		}
		catches := list(s["Catch"])
		if len(catches) != 1 || !slices.Equal(strs(at(catches[0], "ErrorEquals")), []string{"States.ALL"}) ||
			at(states, fmt.Sprint(at(catches[0], "Next")), "Type") != "Fail" {
			t.Errorf("%s: Catch %v; want States.ALL into a Fail state", o.state, catches)
		}
	}
	subs := mapAt(t, sm, "DefinitionSubstitutions")
	if !equalJSON(subs["KpiFunctionArn"], getAtt("KpiFunction", "Arn")) || !equalJSON(subs["ReportFunctionArn"], getAtt("ReportFunction", "Arn")) {
		t.Errorf("DefinitionSubstitutions = %v; want the kpi and report function ARNs", subs)
	}
	// Every ${Name} in the file is substituted, and every substitution is used.
	b, _ := json.Marshal(def)
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(string(b), -1) {
		used[m[1]] = true
	}
	if !slices.Equal(keys(used), keys(subs)) {
		t.Errorf("the definition uses ${%v}; DefinitionSubstitutions gives %v", keys(used), keys(subs))
	}
	// The report step sends: the scheduled machine must never run a preview.
	if got := at(states, "SendReports", "Parameters", "Payload"); !equalJSON(got, map[string]any{"quarter.$": "$.kpi.quarter", "preview": false}) {
		t.Errorf("report payload = %v", got)
	}

	var alarmed bool
	for _, a := range resources(t, tmpl, "AWS::CloudWatch::Alarm") {
		p := mapAt(t, a, "Properties")
		if p["Namespace"] == "AWS/States" && p["MetricName"] == "ExecutionsFailed" &&
			equalJSON(at(list(p["Dimensions"])[0], "Value"), ref("QuarterStateMachine")) && len(list(p["AlarmActions"])) > 0 {
			alarmed = true
		}
	}
	if !alarmed {
		t.Error("no alarm with an action on the state machine's ExecutionsFailed")
	}
}

func TestEveryQueueAndFunctionIsAlarmed(t *testing.T) {
	tmpl := loadTemplate(t)
	watched := map[string]bool{}
	for _, a := range resources(t, tmpl, "AWS::CloudWatch::Alarm") {
		if len(list(at(a, "Properties", "AlarmActions"))) == 0 {
			t.Errorf("alarm %v has no action", at(a, "Properties", "AlarmDescription"))
		}
		for _, d := range list(at(a, "Properties", "Dimensions")) {
			v := at(d, "Value")
			if r, ok := at(v, "Ref").(string); ok {
				watched[r] = true
			}
			if g := list(at(v, "Fn::GetAtt")); len(g) == 2 {
				watched[fmt.Sprint(g[0])] = true
			}
		}
	}
	for id := range resources(t, tmpl, "AWS::Serverless::Function") {
		if !watched[id] {
			t.Errorf("no alarm on %s", id)
		}
	}
	for _, q := range []string{"DeadLetterQueue", "InboxDeadLetterQueue", "ScoreDeadLetterQueue"} {
		if !watched[q] {
			t.Errorf("no alarm on %s", q)
		}
	}
}

// ---------------------------------------------------------------- Glue and Athena

// glueType is the Glue (Hive) type Athena reads a Parquet column of Go type typ as.
func glueType(t *testing.T, field reflect.StructField) string {
	t.Helper()
	typ := field.Type
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case typ == reflect.TypeFor[time.Time]():
		// DESIGN.md: timestamps in UTC milliseconds (a bare time.Time is written as nanoseconds).
		if !strings.Contains(field.Tag.Get("parquet"), "timestamp(millisecond)") {
			t.Errorf("%s: parquet tag %q; want timestamp(millisecond)", field.Name, field.Tag.Get("parquet"))
		}
		return "timestamp"
	case typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.String:
		return "array<string>"
	}
	switch typ.Kind() {
	case reflect.String:
		return "string"
	case reflect.Float64:
		return "double"
	case reflect.Float32:
		return "float"
	case reflect.Int64, reflect.Int:
		return "bigint"
	case reflect.Int32:
		return "int"
	case reflect.Bool:
		return "boolean"
	}
	t.Fatalf("%s: no Glue type for Go type %s", field.Name, field.Type)
	return ""
}

// parquetSchema returns the columns a row type writes and its partition columns (the
// parquet:"-" fields, named by their JSON names), flattening embedded structs.
func parquetSchema(t *testing.T, typ reflect.Type) (columns, partitions [][2]string) {
	t.Helper()
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag, tagged := f.Tag.Lookup("parquet")
		switch {
		case f.Anonymous && !tagged:
			c, p := parquetSchema(t, f.Type)
			columns, partitions = append(columns, c...), append(partitions, p...)
		case !f.IsExported():
		case tag == "-":
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			partitions = append(partitions, [2]string{name, "string"})
		default:
			name, _, _ := strings.Cut(tag, ",")
			if name == "" {
				name = f.Name
			}
			columns = append(columns, [2]string{name, glueType(t, f)})
		}
	}
	return columns, partitions
}

func glueColumns(v any) [][2]string {
	var out [][2]string
	for _, c := range list(v) {
		out = append(out, [2]string{fmt.Sprint(at(c, "Name")), fmt.Sprint(at(c, "Type"))})
	}
	return out
}

func TestGlueTablesMatchParquetSchema(t *testing.T) {
	tmpl := loadTemplate(t)
	tables := map[string]map[string]any{}
	for id, r := range resources(t, tmpl, "AWS::Glue::Table") {
		if !equalJSON(at(r, "Properties", "DatabaseName"), ref("GlueDatabase")) {
			t.Errorf("%s is not in GlueDatabase", id)
		}
		tables[fmt.Sprint(at(r, "Properties", "TableInput", "Name"))] = mapAt(t, r, "Properties", "TableInput")
	}
	tests := []struct {
		table  string
		row    any
		prefix string // the table's location in the bucket
	}{
		{"feedback", table.Feedback{}, "curated/feedback/"},
		{"scored_feedback", table.ScoredFeedback{}, "scored/feedback/"},
		{"survey_answers", table.SurveyAnswer{}, "curated/survey_answers/"},
		{"kpis", table.KPI{}, "kpi/"},
	}
	if len(tables) != len(tests) {
		t.Errorf("got tables %v; want %d", keys(tables), len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.table, func(t *testing.T) {
			in, ok := tables[tc.table]
			if !ok {
				t.Fatalf("no Glue table %s", tc.table)
			}
			cols, parts := parquetSchema(t, reflect.TypeOf(tc.row))
			if got := glueColumns(at(in, "StorageDescriptor", "Columns")); !slices.Equal(got, cols) {
				t.Errorf("columns\n got %v\nwant %v", got, cols)
			}
			if got := glueColumns(in["PartitionKeys"]); !slices.Equal(got, parts) {
				t.Errorf("partition keys %v; want %v", got, parts)
			}
			sd := mapAt(t, in, "StorageDescriptor")
			if !equalJSON(sd["Location"], sub("s3://${DataBucket}/"+tc.prefix)) {
				t.Errorf("location %v; want s3://${DataBucket}/%s", sd["Location"], tc.prefix)
			}
			if at(sd, "SerdeInfo", "SerializationLibrary") != "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" ||
				sd["InputFormat"] != "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat" {
				t.Errorf("not a Parquet table: %v", sd)
			}

			params := mapAt(t, in, "Parameters")
			if params["projection.enabled"] != "true" {
				t.Errorf("projection.enabled = %v; want true", params["projection.enabled"])
			}
			tmplPath := "s3://${DataBucket}/" + tc.prefix
			for _, p := range parts {
				tmplPath += p[0] + "=${!" + p[0] + "}/"
			}
			if got := params["storage.location.template"]; !equalJSON(got, sub(tmplPath)) {
				t.Errorf("storage.location.template = %v; want %s", got, tmplPath)
			}
			for _, p := range parts {
				checkProjection(t, params, p[0])
			}
		})
	}
}

var quarterPattern = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)

func checkProjection(t *testing.T, params map[string]any, col string) {
	t.Helper()
	get := func(k string) any { return params["projection."+col+"."+k] }
	switch col {
	case "source":
		// enum, not injected: injected columns make every query name one source.
		if get("type") != "enum" || !equalJSON(get("values"), ref("SourceIds")) {
			t.Errorf("source projection %v %v; want enum of !Ref SourceIds", get("type"), get("values"))
		}
	case "month":
		if get("type") != "date" || get("format") != "yyyy-MM" || get("interval.unit") != "MONTHS" || get("interval") != "1" {
			t.Errorf("month projection: type %v format %v interval %v %v; want date yyyy-MM 1 MONTHS",
				get("type"), get("format"), get("interval"), get("interval.unit"))
		}
		lo, hi, _ := strings.Cut(fmt.Sprint(get("range")), ",")
		if _, err := time.Parse("2006-01", lo); err != nil || !strings.HasPrefix(hi, "NOW") {
			t.Errorf("month range %v; want YYYY-MM,NOW...", get("range"))
		}
	case "quarter":
		join := list(at(get("values"), "Fn::Join"))
		if get("type") != "enum" || len(join) != 2 || join[0] != "," {
			t.Fatalf("quarter projection %v %v; want enum of !Join [\",\", ...]", get("type"), get("values"))
		}
		values := strings.Split(strings.Join(strs(join[1]), ","), ",")
		last := -1
		for _, v := range values {
			m := quarterPattern.FindStringSubmatch(v)
			if m == nil {
				t.Fatalf("quarter %q: want YYYY-Qn", v)
			}
			y, _ := strconv.Atoi(m[1])
			q, _ := strconv.Atoi(m[2])
			if i := y*4 + q - 1; last >= 0 && i != last+1 {
				t.Errorf("quarter %s does not follow the one before", v)
			}
			last = y*4 + q - 1
		}
		if !slices.Contains(values, "2027-Q1") || last/4 < time.Now().Year()+10 {
			t.Errorf("quarters %s..%s; want 2027-Q1 and ten years ahead", values[0], values[len(values)-1])
		}
	default:
		t.Errorf("no projection check for partition column %s", col)
	}
}

func TestAthenaWorkGroup(t *testing.T) {
	tmpl := loadTemplate(t)
	cfg := mapAt(t, resource(t, tmpl, "AthenaWorkGroup"), "Properties", "WorkGroupConfiguration")
	if cfg["EnforceWorkGroupConfiguration"] != true {
		t.Error("workgroup configuration is not enforced: a client could lift the scan limit")
	}
	if !equalJSON(cfg["BytesScannedCutoffPerQuery"], ref("AthenaScanLimitBytes")) {
		t.Errorf("BytesScannedCutoffPerQuery = %v; want !Ref AthenaScanLimitBytes", cfg["BytesScannedCutoffPerQuery"])
	}
	if got := at(cfg, "ResultConfiguration", "OutputLocation"); !equalJSON(got, sub("s3://${DataBucket}/athena-results/")) {
		t.Errorf("results go to %v; want s3://${DataBucket}/athena-results/", got)
	}
	if at(cfg, "ResultConfiguration", "EncryptionConfiguration", "EncryptionOption") == nil {
		t.Error("query results are not encrypted")
	}
}

func TestNamedQueriesEqualSQLFiles(t *testing.T) {
	tmpl := loadTemplate(t)
	dir := filepath.Join(repoRoot(t), "infra", "queries")
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	queries := resources(t, tmpl, "AWS::Athena::NamedQuery")
	if len(queries) != len(files) || len(files) == 0 {
		t.Errorf("%d named queries, %d files in infra/queries; want one file per query", len(queries), len(files))
	}
	tableRef := regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_]+)`)
	for id, q := range queries {
		p := mapAt(t, q, "Properties")
		name := fmt.Sprint(p["Name"])
		want, err := os.ReadFile(filepath.Join(dir, name+".sql"))
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if got := fmt.Sprint(p["QueryString"]); got != string(want) {
			t.Errorf("%s: QueryString differs from infra/queries/%s.sql\n got %q\nwant %q", id, name, got, want)
		}
		if !equalJSON(p["Database"], ref("GlueDatabase")) || !equalJSON(p["WorkGroup"], ref("AthenaWorkGroup")) {
			t.Errorf("%s: database %v, workgroup %v; want the stack's", id, p["Database"], p["WorkGroup"])
		}
		// Plain table names, so that the same file runs on DuckDB over views of the same names.
		for _, m := range tableRef.FindAllStringSubmatch(string(want), -1) {
			if !slices.Contains([]string{"feedback", "scored_feedback", "survey_answers", "kpis"}, m[1]) {
				t.Errorf("%s reads table %q", name, m[1])
			}
		}
	}
}

// ---------------------------------------------------------------- samconfig

func TestSAMConfig(t *testing.T) {
	tmpl := loadTemplate(t)
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, line := range []string{
		`capabilities = "CAPABILITY_IAM"`,
		`resolve_s3 = true`,
		`confirm_changeset = true`,
		`stack_name = "civicpulse-springfield"`,
	} {
		if !strings.Contains(text, "\n"+line+"\n") {
			t.Errorf("samconfig.toml: no line %s", line)
		}
	}
	overrides := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*"([A-Za-z]+)=([^"]*)",?$`).FindAllStringSubmatch(text, -1) {
		overrides[m[1]] = m[2]
	}
	params := mapAt(t, tmpl, "Parameters")
	for k := range overrides {
		if params[k] == nil {
			t.Errorf("samconfig.toml overrides %s, which the template does not declare", k)
		}
	}
	for k, p := range params {
		if at(p, "Default") == nil && overrides[k] == "" {
			t.Errorf("required parameter %s has no value in samconfig.toml", k)
		}
	}
	if overrides["FiscalYearStartMonth"] != "7" || overrides["CityTimeZone"] != "America/Chicago" {
		t.Errorf("sample city overrides %v; want Springfield's fiscal July start and Chicago time", overrides)
	}
}
