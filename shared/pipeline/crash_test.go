package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	netmail "net/mail"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/score"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// The crash tests stop a stage at a seeded random operation — by cancelling its context, by
// killing it before or after a store call or a send takes effect, or by tearing a write half-way
// through its bytes — then run it again with the stages after it, and compare the whole store
// with a run that was never interrupted. The seed is fixed so that a failure names its crash
// point and can be replayed; change crashSeed to explore others.
const crashSeed = 20261123

// crashMode is how a stage dies.
type crashMode int

const (
	crashCancel crashMode = iota // its context is cancelled (a Lambda timeout, Ctrl-C)
	crashBefore                  // the process dies just before an operation takes effect
	crashAfter                   // it dies just after, before the caller learns the outcome
	crashTorn                    // a write dies half-way through its bytes, and the process with it
)

func (m crashMode) String() string {
	return [...]string{"cancel", "kill-before", "kill-after", "torn-write"}[m]
}

var errKilled = errors.New("crash test: process killed")

// crashPlan numbers the operations of one stage run — store calls and sends — and crashes the
// at-th (the at-th write for crashTorn); 0 never crashes and just counts. After a kill every
// later operation fails, as it would in a dead process; after a cancel only those whose
// context is cancelled do.
type crashPlan struct {
	mode   crashMode
	at     int
	cancel context.CancelFunc

	mu                  sync.Mutex
	ops, writes, failed int
	fired, dead         bool
	labels              []string // what each operation was: "put <key>", "send", …
}

// verdict is what one operation does under the plan.
type verdict int

const (
	proceed    verdict = iota
	fail               // return the error without doing anything
	doThenFail         // take effect, then return the error
	tear               // write half of the bytes, then fail
)

func (p *crashPlan) next(ctx context.Context, write bool, label string) (v verdict, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() {
		if err != nil {
			p.failed++
		}
	}()
	if p.dead {
		return fail, errKilled
	}
	p.ops++
	p.labels = append(p.labels, label)
	if write {
		p.writes++
	}
	hit := p.at > 0 && !p.fired && (p.mode == crashTorn && write && p.writes == p.at || p.mode != crashTorn && p.ops == p.at)
	if hit {
		p.fired = true
		switch p.mode {
		case crashCancel:
			p.cancel()
		case crashBefore:
			p.dead = true
			return fail, errKilled
		case crashAfter:
			p.dead = true
			return doThenFail, errKilled
		case crashTorn:
			p.dead = true
			return tear, errKilled
		}
	}
	if err := ctx.Err(); err != nil {
		return fail, err
	}
	return proceed, nil
}

// crashStore is a store.Store whose operations follow a crashPlan.
type crashStore struct {
	inner store.Store
	plan  *crashPlan
}

func (s *crashStore) do(ctx context.Context, label string, f func(context.Context) error) error {
	switch v, err := s.plan.next(ctx, false, label); v {
	case proceed:
		return f(ctx)
	case doThenFail:
		_ = f(context.WithoutCancel(ctx))
		return err
	default:
		return err
	}
}

func (s *crashStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	var rc io.ReadCloser
	err := s.do(ctx, "get "+key, func(ctx context.Context) (err error) {
		rc, err = s.inner.Get(ctx, key)
		return err
	})
	if err != nil && rc != nil {
		rc.Close()
		rc = nil
	}
	return rc, err
}

func (s *crashStore) Stat(ctx context.Context, key string) (info store.Info, err error) {
	err = s.do(ctx, "stat "+key, func(ctx context.Context) (err error) {
		info, err = s.inner.Stat(ctx, key)
		return err
	})
	return info, err
}

func (s *crashStore) List(ctx context.Context, prefix string) (infos []store.Info, err error) {
	err = s.do(ctx, "list "+prefix, func(ctx context.Context) (err error) {
		infos, err = s.inner.List(ctx, prefix)
		return err
	})
	return infos, err
}

func (s *crashStore) Delete(ctx context.Context, key string) error {
	return s.do(ctx, "delete "+key, func(ctx context.Context) error { return s.inner.Delete(ctx, key) })
}

func (s *crashStore) Put(ctx context.Context, key string, r io.Reader) error {
	return s.write(ctx, "put "+key, key, r, s.inner.Put)
}

func (s *crashStore) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	return s.write(ctx, "put-if-absent "+key, key, r, s.inner.PutIfAbsent)
}

