package infra_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// needTool returns the path of a program a test runs, from PATH or the given places. Missing,
// it skips the test locally but fails it under CI, where a skip must not pass as green.
func needTool(t *testing.T, name string, elsewhere ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range elsewhere {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	skipOrFail(t, fmt.Sprintf("%s not found: install it (see /work/shared/TOOLING.md)", name))
	return ""
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// run runs a program in the repository root and returns its stdout, stderr and exit code.
func run(t *testing.T, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), errb.String(), 0
}

// TestCfnLint requires cfn-lint to pass with no errors and no warnings. A warning the project
// accepts is ignored in the template's Metadata (cfn-lint: config: ignore_checks), with why.
func TestCfnLint(t *testing.T) {
	t.Parallel()
	lint := needTool(t, "cfn-lint", "/root/.pyenv/shims/cfn-lint")
	out, errs, code := run(t, nil, lint, "template.yaml")
	if code != 0 {
		t.Fatalf("cfn-lint template.yaml: exit %d\n%s%s", code, out, errs)
	}
}

// The plain CloudFormation the SAM transform makes of the template passes cfn-lint too: what
// CloudFormation deploys, SAM's generated roles, permissions and event source mappings included.
func TestCfnLintTransformed(t *testing.T) {
	t.Parallel()
	lint := needTool(t, "cfn-lint", "/root/.pyenv/shims/cfn-lint")
	b, err := json.MarshalIndent(translate(t), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "transformed.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run(t, nil, lint, path); code != 0 {
		t.Fatalf("cfn-lint on the transformed template: exit %d\n%s%s", code, out, errs)
	}
}

// translate transforms template.yaml to plain CloudFormation with samtranslator, offline.
func translate(t *testing.T) map[string]any {
	t.Helper()
	python := needTool(t, "python3")
	if _, errs, code := run(t, nil, python, "-c", "import samtranslator"); code != 0 {
		skipOrFail(t, "python3 cannot import samtranslator (pip install aws-sam-translator): "+errs)
	}
	env := []string{}
	if os.Getenv("AWS_DEFAULT_REGION") == "" {
		env = append(env, "AWS_DEFAULT_REGION=us-east-2")
	}
	out, errs, code := run(t, env, python, filepath.Join("infra", "sam_translate.py"), "template.yaml")
	if code != 0 {
		t.Fatalf("sam_translate.py: exit %d\n%s", code, errs)
	}
	var cfn map[string]any
	if err := json.Unmarshal([]byte(out), &cfn); err != nil {
		t.Fatalf("sam_translate.py output: %v", err)
	}
	return cfn
}

func TestSAMTransform(t *testing.T) {
	t.Parallel()
	cfn := translate(t)
	if at(cfn, "Transform") != nil {
		t.Error("transformed template still has a Transform")
	}

	fns := resources(t, cfn, "AWS::Lambda::Function")
	for _, id := range []string{"IngestFunction", "ScoreFunction", "KpiFunction", "ReportFunction"} {
		p := mapAt(t, fns[id], "Properties")
		if p["Runtime"] != "provided.al2023" || !equalJSON(p["Architectures"], []any{"arm64"}) || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v, architectures %v, handler %v; want provided.al2023, [arm64], bootstrap",
				id, p["Runtime"], p["Architectures"], p["Handler"])
		}
		if !equalJSON(at(p, "LoggingConfig", "LogGroup"), ref(strings.TrimSuffix(id, "Function")+"LogGroup")) ||
			at(p, "LoggingConfig", "LogFormat") != "JSON" {
			t.Errorf("%s: LoggingConfig %v; want JSON into its own log group", id, p["LoggingConfig"])
		}
		if at(p, "TracingConfig", "Mode") != "Active" {
			t.Errorf("%s: tracing %v", id, p["TracingConfig"])
		}
		if at(p, "Environment", "Variables", "CIVICPULSE_STORE") == nil {
			t.Errorf("%s: Globals environment not merged: %v", id, p["Environment"])
		}
	}
	if len(fns) != 4 {
		t.Errorf("got %d functions; want 4", len(fns))
	}

	// Schedules: the city's clock, a dead-letter queue, and the targets the template means.
	targets := map[string]bool{}
	for id, s := range resources(t, cfn, "AWS::Scheduler::Schedule") {
		p := mapAt(t, s, "Properties")
		if !equalJSON(p["ScheduleExpressionTimezone"], ref("CityTimeZone")) {
			t.Errorf("%s: time zone %v", id, p["ScheduleExpressionTimezone"])
		}
		if p["Name"] != nil {
			t.Errorf("%s: Name %v; want CloudFormation to name it", id, p["Name"])
		}
		if !equalJSON(at(p, "Target", "DeadLetterConfig", "Arn"), getAtt("DeadLetterQueue", "Arn")) {
			t.Errorf("%s: dead letters go to %v", id, at(p, "Target", "DeadLetterConfig"))
		}
		arn := at(p, "Target", "Arn")
		if g := list(at(arn, "Fn::GetAtt")); len(g) == 2 {
			targets[fmt.Sprint(g[0])] = true
		} else if r, ok := at(arn, "Ref").(string); ok {
			targets[r] = true
		}
	}
	if want := []string{"InboxQueue", "QuarterStateMachine", "ScoreFunction"}; !slices.Equal(keys(targets), want) {
		t.Errorf("schedules target %v; want %v", keys(targets), want)
	}

	// The definition file goes up with the code (sam package); CloudFormation substitutes the ARNs.
	if sm := resources(t, cfn, "AWS::StepFunctions::StateMachine"); len(sm) != 1 || sm["QuarterStateMachine"] == nil {
		t.Errorf("state machines %v; want QuarterStateMachine", keys(sm))
	} else {
		p := mapAt(t, sm["QuarterStateMachine"], "Properties")
		if at(p, "DefinitionS3Location", "Key") != "infra/statemachine/quarter.asl.json" {
			t.Errorf("DefinitionS3Location = %v; want the uploaded infra/statemachine/quarter.asl.json", p["DefinitionS3Location"])
		}
		if !equalJSON(at(p, "DefinitionSubstitutions", "KpiFunctionArn"), getAtt("KpiFunction", "Arn")) {
			t.Errorf("DefinitionSubstitutions = %v", p["DefinitionSubstitutions"])
		}
	}

	// Object events reach the functions through queues with dead-letter queues: inbox/ files
	// to ingest, curated/feedback objects to score.
	for _, q := range []struct{ rule, queue, dlq, prefix, fn, esm string }{
		{"InboxObjectCreatedRule", "InboxQueue", "InboxDeadLetterQueue", "inbox/", "IngestFunction", "IngestFunctionInboxFiles"},
		{"CuratedFeedbackCreatedRule", "ScoreQueue", "ScoreDeadLetterQueue", "curated/feedback/", "ScoreFunction", "ScoreFunctionCuratedFeedback"},
	} {
		rule := resource(t, cfn, q.rule)
		targetsOf := list(at(rule, "Properties", "Targets"))
		if len(targetsOf) != 1 || !equalJSON(at(targetsOf[0], "Arn"), getAtt(q.queue, "Arn")) ||
			at(targetsOf[0], "DeadLetterConfig") == nil {
			t.Errorf("%s targets %v; want %s with a dead-letter queue", q.rule, targetsOf, q.queue)
		}
		if got := at(rule, "Properties", "EventPattern", "detail", "object", "key"); !equalJSON(got, []any{map[string]any{"prefix": q.prefix}}) {
			t.Errorf("%s matches keys %v; want prefix %s", q.rule, got, q.prefix)
		}
		queue := resource(t, cfn, q.queue)
		if !equalJSON(at(queue, "Properties", "RedrivePolicy", "deadLetterTargetArn"), getAtt(q.dlq, "Arn")) {
			t.Errorf("%s redrives to %v; want %s", q.queue, at(queue, "Properties", "RedrivePolicy"), q.dlq)
		}
		esm := mapAt(t, resource(t, cfn, q.esm), "Properties")
		if !equalJSON(esm["EventSourceArn"], getAtt(q.queue, "Arn")) || !equalJSON(esm["FunctionName"], ref(q.fn)) {
			t.Errorf("%s event source %v", q.fn, esm)
		}
		timeout, _ := at(fns[q.fn], "Properties", "Timeout").(float64)
		if vt, _ := at(queue, "Properties", "VisibilityTimeout").(float64); timeout == 0 || vt < 6*timeout {
			t.Errorf("%s visibility %v s; want at least 6 x the %v s timeout of %s", q.queue, vt, timeout, q.fn)
		}
	}

	// Async failures of the scheduled and event-driven functions land in the DLQ.
	for _, fn := range []string{"IngestFunction", "ScoreFunction"} {
		cfg := resource(t, cfn, fn+"EventInvokeConfig")
		if !equalJSON(at(cfg, "Properties", "DestinationConfig", "OnFailure", "Destination"), getAtt("DeadLetterQueue", "Arn")) {
			t.Errorf("%s: async failures go to %v", fn, at(cfg, "Properties", "DestinationConfig"))
		}
	}

	// What deploys, SAM's additions included: no S3 wildcard anywhere in a role.
	for id, role := range resources(t, cfn, "AWS::IAM::Role") {
		for _, p := range list(at(role, "Properties", "Policies")) {
			for _, s := range list(at(p, "PolicyDocument", "Statement")) {
				for _, a := range strs(at(s, "Action")) {
					if a == "*" || a == "s3:*" || (strings.HasPrefix(a, "s3:") && slices.Contains(strs(at(s, "Resource")), "*")) {
						t.Errorf("%s: %s on %v", id, a, at(s, "Resource"))
					}
				}
			}
		}
	}
}

