package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// reportFlags choose how the report is delivered.
type reportFlags struct {
	preview  bool
	sender   string
	resend   monthsFlag
	markSent monthsFlag
}

func (r *reportFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.preview, "preview", false, "write the messages under reports/ and send nothing")
	fs.StringVar(&r.sender, "sender", "outbox", "outbox (messages as .eml files under outbox/ in the store), ses (Amazon SES v2, from the AWS environment) or smtp (STARTTLS and AUTH PLAIN; CIVICPULSE_SMTP_HOST, _PORT, _USERNAME, _PASSWORD)")
	fs.Var(&r.resend, "resend", "recipient key whose delivery is in doubt, to send again (repeatable; only after the mail log shows it was not delivered)")
	fs.Var(&r.markSent, "mark-sent", "recipient key whose delivery is in doubt, to record as delivered (repeatable)")
}

func (r *reportFlags) newSender(ctx context.Context, st store.Store) (mail.Sender, error) {
	switch r.sender {
	case "outbox":
		return mail.NewOutbox(st, "outbox"), nil
	case "ses":
		return mail.NewSESFromEnv(ctx, os.Getenv("CIVICPULSE_SES_CONFIGURATION_SET"))
	case "smtp":
		return mail.NewSMTPFromEnv(os.Getenv)
	}
	return nil, fmt.Errorf("--sender %q: want outbox, ses or smtp", r.sender)
}

func runReport(ctx context.Context, e *env, args []string) error {
	var c common
	var quarter string
	var rf reportFlags
	fs := newFlagSet(e, "report [--store S] [--quarter YYYY-Qn] [--preview] [--sender outbox|ses|smtp]", "report")
	c.register(fs)
	rf.register(fs)
	fs.StringVar(&quarter, "quarter", "", "fiscal quarter, such as 2027-Q1 (default: the quarter that ended last)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, city, err := c.open(ctx)
	if err != nil {
		return err
	}
	q, err := quarterFlag(quarter, city)
	if err != nil {
		return err
	}
	log := e.logger(c.level())
	for _, key := range rf.markSent {
		if err := mail.NewLedger(st).MarkSent(ctx, q.String(), key, now(), "marked sent with civicpulse report --mark-sent"); err != nil {
			return err
		}
		log.Info("recorded as delivered", "quarter", q.String(), "recipient", key)
	}
	sum, err := report(ctx, e, st, city, q, rf, log)
	for _, r := range sum.Recipients {
		line := fmt.Sprintf("%-14s %-9s %s", r.Key, r.Status, r.Subject)
		if r.Error != "" {
			line += "\n    " + strings.ReplaceAll(r.Error, "\n", "\n    ")
		}
		fmt.Fprintln(e.stdout, line)
	}
	return err
}

func report(ctx context.Context, e *env, st store.Store, city *config.City, q kpi.Quarter, rf reportFlags, log *slog.Logger) (pipeline.ReportSummary, error) {
	var sender mail.Sender
	if !rf.preview {
		var err error
		if sender, err = rf.newSender(ctx, st); err != nil {
			return pipeline.ReportSummary{}, err
		}
	}
	return pipeline.Report(ctx, st, city, q.String(), sender, pipeline.ReportOptions{
		Preview: rf.preview, Now: now(), Resend: rf.resend, Logger: log})
}