func (s *crashStore) write(ctx context.Context, label, key string, r io.Reader, put func(context.Context, string, io.Reader) error) error {
	switch v, err := s.plan.next(ctx, true, label); v {
	case proceed:
		return put(ctx, key, r)
	case doThenFail:
		_ = put(context.WithoutCancel(ctx), key, r)
		return err
	case tear:
		b, rerr := io.ReadAll(r)
		if rerr != nil {
			return rerr
		}
		torn := io.MultiReader(bytes.NewReader(b[:len(b)/2]), iotest.ErrReader(errKilled))
		if perr := put(context.WithoutCancel(ctx), key, torn); perr == nil {
			return fmt.Errorf("torn write of %s: the store reported success", key)
		}
		return err
	default:
		return err
	}
}

func (s *crashStore) String() string { return "crash(" + s.inner.String() + ")" }

// mailLog stands for the mail service's log: what was delivered, by Message-ID. It outlives
// the runs of one trial, as the real one would.
type mailLog struct {
	mu        sync.Mutex
	delivered map[string][]string // Message-ID -> envelope recipients, once per delivery
}

func (l *mailLog) deliver(to []string, raw []byte) (string, error) {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("mail log: %w: %w", mail.ErrRejected, err)
	}
	id := strings.Trim(m.Header.Get("Message-Id"), "<> ")
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.delivered == nil {
		l.delivered = map[string][]string{}
	}
	l.delivered[id] = append(l.delivered[id], strings.Join(to, ","))
	return "log/" + id, nil
}

func (l *mailLog) count(messageID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.delivered[messageID])
}

// crashSender delivers to a mailLog; the send is an operation of the plan like a store call.
type crashSender struct {
	log  *mailLog
	plan *crashPlan
}

func (s *crashSender) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	switch v, err := s.plan.next(ctx, true, "send "+strings.Join(to, ",")); v {
	case proceed:
		return s.log.deliver(to, raw)
	case doThenFail:
		_, _ = s.log.deliver(to, raw)
		return "", err
	default:
		return "", err
	}
}

// crashEnv is what the stages of one pipeline run share.
type crashEnv struct {
	city    *config.City
	scorer  *score.Scorer
	quarter kpi.Quarter
}

// crashStage runs one stage over st, sending through sender.
type crashStage struct {
	name string
	// points is how many crash points TestCrashAndReplay draws: fewer where a run costs more
	// (the report renders charts), so that the test stays within its time under -race.
	points int
	run    func(ctx context.Context, e *crashEnv, st store.Store, sender mail.Sender, now time.Time) error
}

var crashStages = []crashStage{
	{"ingest", 10, func(ctx context.Context, e *crashEnv, st store.Store, _ mail.Sender, now time.Time) error {
		_, err := pipeline.Ingest(ctx, st, e.city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: quiet})
		return err
	}},
	{"score", 8, func(ctx context.Context, e *crashEnv, st store.Store, _ mail.Sender, _ time.Time) error {
		_, err := pipeline.Score(ctx, st, e.scorer, pipeline.ScoreOptions{Logger: quiet})
		return err
	}},
	{"kpi", 4, func(ctx context.Context, e *crashEnv, st store.Store, _ mail.Sender, now time.Time) error {
		_, err := pipeline.KPI(ctx, st, e.city, e.quarter, pipeline.KPIOptions{Now: now, Logger: quiet})
		return err
	}},
	{"report", 4, func(ctx context.Context, e *crashEnv, st store.Store, sender mail.Sender, now time.Time) error {
		_, err := pipeline.Report(ctx, st, e.city, e.quarter.String(), sender, pipeline.ReportOptions{Now: now, Logger: quiet})
		return err
	}},
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// tree is a whole store: key -> bytes.
type tree map[string][]byte

func readTree(t *testing.T, st store.Store) tree {
	t.Helper()
	ctx := context.Background()
	infos, err := st.List(ctx, "")
	if err != nil {
		t.Fatalf("list %s: %v", st, err)
	}
	out := tree{}
	for _, in := range infos {
		b, err := store.ReadAll(ctx, st, in.Key)
		if err != nil {
			t.Fatalf("read %s: %v", in.Key, err)
		}
		out[in.Key] = b
	}
	return out
}

func writeTree(t *testing.T, st store.Store, tr tree) {
	t.Helper()
	for k, b := range tr {
		if err := st.Put(context.Background(), k, bytes.NewReader(b)); err != nil {
			t.Fatalf("seed %s: %v", k, err)
		}
	}
}

