package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/report"
	"github.com/civicpulse/civicpulse/shared/store"
)

// ReportOptions configure one report run.
type ReportOptions struct {
	// Preview writes every recipient's message under reports/ and sends nothing: no sender
	// is needed and the send ledger is not touched.
	Preview bool
	// Now is the time of the run, recorded in the send ledger.
	Now time.Time
	// Resend names recipients (by key) whose delivery is in doubt — a run died between
	// claiming and completing the send — and who are to be sent the report again. Use it only
	// after the mail service's log shows the message was not delivered; otherwise record it as
	// delivered with mail.Ledger.MarkSent.
	Resend []string
	Logger *slog.Logger
}

// DeliveryStatus is what a report run did for one recipient.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliverySent      DeliveryStatus = "sent"      // sent by this run
	DeliverySkipped   DeliveryStatus = "skipped"   // sent before; nothing written or sent
	DeliveryPreviewed DeliveryStatus = "previewed" // written, not sent (Preview)
	DeliveryInDoubt   DeliveryStatus = "in_doubt"  // an earlier attempt never completed; needs a person
	DeliveryFailed    DeliveryStatus = "failed"    // not sent; see Error
)

// RecipientReport is one recipient's line of a ReportSummary.
type RecipientReport struct {
	Key       string         `json:"key"`
	Email     string         `json:"email"`
	Subject   string         `json:"subject"`
	Status    DeliveryStatus `json:"status"`
	MessageID string         `json:"message_id,omitempty"`
	Error     string         `json:"error,omitempty"`
}

// ReportSummary says what a report run did, recipient by recipient in config order.
type ReportSummary struct {
	Quarter    string            `json:"quarter"`
	Recipients []RecipientReport `json:"recipients"`
}

// ReportKey is the key of one of a recipient's report files: report.html, report.txt,
// kpis.csv, message.eml (and sent.json, written by the send ledger).
func ReportKey(quarter, recipient, name string) string {
	return "reports/quarter=" + quarter + "/" + recipient + "/" + name
}

// Report renders a quarter's report for every recipient of the city from the quarter's KPI
// document and delivers it exactly once per recipient (see mail.Ledger). For each recipient it
// writes reports/quarter=Q/<key>/report.html, report.txt, kpis.csv and message.eml, then
// sends message.eml through sender, unless opts.Preview.
//
// A recipient whose report was sent already is skipped without rewriting its files, which
// stay a record of what was sent. The message's bytes depend only on the KPI document (its
// Date header is when the KPIs were computed), so a re-run rewrites identical files.
//
// A failure for one recipient does not stop the others: the summary says what happened to
// each, and the error joins the failures (errors.Is(err, mail.ErrInDoubt) for deliveries in
// doubt).
func Report(ctx context.Context, st store.Store, city *config.City, quarter string, sender mail.Sender, opts ReportOptions) (ReportSummary, error) {
	log := logger(opts.Logger)
	sum := ReportSummary{Quarter: quarter}
	q, err := kpi.ParseQuarter(quarter)
	if err != nil {
		return sum, fmt.Errorf("report: %w", err)
	}
	if opts.Now.IsZero() {
		return sum, errors.New("report: ReportOptions.Now is required")
	}
	if sender == nil && !opts.Preview {
		return sum, errors.New("report: no mail sender (use Preview to write messages without one)")
	}
	_, docKey := KPIKeys(q)
	doc, err := readDocument(ctx, st, docKey)
	if err != nil {
		return sum, fmt.Errorf("report %s: read KPIs (run the kpi stage first): %w", quarter, err)
	}
	if doc.Quarter != q.String() {
		return sum, fmt.Errorf("report %s: %s holds quarter %q", quarter, docKey, doc.Quarter)
	}
	// The Date header is when the figures were computed, not when this run happens, so that
	// message.eml is the same bytes on every run over the same figures.
	date := doc.ComputedAt
	if date.IsZero() {
		date = opts.Now
	}
	date = date.In(city.Location()).Truncate(time.Second)

	ledger := mail.NewLedger(st)
	var errs []error
	for _, to := range city.Recipients {
		r := RecipientReport{Key: to.Key, Email: to.Email}
		status, err := reportOne(ctx, st, ledger, city, doc, to, sender, date, opts, &r, log)
		r.Status = status
		if err != nil {
			r.Error = err.Error()
			errs = append(errs, fmt.Errorf("report %s to %s: %w", q, to.Key, err))
		}
		sum.Recipients = append(sum.Recipients, r)
	}
	log.Info("report done", "quarter", q.String(), "recipients", len(sum.Recipients), "failed", len(errs), "preview", opts.Preview)
	return sum, errors.Join(errs...)
}

