package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
)

// The kill test runs the civicpulse binary's stages over a slice of the sample city, kills
// the running one with SIGKILL at a seeded random moment, runs the stages again and compares
// every file with a run that was never killed. The clock is stopped (CIVICPULSE_NOW) so that
// the two runs can agree byte for byte.
const (
	killSeed    = 20261123
	killPoints  = 6
	killNow     = "2026-10-02T08:00:00Z"
	killQuarter = "2027-Q1" // the quarter of the slice's latest month, 2026-09
)

// killSlice is the slice of the sample city the kill test runs over: the config, the
// quarter's survey, a tweet page with planted bad records and one of the quarter's pages.
func killSlice(t *testing.T) []sample.File {
	t.Helper()
	files, err := sample.Generate(sample.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(files, func(f sample.File) bool {
		return f.Key != sample.ConfigKey && !strings.HasSuffix(f.Key, "FY2027-Q1.csv") &&
			!strings.HasSuffix(f.Key, "search-2025-02-01-p002.json") && !strings.HasSuffix(f.Key, "search-2026-09-01-p001.json")
	})
}

// killStages are the commands of one pipeline run, in order.
func killStages(dir string) [][]string {
	return [][]string{
		{"ingest", "--store", dir, "-q"},
		{"score", "--store", dir, "-q"},
		{"kpi", "--store", dir, "--quarter", killQuarter, "-q"},
		{"report", "--store", dir, "--quarter", killQuarter, "-q"},
	}
}

// runStages runs the commands in order and, when at > 0, kills the one running at that
// moment; it reports whether a kill landed.
func runStages(t *testing.T, bin string, stages [][]string, at time.Duration) (killed bool) {
	t.Helper()
	deadline := time.Now().Add(at)
	for _, args := range stages {
		cmd := civicpulse(bin, 0, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if at > 0 {
			timer := time.AfterFunc(time.Until(deadline), func() { cmd.Process.Kill() })
			defer timer.Stop()
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) && !exit.Exited() {
			return true // killed by the signal
		}
		if err != nil {
			t.Fatalf("civicpulse %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	return false
}

// buildCivicpulse builds the command once for the test.
func buildCivicpulse(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "civicpulse")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build civicpulse: %v\n%s", err, out)
	}
	return bin
}

// civicpulse returns the command for args at the stopped clock plus shift.
func civicpulse(bin string, shift time.Duration, args ...string) *exec.Cmd {
	at, _ := time.Parse(time.RFC3339, killNow)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CIVICPULSE_NOW="+at.Add(shift).Format(time.RFC3339),
		"CIVICPULSE_AUTHOR_KEY=kill-test-key")
	return cmd
}

// dirFiles reads every file under root: objects by key, and the temporary files a killed
// write left behind apart.
func dirFiles(t *testing.T, root string) (objects map[string][]byte, temps []string) {
	t.Helper()
	objects = map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(e.Name(), ".tmp-") {
			temps = append(temps, rel)
			return nil
		}
		b, err := os.ReadFile(p)
		objects[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return objects, temps
}

// sentRecord matches the send ledger's records and the copies beside the reports; group 1 or 3
// is the recipient, group 2 a retry's attempt number.
var sentRecord = regexp.MustCompile(`^(?:state/sent/quarter=[^/]+/([^/.]+)(?:\.attempt-(\d+))?\.json|reports/quarter=[^/]+/([^/]+)/sent\.json)$`)

func TestKillAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline's commands about seventy times")
	}
	bin := buildCivicpulse(t)
	slice := killSlice(t)
	seed := func(t *testing.T) string {
		dir := t.TempDir()
		for _, f := range slice {
			p := filepath.Join(dir, filepath.FromSlash(f.Key))
			if err := errors.Join(os.MkdirAll(filepath.Dir(p), 0o755), os.WriteFile(p, f.Data, 0o644)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	ref := seed(t)
	start := time.Now()
	runStages(t, bin, killStages(ref), 0)
	took := time.Since(start)
	want, temps := dirFiles(t, ref)
	if len(temps) > 0 {
		t.Fatalf("an uninterrupted run left temporary files: %v", temps)
	}
	for _, p := range []string{"curated/", "scored/", "quarantine/", "kpi/quarter=" + killQuarter + "/", "reports/", "outbox/", "state/sent/"} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(want)), func(k string) bool { return strings.HasPrefix(k, p) }) {
			t.Fatalf("the uninterrupted run wrote nothing under %s", p)
		}
	}

	rng := rand.New(rand.NewPCG(killSeed, 0x6b11))
	killed := 0
	for i := range killPoints {
		// Spread the points over the run: one in each killPoints-th of its duration.
		at := time.Duration((float64(i) + rng.Float64()) / killPoints * float64(took))
		t.Run(at.Round(time.Millisecond).String(), func(t *testing.T) {
			dir := seed(t)
			if runStages(t, bin, killStages(dir), at) {
				killed++
			} else {
				t.Logf("the run finished before the kill at %s", at)
			}
			got, temps := dirFiles(t, dir)
			checkKilled(t, want, got)
			st, err := store.NewDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			infos, err := st.List(context.Background(), "")
			if err != nil || len(infos) != len(got) {
				t.Errorf("the store lists %d objects (%v); %d files are not temporary (temporary: %v)", len(infos), err, len(got), temps)
			}

			rerun(t, bin, dir)
			got, temps = dirFiles(t, dir)
			compareKilled(t, want, got)
			if len(temps) > 0 {
				t.Logf("temporary files of the killed writes, ignored by the store: %v", temps)
			}
		})
	}
	t.Logf("%d of %d runs killed mid-way; an uninterrupted run takes %s", killed, killPoints, took.Round(time.Millisecond))
	if killed < killPoints/2 {
		t.Errorf("only %d of %d kills landed before the run finished", killed, killPoints)
	}
}

// rerun runs the stages again to the end. A delivery the kill left in doubt is settled as the
// runbook says: marked sent if the message is in the outbox, resent (once the attempt is
// ResendAfter old) if not.
func rerun(t *testing.T, bin, dir string) {
	t.Helper()
	stages := killStages(dir)
	runStages(t, bin, stages[:len(stages)-1], 0)
	out, err := civicpulse(bin, 0, stages[len(stages)-1]...).CombinedOutput()
	if err == nil {
		return
	}
	if !strings.Contains(string(out), "delivery in doubt") {
		t.Fatalf("report after the kill: %v\n%s", err, out)
	}
	ctx := context.Background()
	st, err := store.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := st.List(ctx, "state/sent/quarter="+killQuarter+"/")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		m := sentRecord.FindStringSubmatch(in.Key)
		if m == nil || m[2] != "" {
			continue
		}
		rec, err := mail.NewLedger(st).Status(ctx, killQuarter, m[1])
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != mail.StatusSending {
			continue
		}
		args := []string{"report", "--store", dir, "--quarter", killQuarter, "-q"}
		shift := time.Duration(0)
		if delivered, _ := filepath.Glob(filepath.Join(dir, "outbox", "*", "*"+rec.MessageID+"*")); len(delivered) > 0 {
			t.Logf("%s: in doubt, in the outbox: marked sent", m[1])
			args = append(args, "--mark-sent", m[1])
		} else {
			t.Logf("%s: in doubt, not in the outbox: resent", m[1])
			args, shift = append(args, "--resend", m[1]), mail.ResendAfter
		}
		if out, err := civicpulse(bin, shift, args...).CombinedOutput(); err != nil {
			t.Fatalf("settle %s: %v\n%s", m[1], err, out)
		}
	}
}