// crashFixture is the sample subset the crash tests run over, and the uninterrupted run: the
// store before each stage and after the last, and how many operations and writes each stage
// performs.
type crashFixture struct {
	env            crashEnv
	before         []tree // before[i]: the store before stage i; before[len(stages)] is the end
	ops, writes    []int
	labels         [][]string // per stage, what each operation was
	recipients     []config.Recipient
	deliveredIDs   map[string]string // recipient key -> Message-ID of the one delivery
	uninterruptedT time.Duration
}

// crashFixtures keeps the fixture of the first test that builds it for the others: it is
// all in memory, and building it costs an uninterrupted run.
var crashFixtures struct {
	sync.Mutex
	f *crashFixture
}

func sharedCrashFixture(t *testing.T) *crashFixture {
	crashFixtures.Lock()
	defer crashFixtures.Unlock()
	if crashFixtures.f == nil {
		crashFixtures.f = newCrashFixture(t)
	}
	return crashFixtures.f
}

// newCrashFixture installs a small slice of the sample city — the reported quarter's survey, a
// tweet page with planted bad records and one of the quarter's pages, plus a re-export of that
// page under another name so that cross-batch duplicates are dropped — and runs every stage
// once.
func newCrashFixture(t *testing.T) *crashFixture {
	t.Helper()
	ctx := context.Background()
	st := dirStore(t)
	city := sampleStore(t, st, "FY2027-Q1.csv", "search-2025-02-01-p002.json", "search-2026-09-01-p001.json")
	page, err := store.ReadAll(ctx, st, "inbox/twitter/search-2026-09-01-p001.json")
	if err != nil {
		t.Fatal(err)
	}
	// Other bytes (another batch), the same records: ingested first, it stores them.
	if err := st.Put(ctx, "inbox/twitter/again-2026-09-01.json", bytes.NewReader(append(page, '\n'))); err != nil {
		t.Fatal(err)
	}
	sc, err := pipeline.NewScorer(ctx, st, city)
	if err != nil {
		t.Fatal(err)
	}
	f := &crashFixture{env: crashEnv{city: city, scorer: sc}, recipients: city.Recipients, deliveredIDs: map[string]string{}}
	log := &mailLog{}
	start := time.Now()
	for i, s := range crashStages {
		if s.name == "kpi" {
			if f.env.quarter, err = pipeline.LatestQuarter(ctx, st, city); err != nil {
				t.Fatal(err)
			}
		}
		f.before = append(f.before, readTree(t, st))
		plan := &crashPlan{cancel: func() {}}
		if err := s.run(ctx, &f.env, &crashStore{st, plan}, &crashSender{log, plan}, now); err != nil {
			t.Fatalf("uninterrupted %s: %v", s.name, err)
		}
		f.ops, f.writes, f.labels = append(f.ops, plan.ops), append(f.writes, plan.writes), append(f.labels, plan.labels)
		t.Logf("stage %d %s: %d operations, %d writes, %s", i, s.name, plan.ops, plan.writes, time.Since(start).Round(time.Millisecond))
	}
	f.uninterruptedT = time.Since(start)
	f.before = append(f.before, readTree(t, st))
	end := f.before[len(crashStages)]
	for _, r := range city.Recipients {
		var rec mail.Record
		if err := json.Unmarshal(end[mail.LedgerKey(f.env.quarter.String(), r.Key)], &rec); err != nil || rec.Status != mail.StatusSent {
			t.Fatalf("uninterrupted run: ledger of %s: %+v, %v; want sent", r.Key, rec, err)
		}
		if n := log.count(rec.MessageID); n != 1 {
			t.Fatalf("uninterrupted run delivered %s %d times; want 1", r.Key, n)
		}
		f.deliveredIDs[r.Key] = rec.MessageID
	}
	for _, p := range []string{"curated/feedback/", "curated/survey_answers/", "scored/", "kpi/", "quarantine/", "reports/", "state/ingest/"} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(end)), func(k string) bool { return strings.HasPrefix(k, p) }) {
			t.Fatalf("uninterrupted run wrote nothing under %s: the fixture does not exercise it", p)
		}
	}
	dropped := false
	for k, b := range end {
		var rec struct {
			InboxKey   string `json:"inbox_key"`
			Duplicates int    `json:"duplicates"`
		}
		if strings.HasPrefix(k, "state/ingest/source=") && json.Unmarshal(b, &rec) == nil &&
			rec.InboxKey == "inbox/twitter/search-2026-09-01-p001.json" && rec.Duplicates > 0 {
			dropped = true
		}
	}
	if !dropped {
		t.Fatal("uninterrupted run dropped no record of the re-exported page as a duplicate")
	}
	return f
}