// TestSAMBuildTargets runs `make -n` on the targets `sam build` calls for each function.
func TestSAMBuildTargets(t *testing.T) {
	t.Parallel()
	mk := needTool(t, "make")
	tmpl := loadTemplate(t)
	for id, fn := range resources(t, tmpl, "AWS::Serverless::Function") {
		if at(fn, "Metadata", "BuildMethod") != "makefile" {
			continue
		}
		stage := strings.ToLower(strings.TrimSuffix(id, "Function"))
		out, errs, code := run(t, nil, mk, "-n", "-f", filepath.Join("infra", "sam.mk"), "build-"+id, "ARTIFACTS_DIR=/artifacts")
		if code != 0 {
			t.Errorf("make build-%s: exit %d: %s", id, code, errs)
			continue
		}
		want := "GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -tags lambda.norpc -ldflags='-s -w' -o /artifacts/bootstrap ./functions/" + stage
		if !slices.Contains(strings.Split(strings.TrimSpace(out), "\n"), want) {
			t.Errorf("make build-%s runs\n%s\nwant\n%s", id, out, want)
		}
	}
	// Without ARTIFACTS_DIR the target refuses instead of writing /bootstrap.
	if _, _, code := run(t, []string{"ARTIFACTS_DIR="}, mk, "-s", "-f", filepath.Join("infra", "sam.mk"), "build-KpiFunction"); code == 0 {
		t.Error("make build-KpiFunction without ARTIFACTS_DIR succeeded")
	}
}