// checkKilled checks what a kill left: every object but the send ledger's is the uninterrupted
// run's, byte for byte: none is partial.
func checkKilled(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	for k, b := range got {
		if sentRecord.MatchString(k) {
			continue
		}
		if w, ok := want[k]; !ok || !bytes.Equal(b, w) {
			t.Errorf("after the kill, %s (%d bytes) is not the uninterrupted run's (%d bytes, present %v)", k, len(b), len(w), ok)
		}
	}
}

// compareKilled compares the files after the re-run with the uninterrupted run's: the same
// bytes, but for the send ledger. Its records' claim token is drawn at random by each send; and
// for a recipient whose delivery the kill interrupted (a retried attempt, or one settled by
// hand), attempt numbers, times, provider id and notes differ while the message, its
// recipients and subject, and the status, sent, may not.
func compareKilled(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	touched := map[string]bool{}
	for k, b := range got {
		if m := sentRecord.FindStringSubmatch(k); m != nil {
			var r mail.Record
			if m[2] != "" || json.Unmarshal(b, &r) != nil || r.Note != "" || r.Attempt > 1 {
				touched[m[1]+m[3]] = true
			}
		}
	}
	for k, w := range want {
		b, ok := got[k]
		if !ok {
			t.Errorf("%s is missing after the re-run", k)
			continue
		}
		m := sentRecord.FindStringSubmatch(k)
		if m == nil {
			if !bytes.Equal(b, w) {
				t.Errorf("%s differs after the re-run (%d bytes; uninterrupted %d)", k, len(b), len(w))
			}
			continue
		}
		var x, y mail.Record
		if err := errors.Join(json.Unmarshal(b, &x), json.Unmarshal(w, &y)); err != nil {
			t.Errorf("ledger record %s: %v", k, err)
			continue
		}
		x.Claim, y.Claim = "", ""
		same := reflect.DeepEqual(x, y)
		if touched[m[1]+m[3]] {
			same = x.Status == mail.StatusSent && x.MessageID == y.MessageID && x.Subject == y.Subject && slices.Equal(x.To, y.To)
		}
		if !same {
			t.Errorf("ledger record %s after the re-run:\n%s\nwant the same sent message as\n%s", k, b, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; ok {
			continue
		}
		if m := sentRecord.FindStringSubmatch(k); m != nil && m[2] != "" && touched[m[1]] {
			continue // a retried attempt's own record
		}
		t.Errorf("%s exists after the re-run; the uninterrupted run has no such file", k)
	}
	var sent []string
	for k := range got {
		if strings.HasPrefix(k, "outbox/") {
			sent = append(sent, filepath.Dir(k))
		}
	}
	slices.Sort(sent)
	if len(sent) == 0 || len(slices.Compact(slices.Clone(sent))) != len(sent) {
		t.Errorf("outbox holds %v; want exactly one message per recipient", sent)
	}
}
