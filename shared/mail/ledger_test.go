package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

var (
	runAt  = time.Date(2026, 10, 2, 11, 0, 0, 0, time.UTC)
	quiet  = slog.New(slog.NewTextHandler(io.Discard, nil))
	ctxBg  = context.Background()
	opts   = DeliverOptions{Now: runAt, Logger: quiet}
	resend = DeliverOptions{Now: runAt.Add(2 * time.Hour), Logger: quiet, Resend: true}
)

// stores runs a test against every store the ledger must work on: a local directory, and the
// S3-compatible test server when it is configured.
func stores(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Run("dir", func(t *testing.T) {
		st, err := store.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		test(t, st)
	})
	t.Run("s3", func(t *testing.T) {
		test(t, storetest.S3(t, "ledger/"))
	})
}

func testEmail(t testing.TB) *Email {
	t.Helper()
	e, err := Build(fixtureMessage(t, "public-works"), testDate)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func status(t *testing.T, l *Ledger, e *Email) Record {
	t.Helper()
	r, err := l.Status(ctxBg, e.Quarter, e.Recipient)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return r
}

func TestDeliverOnce(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		l, e, s := NewLedger(st), testEmail(t), &mailtest.Sender{}
		got, err := l.Deliver(ctxBg, s, e, opts)
		if err != nil || got != Sent {
			t.Fatalf("first Deliver got %v, %v; want sent", got, err)
		}
		got, err = l.Deliver(ctxBg, s, e, opts)
		if err != nil || got != Skipped {
			t.Fatalf("second Deliver got %v, %v; want skipped", got, err)
		}
		if n := len(s.Sent()); n != 1 {
			t.Errorf("sender got %d messages; want 1", n)
		}
		sent := s.Sent()[0]
		if sent.From != "civicpulse@springfield.example.gov" || strings.Join(sent.To, ",") != "public.works@springfield.example.gov" {
			t.Errorf("envelope got %s -> %v", sent.From, sent.To)
		}
		r := status(t, l, e)
		if r.Status != StatusSent || r.Attempt != 1 || r.ProviderID != "fake-1" || r.MessageID != e.MessageID || r.SentAt == nil {
			t.Errorf("ledger record got %+v; want sent, attempt 1, provider fake-1", r)
		}
		// Beside the report, the same record.
		b, err := store.ReadAll(ctxBg, st, "reports/quarter=2027-Q1/public-works/sent.json")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"status": "sent"`) {
			t.Errorf("sent.json got %s; want status sent", b)
		}
		if ok, _ := store.Exists(ctxBg, st, "state/sent/quarter=2027-Q1/public-works.json"); !ok {
			t.Error("no ledger record at state/sent/quarter=2027-Q1/public-works.json")
		}
	})
}

func TestDeliverConcurrent(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := testEmail(t)
		s := &mailtest.Sender{SendFunc: func(ctx context.Context, from string, to []string, raw []byte) (string, error) {
			time.Sleep(20 * time.Millisecond) // a send takes a while; the others arrive meanwhile
			return "", nil
		}}
		const runs = 12
		var wg sync.WaitGroup
		outcomes := make([]Outcome, runs)
		errs := make([]error, runs)
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each run has its own Ledger, as separate Lambda invocations would.
				outcomes[i], errs[i] = NewLedger(st).Deliver(ctxBg, s, e, opts)
			}()
		}
		wg.Wait()
		if n := len(s.Sent()); n != 1 {
			t.Fatalf("sender got %d messages; want 1", n)
		}
		sent := 0
		for i := range runs {
			switch {
			case errs[i] == nil && outcomes[i] == Sent:
				sent++
			case errs[i] == nil && outcomes[i] == Skipped:
			case errors.Is(errs[i], ErrInDoubt): // still sending in the other run
			default:
				t.Errorf("run %d got %v, %v; want sent, skipped or in doubt", i, outcomes[i], errs[i])
			}
		}
		if sent != 1 {
			t.Errorf("%d runs report sent; want 1", sent)
		}
		// Once the dust settles, every run skips.
		if got, err := NewLedger(st).Deliver(ctxBg, s, e, opts); got != Skipped || err != nil {
			t.Errorf("Deliver after the race got %v, %v; want skipped", got, err)
		}
	})
}

// TestCrashBetweenClaimAndSend: a run claimed the send and died. The next run does not send;
// it reports the delivery in doubt until someone resends or marks it sent.
func TestCrashBetweenClaimAndSend(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := testEmail(t)
		crash(t, st, e)

		l, s := NewLedger(st), &mailtest.Sender{}
		got, err := l.Deliver(ctxBg, s, e, DeliverOptions{Now: runAt.Add(time.Hour), Logger: quiet})
		var doubt *InDoubtError
		if !errors.As(err, &doubt) || !errors.Is(err, ErrInDoubt) || got != "" {
			t.Fatalf("Deliver after a crash got %v, %v; want an *InDoubtError", got, err)
		}
		if doubt.Record.Attempt != 1 || doubt.Age != time.Hour {
			t.Errorf("in doubt: attempt %d, age %v; want attempt 1, 1h", doubt.Record.Attempt, doubt.Age)
		}
		for _, want := range []string{"2027-Q1", "public-works", e.MessageID, "never completed", "resend"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if n := len(s.Sent()); n != 0 {
			t.Fatalf("sender got %d messages; want none without Resend", n)
		}

		// The operator checked SES: not delivered. Resend, once.
		got, err = l.Deliver(ctxBg, s, e, resend)
		if err != nil || got != Sent {
			t.Fatalf("Deliver with Resend got %v, %v; want sent", got, err)
		}
		if r := status(t, l, e); r.Status != StatusSent || r.Attempt != 2 {
			t.Errorf("ledger got %s attempt %d; want sent attempt 2", r.Status, r.Attempt)
		}
		// The ledger key itself now says sent, and Resend does not send a sent message again.
		if got, err := l.Deliver(ctxBg, s, e, resend); got != Skipped || err != nil {
			t.Errorf("Deliver with Resend after sending got %v, %v; want skipped", got, err)
		}
		if n := len(s.Sent()); n != 1 {
			t.Errorf("sender got %d messages; want 1", n)
		}
		main, err := l.get(ctxBg, LedgerKey(e.Quarter, e.Recipient))
		if err != nil || main.Status != StatusSent {
			t.Errorf("ledger key got %+v, %v; want status sent", main, err)
		}
	})
}

// crash leaves the ledger as a run that died after its claim leaves it.
func crash(t *testing.T, st store.Store, e *Email) {
	t.Helper()
	l := NewLedger(st)
	rec := Record{Quarter: e.Quarter, Recipient: e.Recipient, To: e.To, MessageID: e.MessageID, Status: StatusSending, Attempt: 1, ClaimedAt: runAt}
	if err := l.put(ctxBg, LedgerKey(e.Quarter, e.Recipient), rec, true); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentResendSendsOnce(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := testEmail(t)
		crash(t, st, e)
		s := &mailtest.Sender{SendFunc: func(context.Context, string, []string, []byte) (string, error) {
			time.Sleep(20 * time.Millisecond)
			return "", nil
		}}
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				NewLedger(st).Deliver(ctxBg, s, e, resend)
			}()
		}
		wg.Wait()
		if n := len(s.Sent()); n != 1 {
			t.Errorf("sender got %d messages from concurrent resends; want 1", n)
		}
	})
}

func TestMarkSent(t *testing.T) {
	stores(t, func(t *testing.T, st store.Store) {
		e := testEmail(t)
		crash(t, st, e)
		l, s := NewLedger(st), &mailtest.Sender{}
		if err := l.MarkSent(ctxBg, e.Quarter, e.Recipient, runAt.Add(time.Hour), "found in SES event log"); err != nil {
			t.Fatal(err)
		}
		if got, err := l.Deliver(ctxBg, s, e, opts); got != Skipped || err != nil {
			t.Errorf("Deliver after MarkSent got %v, %v; want skipped", got, err)
		}
		if r := status(t, l, e); r.Status != StatusSent || r.Note != "found in SES event log" {
			t.Errorf("record got %+v; want sent with the note", r)
		}
		if ok, _ := store.Exists(ctxBg, st, SentKey(e.Quarter, e.Recipient)); !ok {
			t.Error("MarkSent wrote no sent.json")
		}
		if n := len(s.Sent()); n != 0 {
			t.Errorf("sender got %d messages; want none", n)
		}
		if err := l.MarkSent(ctxBg, "2027-Q1", "nobody", runAt, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MarkSent of an unknown recipient got %v; want ErrNotFound", err)
		}
	})
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus string
		// retried: the next plain Deliver sends (the first attempt certainly failed).
		retried bool
	}{
		{"rejected", fmt.Errorf("ses: %w: MessageRejected", ErrRejected), StatusFailed, true},
		{"unknown outcome", errors.New("read tcp: connection reset by peer"), StatusSending, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			l, e := NewLedger(st), testEmail(t)
			failing := &mailtest.Sender{SendFunc: func(context.Context, string, []string, []byte) (string, error) { return "", tt.err }}
			if _, err := l.Deliver(ctxBg, failing, e, opts); !errors.Is(err, tt.err) {
				t.Fatalf("Deliver got %v; want %v", err, tt.err)
			}
			r := status(t, l, e)
			if r.Status != tt.wantStatus || r.Error == "" {
				t.Errorf("ledger got status %s error %q; want %s with the error", r.Status, r.Error, tt.wantStatus)
			}
			ok := &mailtest.Sender{}
			got, err := l.Deliver(ctxBg, ok, e, opts)
			if tt.retried {
				if got != Sent || err != nil {
					t.Errorf("retry got %v, %v; want sent", got, err)
				}
				if r := status(t, l, e); r.Attempt != 2 {
					t.Errorf("retry attempt got %d; want 2", r.Attempt)
				}
			} else if !errors.Is(err, ErrInDoubt) {
				t.Errorf("retry got %v, %v; want ErrInDoubt", got, err)
			}
		})
	}
}

func TestDeliverCancelled(t *testing.T) {
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l, e, s := NewLedger(st), testEmail(t), &mailtest.Sender{}
	ctx, cancel := context.WithCancel(ctxBg)
	cancel()
	if _, err := l.Deliver(ctx, s, e, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want context.Canceled", err)
	}
	// Nothing went out, so the next run sends.
	if got, err := l.Deliver(ctxBg, s, e, opts); got != Sent || err != nil {
		t.Errorf("next Deliver got %v, %v; want sent", got, err)
	}
}

func TestDeliverNeedsNow(t *testing.T) {
	st, _ := store.NewDir(t.TempDir())
	if _, err := NewLedger(st).Deliver(ctxBg, &mailtest.Sender{}, testEmail(t), DeliverOptions{}); err == nil {
		t.Error("Deliver without Now got nil error; want one")
	}
}

var _ Sender = (*mailtest.Sender)(nil)
