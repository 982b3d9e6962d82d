package mail

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/jhillyerd/enmime/v2"

	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/store"
)

// TestSESMoto sends through SES v2 on moto and reads the message back as moto received it.
func TestSESMoto(t *testing.T) {
	t.Parallel()
	endpoint := mailtest.StartMoto(t) // its own: other packages reset the shared one
	e := testEmail(t)
	client := mailtest.MotoSES(t, endpoint, e.From)
	if _, err := client.CreateConfigurationSet(ctxBg, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String("civicpulse-reports")}); err != nil {
		t.Fatalf("create configuration set: %v", err)
	}
	ses := NewSES(client, func(o *SESOptions) { o.ConfigurationSet = "civicpulse-reports" })
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := NewLedger(st)

	for i, want := range []Outcome{Sent, Skipped} {
		got, err := l.Deliver(ctxBg, ses, e, opts)
		if err != nil || got != want {
			t.Fatalf("Deliver %d got %v, %v; want %v", i+1, got, err, want)
		}
	}
	msgs := mailtest.MotoMessages(t, endpoint)
	if len(msgs) != 1 {
		t.Fatalf("moto received %d messages; want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != e.From || strings.Join(m.To, ",") != strings.Join(e.To, ",") {
		t.Errorf("envelope got %s -> %v; want %s -> %v", m.From, m.To, e.From, e.To)
	}
	if !bytes.Equal(m.Raw, e.Raw) {
		t.Errorf("moto received %d bytes that differ from the %d built", len(m.Raw), len(e.Raw))
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
	if err != nil || len(env.Errors) > 0 || len(env.Inlines) != 2 || len(env.Attachments) != 1 {
		t.Errorf("received message: err %v, errors %v, %d inlines, %d attachments; want 2 and 1", err, env.Errors, len(env.Inlines), len(env.Attachments))
	}
	if r := status(t, l, e); r.ProviderID != m.ID {
		t.Errorf("ledger provider id got %q; want moto's %q", r.ProviderID, m.ID)
	}
}

// TestSESRejected: SES refuses a sender whose domain is not verified; that is a rejection,
// which the ledger may retry, not an unknown outcome.
func TestSESRejected(t *testing.T) {
	t.Parallel()
	endpoint := mailtest.StartMoto(t) // its own: other packages reset the shared one
	mailtest.MotoReset(t, endpoint)   // no verified identity
	ses := NewSES(mailtest.SESClient(t, endpoint))
	_, err := ses.Send(ctxBg, "civicpulse@unverified.example.org", []string{"a@example.gov"}, testEmail(t).Raw)
	if !errors.Is(err, ErrRejected) {
		t.Errorf("got %v; want ErrRejected", err)
	}
	if n := len(mailtest.MotoMessages(t, endpoint)); n != 0 {
		t.Errorf("moto received %d messages; want 0", n)
	}
}

// sesFunc is a hand-written SESAPI for what moto cannot do on demand: time out.
type sesFunc func(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f sesFunc) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, optFns...)
}

func TestSESUnknownOutcome(t *testing.T) {
	var retries int
	ses := NewSES(sesFunc(func(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
		var o sesv2.Options
		for _, fn := range optFns {
			fn(&o)
		}
		retries = o.RetryMaxAttempts
		return nil, context.DeadlineExceeded
	}))
	_, err := ses.Send(ctxBg, "a@example.gov", []string{"b@example.gov"}, []byte("x"))
	if err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("timeout got %v; want an error that is not ErrRejected", err)
	}
	if retries != 1 {
		t.Errorf("SendEmail max attempts got %d; want 1 (no SDK retries of a non-idempotent call)", retries)
	}
}