// crashTrial is one crash point: stage i dies in the given mode at operation (or write) at.
type crashTrial struct {
	stage int
	mode  crashMode
	at    int
	full  bool          // re-run the later stages too
	later time.Duration // how much later than the crashed run the re-run is
}

func (c crashTrial) String() string {
	return fmt.Sprintf("%s/%s@%d", crashStages[c.stage].name, c.mode, c.at)
}

// crashTrials draws the stage's points (divided by div) crash points for each stage, cycling
// through the modes from first, at seeded random operations across the stage's count. The
// first of ingest's is full: its re-run goes through every later stage.
func crashTrials(f *crashFixture, div int, first crashMode, seed uint64) []crashTrial {
	rng := rand.New(rand.NewPCG(seed, 0xc4a5))
	var out []crashTrial
	for i, s := range crashStages {
		for j := range max(1, s.points/div) {
			mode := (first + crashMode(j)) % 4
			n := f.ops[i]
			if mode == crashTorn {
				n = f.writes[i]
			}
			if n == 0 {
				continue
			}
			out = append(out, crashTrial{stage: i, mode: mode, at: 1 + rng.IntN(n), full: i == 0 && j == 0})
		}
	}
	return out
}

// runCrashTrial crashes one stage over a copy of the store before it and checks what the crash
// left; then it runs the stage again, and the later ones too when c.full, and compares the store
// with the uninterrupted run's at the same point. (Stages are deterministic functions of the
// store and the clock, so a store equal to the uninterrupted one after the re-run stage leads
// to the same end; full trials check that end to end.)
//
// expect, if not nil, gives the store the re-run must end with from the one the crash left
// (for re-runs at another time); nil means the uninterrupted run's.
func runCrashTrial(t *testing.T, f *crashFixture, c crashTrial, st store.Store, expect func(crashed tree) tree) {
	ctx := context.Background()
	writeTree(t, st, f.before[c.stage])
	log := &mailLog{}

	// The crash.
	runCtx, cancel := context.WithCancel(ctx)
	plan := &crashPlan{mode: c.mode, at: c.at, cancel: cancel}
	err := crashStages[c.stage].run(runCtx, &f.env, &crashStore{st, plan}, &crashSender{log, plan}, now)
	cancel()
	if !plan.fired {
		t.Fatalf("the crash never happened: the stage performed %d operations, %d writes", plan.ops, plan.writes)
	}
	// A cancel that comes when only detached work is left (the ledger settles a sent message
	// whatever the context) fails nothing; any failed operation must fail the stage.
	if err == nil && plan.failed > 0 {
		t.Errorf("%s returned no error though %d operations failed: a failure was swallowed", crashStages[c.stage].name, plan.failed)
	}
	crashed := readTree(t, st)
	checkCrashed(t, f.before[c.stage+1], crashed)

	// The re-run, from the crashed stage on.
	last := c.stage + 1
	if c.full {
		last = len(crashStages)
	}
	settled := map[string]bool{}
	for i := c.stage; i < last; i++ {
		err := crashStages[i].run(ctx, &f.env, st, &crashSender{log, &crashPlan{}}, now.Add(c.later))
		if i == len(crashStages)-1 && errors.Is(err, mail.ErrInDoubt) {
			err = settleInDoubt(t, f, st, log, settled)
		}
		if err != nil {
			t.Fatalf("re-run of %s after the crash: %v", crashStages[i].name, err)
		}
	}
	if last == len(crashStages) {
		for _, r := range f.recipients {
			if n := log.count(f.deliveredIDs[r.Key]); n != 1 {
				t.Errorf("%s received the report %d times; want exactly 1", r.Key, n)
			}
		}
	}
	want := f.before[last]
	if expect != nil {
		want = expect(crashed)
	}
	compareTrees(t, want, readTree(t, st), settled)
	if d, ok := st.(*store.Dir); ok {
		checkNoTemp(t, d.Root())
	}
}

