package functions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stateMachine runs infra/statemachine/quarter.asl.json the way Step Functions would, for the
// subset of the Amazon States Language it uses (Task states on lambda:invoke with Parameters,
// ResultSelector, ResultPath and Catch; Fail states), each Task on a real bootstrap through
// the Runtime API. Retries are Step Functions' business and are not replayed here: a failed
// task goes straight to its Catch.
type stateMachine struct {
	def    map[string]any
	invoke func(fn string, payload []byte) invocation
}

func loadStateMachine(t *testing.T, invoke func(fn string, payload []byte) invocation) *stateMachine {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "infra", "statemachine", "quarter.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	// DefinitionSubstitutions, with the function ARNs standing for the functions' names.
	b = []byte(strings.NewReplacer("${Partition}", "aws", "${KpiFunctionArn}", "kpi", "${ReportFunctionArn}", "report").Replace(string(b)))
	var def map[string]any
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	return &stateMachine{def: def, invoke: invoke}
}

// execution is how a run ended: its output, or the Fail state's error with the $.error the
// Catch recorded.
type execution struct {
	output, lastInput map[string]any
	failed            string
	path              []string
}

func (m *stateMachine) run(t *testing.T, input map[string]any) execution {
	t.Helper()
	states := m.def["States"].(map[string]any)
	name := m.def["StartAt"].(string)
	var ex execution
	for range 10 {
		ex.path = append(ex.path, name)
		s := states[name].(map[string]any)
		switch s["Type"] {
		case "Fail":
			ex.failed, ex.lastInput = s["Error"].(string), input
			return ex
		case "Task":
			if s["Resource"] != "arn:aws:states:::lambda:invoke" {
				t.Fatalf("%s: resource %v is not lambda:invoke", name, s["Resource"])
			}
			params := evalParams(t, s["Parameters"], input).(map[string]any)
			payload, _ := json.Marshal(params["Payload"])
			inv := m.invoke(params["FunctionName"].(string), payload)
			if inv.fail != nil {
				var e struct{ ErrorType, ErrorMessage string }
				json.Unmarshal(inv.fail, &e)
				catch := s["Catch"].([]any)[0].(map[string]any)
				input = setPath(t, input, catch["ResultPath"].(string), map[string]any{"Error": e.ErrorType, "Cause": e.ErrorMessage})
				name = catch["Next"].(string)
				continue
			}
			var out any
			if err := json.Unmarshal(inv.resp, &out); err != nil {
				t.Fatalf("%s: response %q: %v", name, inv.resp, err)
			}
			var result any = map[string]any{"Payload": out, "StatusCode": 200.0}
			if sel, ok := s["ResultSelector"]; ok {
				result = evalParams(t, sel, result)
			}
			input = setPath(t, input, s["ResultPath"].(string), result)
			if s["End"] == true {
				ex.output = input
				return ex
			}
			name = s["Next"].(string)
		default:
			t.Fatalf("%s: state type %v is outside the subset this test runs", name, s["Type"])
		}
	}
	t.Fatalf("execution did not end: %v", ex.path)
	return ex
}

// evalParams applies a Parameters or ResultSelector template: a key ending in ".$" takes the
// value at its path in doc.
func evalParams(t *testing.T, tmpl any, doc any) any {
	t.Helper()
	m, ok := tmpl.(map[string]any)
	if !ok {
		return tmpl
	}
	out := map[string]any{}
	for k, v := range m {
		if key, ok := strings.CutSuffix(k, ".$"); ok {
			out[key] = getPath(t, doc, v.(string))
		} else {
			out[k] = evalParams(t, v, doc)
		}
	}
	return out
}

func getPath(t *testing.T, doc any, path string) any {
	t.Helper()
	if path == "$" {
		return doc
	}
	rest, ok := strings.CutPrefix(path, "$.")
	if !ok {
		t.Fatalf("path %q is outside the subset this test runs", path)
	}
	for _, f := range strings.Split(rest, ".") {
		m, ok := doc.(map[string]any)
		if !ok {
			t.Fatalf("path %q: no field %s in %v (States.Runtime)", path, f, doc)
		}
		if doc, ok = m[f]; !ok {
			t.Fatalf("path %q: no field %s in %v (States.Runtime)", path, f, m)
		}
	}
	return doc
}

func setPath(t *testing.T, doc map[string]any, path string, v any) map[string]any {
	t.Helper()
	field, ok := strings.CutPrefix(path, "$.")
	if !ok || strings.Contains(field, ".") {
		t.Fatalf("ResultPath %q is outside the subset this test runs", path)
	}
	out := map[string]any{}
	for k, x := range doc {
		out[k] = x
	}
	out[field] = v
	return out
}

// The quarter's state machine on the real kpi and report bootstraps: the scheduled input {}
// computes and reports the quarter that just ended, a replay names its quarter and sends nobody
// a second email, and a bad quarter ends in the Fail state with the cause in $.error.
func testStateMachine(t *testing.T, l *lake, wantQuarter string, sent func(*testing.T) int) {
	m := loadStateMachine(t, func(fn string, payload []byte) invocation {
		return invoke(t, build(t, fn), payload, l.env)
	})
	before := sent(t)
	for _, in := range []map[string]any{{}, {"quarter": "2027-Q1"}} {
		ex := m.run(t, in)
		if ex.failed != "" {
			t.Fatalf("input %v failed: %v", in, ex.lastInput["error"])
		}
		q := ex.output["kpi"].(map[string]any)["quarter"]
		if want := in["quarter"]; want == nil && q != wantQuarter || want != nil && q != want {
			t.Errorf("input %v computed quarter %v", in, q)
		}
		rs := ex.output["report"].(map[string]any)["result"].(map[string]any)["recipients"].([]any)
		if fmt.Sprint(ex.path) != "[ComputeKPIs SendReports]" || len(rs) == 0 {
			t.Errorf("input %v: path %v, recipients %v", in, ex.path, rs)
		}
	}
	if n := sent(t); n != before {
		t.Errorf("replaying the reported quarter sent %d more emails", n-before)
	}
	ex := m.run(t, map[string]any{"quarter": "2027-Q9"})
	e, _ := ex.lastInput["error"].(map[string]any)
	if ex.failed != "QuarterFailed" || fmt.Sprint(ex.path) != "[ComputeKPIs QuarterFailed]" || !strings.Contains(fmt.Sprint(e["Cause"]), "2027-Q9") {
		t.Errorf("a bad quarter ended %q via %v with $.error %v; want QuarterFailed naming 2027-Q9", ex.failed, ex.path, e)
	}
}
