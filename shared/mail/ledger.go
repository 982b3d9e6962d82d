package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/store"
)

// Statuses of a send attempt in the ledger.
const (
	// StatusSending: the attempt is claimed and its outcome is not known yet. If it stays so,
	// the run crashed or the sender gave an unclear answer: the delivery is in doubt.
	StatusSending = "sending"
	// StatusSent: the sender accepted the message.
	StatusSent = "sent"
	// StatusFailed: the sender certainly did not accept the message (ErrRejected); the next
	// Deliver tries again.
	StatusFailed = "failed"
)

// Record is one send attempt of a quarter's report to one recipient, as the ledger keeps it.
type Record struct {
	Quarter   string   `json:"quarter"`
	Recipient string   `json:"recipient"`
	To        []string `json:"to"`
	MessageID string   `json:"message_id"`
	Subject   string   `json:"subject"`
	Status    string   `json:"status"`
	// Attempt counts the claims for this message: 1 for the first, one more for each retry of a
	// failed attempt or forced resend of one in doubt.
	Attempt   int        `json:"attempt"`
	ClaimedAt time.Time  `json:"claimed_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// ProviderID is the sender's id of the message: the SES MessageId or the outbox key.
	ProviderID string `json:"provider_id,omitempty"`
	// Error is the last send error of the attempt.
	Error string `json:"error,omitempty"`
	// Note says how a record was settled by hand (MarkSent).
	Note string `json:"note,omitempty"`
	// Claim is a random token of the Deliver call that claimed the attempt: when the store's
	// answer to the claim is lost and its retry finds the record there, the token tells
	// whether the record is this call's own claim or another run's.
	Claim string `json:"claim,omitempty"`
}

// LedgerKey is where the ledger keeps the first attempt of a quarter's report to a recipient,
// and the final state once it is sent.
func LedgerKey(quarter, recipient string) string {
	return "state/sent/quarter=" + quarter + "/" + recipient + ".json"
}

// SentKey is the copy of the sent record kept beside the report itself.
func SentKey(quarter, recipient string) string {
	return "reports/quarter=" + quarter + "/" + recipient + "/sent.json"
}

// attemptKey is where attempt n is claimed: the ledger key for the first, and beside it for
// retries, so that each attempt is claimed atomically by PutIfAbsent of its own key.
func attemptKey(quarter, recipient string, n int) string {
	if n <= 1 {
		return LedgerKey(quarter, recipient)
	}
	return attemptPrefix(quarter, recipient) + strconv.Itoa(n) + ".json"
}

func attemptPrefix(quarter, recipient string) string {
	return "state/sent/quarter=" + quarter + "/" + recipient + ".attempt-"
}

// Ledger makes delivery exactly-once per quarter and recipient over a store whose only atomic
// operation is PutIfAbsent: an attempt is claimed before the message is sent, and settled
// after. When the outcome is unknown — a crash between claim and completion, a timeout — the
// ledger does not guess: a duplicate report to a city manager is worse than a late one, so it
// reports the delivery as in doubt (ErrInDoubt) until someone checks and either resends
// (DeliverOptions.Resend) or records it as sent (MarkSent).
type Ledger struct {
	st store.Store
}

// NewLedger returns the send ledger kept in st under state/sent/.
func NewLedger(st store.Store) *Ledger { return &Ledger{st: st} }

// Outcome is what Deliver did.
type Outcome string

// Outcomes of Deliver.
const (
	Sent    Outcome = "sent"    // sent by this call
	Skipped Outcome = "skipped" // sent before; nothing done
)

// DeliverOptions are the settings of one Deliver.
type DeliverOptions struct {
	// Now is the time of the run, recorded in the ledger.
	Now time.Time
	// Resend sends again a message whose last attempt is in doubt and was claimed at least
	// ResendAfter ago. Set it only after checking the mail service's log (the SES message id,
	// or the outbox) shows it was not delivered.
	Resend bool
	// Logger receives one line per decision; nil means slog.Default().
	Logger *slog.Logger
}

// ResendAfter is how old an attempt in doubt must be before Resend replaces it: a younger one
// may still be sending in another run (a Lambda function runs at most 15 minutes). It is what
// keeps two concurrent resends from both sending.
const ResendAfter = 15 * time.Minute

// ErrInDoubt is returned (within an *InDoubtError) when an earlier attempt to send the
// message was claimed but never settled: it may or may not have been delivered.
var ErrInDoubt = errors.New("mail: delivery in doubt")

// InDoubtError is the error for a delivery in doubt; it matches ErrInDoubt.
type InDoubtError struct {
	Record Record        // the unsettled attempt
	Age    time.Duration // since the attempt was claimed
}

func (e *InDoubtError) Error() string {
	r := e.Record
	what := "never completed"
	if e.Age < ResendAfter {
		what = "may still be in progress in another run"
	}
	msg := fmt.Sprintf("report %s to %s: delivery in doubt: attempt %d (Message-ID <%s>) was claimed at %s, %s ago, and %s",
		r.Quarter, r.Recipient, r.Attempt, r.MessageID, r.ClaimedAt.Format(time.RFC3339), e.Age.Round(time.Second), what)
	if r.Error != "" {
		msg += " (last error: " + r.Error + ")"
	}
	return msg + "; check the mail service's log, then resend it or mark it sent"
}

// Is makes errors.Is(err, ErrInDoubt) true.
func (e *InDoubtError) Is(target error) bool { return target == ErrInDoubt }

// maxClaims bounds Deliver's loop; every round means another run settled or claimed an attempt.
const maxClaims = 5

// Deliver sends e exactly once per quarter and recipient, however often and however
// concurrently it is called:
//
//  1. claim the attempt with PutIfAbsent (status "sending") before sending;
//  2. send;
//  3. settle the attempt as "sent" (and write SentKey), or as "failed" when the sender
//     certainly did not accept it (ErrRejected), so that the next Deliver tries again.
//
// If the claim exists already: sent → Skipped; failed → claim the next attempt; sending →
// an *InDoubtError, unless opts.Resend and the attempt is older than ResendAfter.
//
// An error from the sender is returned after the ledger is settled; unless it wraps
// ErrRejected, it also matches ErrInDoubt. Sent with a non-nil error means the message went
// out but the ledger could not record it; the next run will report it in doubt rather than
// send it again.
func (l *Ledger) Deliver(ctx context.Context, s Sender, e *Email, opts DeliverOptions) (Outcome, error) {
	if e == nil || s == nil {
		return "", errors.New("mail: deliver needs an email and a sender")
	}
	if opts.Now.IsZero() {
		return "", errors.New("mail: deliver needs DeliverOptions.Now")
	}
	if err := store.CheckKey(LedgerKey(e.Quarter, e.Recipient)); err != nil || e.Quarter == "" || e.Recipient == "" || strings.Contains(e.Recipient, "/") {
		return "", fmt.Errorf("mail: deliver: bad quarter %q or recipient %q", e.Quarter, e.Recipient)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("quarter", e.Quarter, "recipient", e.Recipient, "message_id", e.MessageID)

	rec := Record{
		Quarter: e.Quarter, Recipient: e.Recipient, To: e.To, MessageID: e.MessageID,
		Subject: e.Subject, Status: StatusSending, Attempt: 1, ClaimedAt: opts.Now.UTC(),
		Claim: rand.Text(),
	}
	resend := opts.Resend
	for range maxClaims {
		key := attemptKey(e.Quarter, e.Recipient, rec.Attempt)
		err := l.put(ctx, key, rec, true)
		if err == nil {
			return l.send(ctx, s, e, rec, key, opts.Now.UTC(), log)
		}
		if !errors.Is(err, store.ErrExists) {
			return "", fmt.Errorf("claim %s: %w", key, err)
		}
		if mine, err := l.get(ctx, key); err == nil && mine.Claim == rec.Claim {
			// The claim was written; only the store's answer was lost, and its retry found it.
			return l.send(ctx, s, e, rec, key, opts.Now.UTC(), log)
		}
		cur, err := l.Status(ctx, e.Quarter, e.Recipient)
		if err != nil {
			return "", err
		}
		switch {
		case cur.Status == StatusSent:
			log.Info("report already sent; skipping", "attempt", cur.Attempt, "sent_at", cur.SentAt, "provider_id", cur.ProviderID)
			return Skipped, nil
		case cur.Status == StatusFailed:
			log.Info("earlier attempt was not accepted; retrying", "attempt", cur.Attempt+1, "last_error", cur.Error)
			rec.Attempt = cur.Attempt + 1
		case resend && opts.Now.Sub(cur.ClaimedAt) >= ResendAfter:
			// Once only: if another run claims the next attempt first, that one is in doubt
			// too, and resending it as well could deliver twice.
			resend = false
			log.Warn("resending a report whose delivery was in doubt", "attempt", cur.Attempt+1, "claimed_at", cur.ClaimedAt)
			rec.Attempt = cur.Attempt + 1
		default:
			err := &InDoubtError{Record: cur, Age: opts.Now.Sub(cur.ClaimedAt)}
			log.Error("report not sent: delivery in doubt", "err", err)
			return "", err
		}
	}
	return "", fmt.Errorf("report %s to %s: gave up after %d contended claims", e.Quarter, e.Recipient, maxClaims)
}

func (l *Ledger) send(ctx context.Context, s Sender, e *Email, rec Record, key string, now time.Time, log *slog.Logger) (Outcome, error) {
	// Settle the ledger even when ctx is cancelled: a sent message recorded as "sending" would
	// need a person to resolve it.
	settle := context.WithoutCancel(ctx)
	if err := ctx.Err(); err != nil {
		rec.Status, rec.Error = StatusFailed, "not sent: "+err.Error()
		return "", errors.Join(fmt.Errorf("report %s to %s: %w", e.Quarter, e.Recipient, err), l.put(settle, key, rec, false))
	}
	id, err := s.Send(ctx, e.From, e.To, e.Raw)
	if err != nil {
		rec.Error = err.Error()
		if errors.Is(err, ErrRejected) {
			rec.Status = StatusFailed
			log.Warn("report not accepted by the mail service; the next run retries", "attempt", rec.Attempt, "err", err)
			err = fmt.Errorf("send report %s to %s: %w", e.Quarter, e.Recipient, err)
		} else {
			log.Error("report send outcome unknown; it will not be retried automatically", "attempt", rec.Attempt, "err", err)
			err = fmt.Errorf("send report %s to %s: %w: %w", e.Quarter, e.Recipient, ErrInDoubt, err)
		}
		return "", errors.Join(err, l.put(settle, key, rec, false))
	}
	rec.Status, rec.SentAt, rec.ProviderID = StatusSent, &now, id
	log.Info("report sent", "attempt", rec.Attempt, "provider_id", id, "to", strings.Join(e.To, ", "))
	if err := l.settleSent(settle, key, rec); err != nil {
		log.Error("report sent but the ledger could not record it; the next run will report it in doubt", "err", err)
		return Sent, err
	}
	return Sent, nil
}

// settleSent records rec as sent at its attempt key, at the ledger key (which readers of the
// layout look at) and beside the report.
func (l *Ledger) settleSent(ctx context.Context, key string, rec Record) error {
	keys := []string{key}
	if main := LedgerKey(rec.Quarter, rec.Recipient); main != key {
		keys = append(keys, main)
	}
	keys = append(keys, SentKey(rec.Quarter, rec.Recipient))
	for _, k := range keys {
		if err := l.put(ctx, k, rec, false); err != nil {
			return fmt.Errorf("record sent report %s to %s: %w", rec.Quarter, rec.Recipient, err)
		}
	}
	return nil
}

// Status returns the state of a quarter's report to a recipient: a sent attempt if there is
// one, otherwise the latest attempt. It returns an error wrapping store.ErrNotFound if no
// attempt was ever claimed.
func (l *Ledger) Status(ctx context.Context, quarter, recipient string) (Record, error) {
	latest, err := l.get(ctx, LedgerKey(quarter, recipient))
	if err != nil {
		return Record{}, err // a retry is only ever claimed after the first
	}
	if latest.Status == StatusSent {
		return latest, nil
	}
	infos, err := l.st.List(ctx, attemptPrefix(quarter, recipient))
	if err != nil {
		return Record{}, fmt.Errorf("list attempts of %s to %s: %w", quarter, recipient, err)
	}
	for _, info := range infos {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(info.Key, attemptPrefix(quarter, recipient)), ".json"))
		if err != nil || n < 2 {
			continue // not an attempt record
		}
		r, err := l.get(ctx, info.Key)
		if err != nil {
			return Record{}, err
		}
		if r.Status == StatusSent {
			return r, nil
		}
		if r.Attempt > latest.Attempt {
			latest = r
		}
	}
	return latest, nil
}

// MarkSent records a delivery in doubt as sent, after someone found in the mail service's log
// that it was delivered; note says so in the record. Marking a sent report again does nothing.
func (l *Ledger) MarkSent(ctx context.Context, quarter, recipient string, now time.Time, note string) error {
	cur, err := l.Status(ctx, quarter, recipient)
	if err != nil {
		return err
	}
	if cur.Status == StatusSent {
		return nil
	}
	now = now.UTC()
	cur.Status, cur.SentAt, cur.Note = StatusSent, &now, note
	return l.settleSent(ctx, attemptKey(quarter, recipient, cur.Attempt), cur)
}

func (l *Ledger) get(ctx context.Context, key string) (Record, error) {
	b, err := store.ReadAll(ctx, l.st, key)
	if err != nil {
		return Record{}, fmt.Errorf("read ledger: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("read ledger %s: %w", key, err)
	}
	return r, nil
}

func (l *Ledger) put(ctx context.Context, key string, r Record, ifAbsent bool) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if ifAbsent {
		return l.st.PutIfAbsent(ctx, key, bytes.NewReader(b))
	}
	return l.st.Put(ctx, key, bytes.NewReader(b))
}