// settleInDoubt does what the runbook asks of a person for each delivery the re-run reports in
// doubt: look in the mail service's log, and mark it sent if it is there, resend it otherwise
// (which the ledger allows once the attempt is ResendAfter old). It notes whom it settled.
func settleInDoubt(t *testing.T, f *crashFixture, st store.Store, log *mailLog, settled map[string]bool) error {
	ctx := context.Background()
	q := f.env.quarter.String()
	ledger := mail.NewLedger(st)
	var resend []string
	for _, r := range f.recipients {
		rec, err := ledger.Status(ctx, q, r.Key)
		if err != nil || rec.Status != mail.StatusSending {
			continue
		}
		settled[r.Key] = true
		if log.count(rec.MessageID) > 0 {
			t.Logf("%s: in doubt, found in the mail log: marked sent", r.Key)
			if err := ledger.MarkSent(ctx, q, r.Key, now, "crash test: found in the mail log"); err != nil {
				return err
			}
		} else {
			t.Logf("%s: in doubt, not in the mail log: resent", r.Key)
			resend = append(resend, r.Key)
		}
	}
	_, err := pipeline.Report(ctx, st, f.env.city, q, &crashSender{log, &crashPlan{}},
		pipeline.ReportOptions{Now: now.Add(mail.ResendAfter), Resend: resend, Logger: quiet})
	return err
}

// ledgerKey matches the send ledger's objects and the copies beside the reports; group 1 or 3
// is the recipient, group 2 a retry's attempt number.
var ledgerKey = regexp.MustCompile(`^(?:state/sent/quarter=[^/]+/([^/.]+)(?:\.attempt-(\d+))?\.json|reports/quarter=[^/]+/([^/]+)/sent\.json)$`)

func ledgerRecipient(key string) (recipient string, retry bool, ok bool) {
	m := ledgerKey.FindStringSubmatch(key)
	if m == nil {
		return "", false, false
	}
	return m[1] + m[3], m[2] != "", true
}

// checkCrashed checks what a crash left: every object is the one the uninterrupted run has
// after the stage, byte for byte, or a send-ledger record (which holds the attempt's state). A
// torn or half-written object would differ.
func checkCrashed(t *testing.T, want, got tree) {
	t.Helper()
	for k, b := range got {
		if _, _, ok := ledgerRecipient(k); ok {
			var r mail.Record
			if err := json.Unmarshal(b, &r); err != nil {
				t.Errorf("after the crash, ledger record %s does not parse: %v", k, err)
			}
			continue
		}
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("after the crash, %s (%d bytes) exists; the uninterrupted run has no such object", k, len(b))
		case !bytes.Equal(b, w):
			t.Errorf("after the crash, %s is %d bytes unlike the uninterrupted run's %d: a partial object", k, len(b), len(w))
		}
	}
}

// compareTrees compares the store after the re-run with the uninterrupted run's. Every object
// is the same bytes, but for the send ledger's records:
//   - the claim token differs always: it is drawn at random by each Deliver call;
//   - for a recipient whose delivery the crash interrupted — one the re-run settled as a
//     person would, or whose first attempt failed and was retried under the next number —
//     attempt numbers, times, the provider id, errors and notes may differ, and the retry's
//     own attempt record is extra; what was sent (message, recipients, subject) and its
//     status, sent, may not.
func compareTrees(t *testing.T, want, got tree, settled map[string]bool) {
	t.Helper()
	touched := maps.Clone(settled)
	for k := range got {
		if r, retry, ok := ledgerRecipient(k); ok && retry {
			touched[r] = true
		}
	}
	for k, w := range want {
		b, ok := got[k]
		if !ok {
			t.Errorf("%s is missing after the re-run", k)
			continue
		}
		if r, _, isLedger := ledgerRecipient(k); isLedger {
			var x, y mail.Record
			if err := errors.Join(json.Unmarshal(b, &x), json.Unmarshal(w, &y)); err != nil {
				t.Errorf("ledger record %s: %v", k, err)
				continue
			}
			x.Claim, y.Claim = "", ""
			same := reflect.DeepEqual(x, y)
			if touched[r] {
				same = x.Status == mail.StatusSent && x.MessageID == y.MessageID && x.Subject == y.Subject &&
					x.Quarter == y.Quarter && x.Recipient == y.Recipient && slices.Equal(x.To, y.To)
			}
			if !same {
				t.Errorf("ledger record %s after the re-run:\n%s\nwant (claim aside%s)\n%s", k, b, map[bool]string{true: "; a settled or retried delivery", false: ""}[touched[r]], w)
			}
			continue
		}
		if !bytes.Equal(b, w) {
			t.Errorf("%s differs after the re-run (%d bytes; uninterrupted %d)", k, len(b), len(w))
		}
	}
	for k := range got {
		if _, ok := want[k]; ok {
			continue
		}
		if r, retry, ok := ledgerRecipient(k); ok && retry && touched[r] {
			continue // a retried attempt's own record
		}
		t.Errorf("%s exists after the re-run; the uninterrupted run has no such object", k)
	}
}