func reportOne(ctx context.Context, st store.Store, ledger *mail.Ledger, city *config.City, doc *kpi.Document,
	to config.Recipient, sender mail.Sender, date time.Time, opts ReportOptions, r *RecipientReport, base *slog.Logger) (DeliveryStatus, error) {
	log := base.With("quarter", doc.Quarter, "recipient", to.Key)
	// Keep the files of a sent report as they were sent, even if the figures changed since.
	switch rec, err := ledger.Status(ctx, doc.Quarter, to.Key); {
	case err == nil && rec.Status == mail.StatusSent:
		r.Subject, r.MessageID = rec.Subject, rec.MessageID
		if err := restoreSentRecords(ctx, st, rec); err != nil {
			return DeliveryFailed, err
		}
		log.Info("report already sent; skipping", "message_id", rec.MessageID, "sent_at", rec.SentAt)
		return DeliverySkipped, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return DeliveryFailed, err
	}

	rep, err := report.New(doc, city, to)
	if err != nil {
		return DeliveryFailed, err
	}
	msg, err := rep.Message()
	if err != nil {
		return DeliveryFailed, err
	}
	email, err := mail.Build(msg, date)
	if err != nil {
		return DeliveryFailed, err
	}
	r.Subject, r.MessageID = email.Subject, email.MessageID
	var csv []byte
	if len(msg.Attachments) > 0 {
		csv = msg.Attachments[0].Data
	}
	files := []struct {
		name string
		data []byte
	}{
		{"report.html", msg.HTML},
		{"report.txt", msg.Text},
		{"kpis.csv", csv},
		{"message.eml", email.Raw},
	}
	for _, f := range files {
		key := ReportKey(doc.Quarter, to.Key, f.name)
		if err := st.Put(ctx, key, bytes.NewReader(f.data)); err != nil {
			return DeliveryFailed, fmt.Errorf("write %s: %w", key, err)
		}
	}
	if opts.Preview {
		log.Info("report written (preview; not sent)", "message_id", email.MessageID, "key", ReportKey(doc.Quarter, to.Key, "message.eml"))
		return DeliveryPreviewed, nil
	}

	outcome, err := ledger.Deliver(ctx, sender, email, mail.DeliverOptions{
		Now:    opts.Now,
		Resend: slices.Contains(opts.Resend, to.Key),
		Logger: base, // Deliver names the quarter and recipient itself
	})
	switch {
	case outcome == mail.Sent:
		return DeliverySent, err // err: sent, but the ledger could not record it
	case outcome == mail.Skipped:
		return DeliverySkipped, nil
	case errors.Is(err, mail.ErrInDoubt):
		return DeliveryInDoubt, err
	default:
		return DeliveryFailed, err
	}
}

// restoreSentRecords rewrites the ledger key and the copy beside the report from a sent
// record when either is missing or not "sent": a run that died while the ledger settled a
// retried attempt, or between its writes, left them so, and a skipped recipient is never
// settled again. The bytes are those the ledger writes.
func restoreSentRecords(ctx context.Context, st store.Store, rec mail.Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode sent record: %w", err)
	}
	b = append(b, '\n')
	for _, key := range []string{mail.LedgerKey(rec.Quarter, rec.Recipient), mail.SentKey(rec.Quarter, rec.Recipient)} {
		old, err := store.ReadAll(ctx, st, key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("read %s: %w", key, err)
		}
		var cur mail.Record
		if err == nil && json.Unmarshal(old, &cur) == nil && cur.Status == mail.StatusSent {
			continue
		}
		if err := st.Put(ctx, key, bytes.NewReader(b)); err != nil {
			return fmt.Errorf("restore sent record %s: %w", key, err)
		}
	}
	return nil
}