// checkNoTemp fails on a temporary file a failed write of the Dir store left behind.
func checkNoTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", p)
		}
		return nil
	})
}

// TestCrashAndReplay crashes each stage at seeded random points in every mode over the Dir
// store and checks that the re-run ends where an uninterrupted run ends.
func TestCrashAndReplay(t *testing.T) {
	f := sharedCrashFixture(t)
	div := 1
	if testing.Short() {
		div = 4
	}
	start := time.Now()
	trials := crashTrials(f, div, crashCancel, crashSeed)
	// And the points where a report's delivery is most at risk: just after the first message
	// went out, before the ledger knows (a person finds it in the mail log and marks it sent),
	// and the very last write, the copy of the sent record beside the report.
	report := len(crashStages) - 1
	if i := slices.IndexFunc(f.labels[report], func(l string) bool { return strings.HasPrefix(l, "send ") }); i >= 0 {
		trials = append(trials, crashTrial{stage: report, mode: crashAfter, at: i + 1})
	} else {
		t.Fatal("the report stage sent nothing")
	}
	trials = append(trials, crashTrial{stage: report, mode: crashBefore, at: f.ops[report]})
	for _, c := range trials {
		t.Run(c.String(), func(t *testing.T) {
			runCrashTrial(t, f, c, dirStore(t), nil)
		})
	}
	t.Logf("%d crash points in %s (an uninterrupted run: %s)", len(trials), time.Since(start).Round(time.Millisecond), f.uninterruptedT.Round(time.Millisecond))
}

// TestIngestCrashRerunNextDay re-runs a crashed ingest a day later. raw/ and quarantine/ are
// partitioned by the day of ingest and rows carry the time, so a batch the crashed run began
// must be finished with that run's time — the uninterrupted run's objects, not a second copy
// under the re-run's day — while a batch it never began is ingested at the re-run's time.
// Every object ingest writes names its batch, which says which of the two it must match.
func TestIngestCrashRerunNextDay(t *testing.T) {
	const later = 25 * time.Hour
	f := sharedCrashFixture(t)
	st := dirStore(t)
	writeTree(t, st, f.before[0])
	if err := crashStages[0].run(context.Background(), &f.env, st, nil, now.Add(later)); err != nil {
		t.Fatal(err)
	}
	nextDay := readTree(t, st)
	batchOf := func(key string) string {
		name := path.Base(key)
		return name[:strings.IndexByte(name+".", '.')]
	}
	expect := func(crashed tree) tree {
		begun := map[string]bool{}
		for k := range crashed {
			if strings.HasPrefix(k, "state/ingest/started/") {
				begun[batchOf(k)] = true
			}
		}
		want := maps.Clone(f.before[0])
		for k, b := range f.before[1] {
			if _, ok := f.before[0][k]; !ok && begun[batchOf(k)] {
				want[k] = b
			}
		}
		for k, b := range nextDay {
			if _, ok := f.before[0][k]; !ok && !begun[batchOf(k)] {
				want[k] = b
			}
		}
		return want
	}
	rng := rand.New(rand.NewPCG(crashSeed, 0xda7))
	for j := range 8 {
		c := crashTrial{stage: 0, mode: crashMode(j % 4), later: later}
		n := f.ops[0]
		if c.mode == crashTorn {
			n = f.writes[0]
		}
		c.at = 1 + rng.IntN(n)
		t.Run(c.String(), func(t *testing.T) {
			runCrashTrial(t, f, c, dirStore(t), expect)
		})
	}
}

// TestCrashAndReplayS3 runs a few crash points per stage over the S3 store on the test server:
// its writes go through the multipart uploader, whose torn upload must leave no object.
func TestCrashAndReplayS3(t *testing.T) {
	storetest.Need(t, storetest.EnvS3, "the S3-compatible server")
	f := sharedCrashFixture(t)
	// Two points per stage, the modes the uploader is concerned with: S3 calls cost more.
	trials := crashTrials(f, 4, crashAfter, crashSeed+1)
	for _, c := range trials {
		t.Run(c.String(), func(t *testing.T) {
			runCrashTrial(t, f, c, storetest.S3(t, "city"), nil)
		})
	}
}
