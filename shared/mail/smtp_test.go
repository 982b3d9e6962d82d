package mail

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/store"
)

func smtpSender(t *testing.T, srv *mailtest.SMTPServer, password string) *SMTP {
	t.Helper()
	s, err := NewSMTP(srv.Host, func(o *SMTPOptions) {
		o.Port = srv.Port
		o.Username, o.Password = srv.Username, password
		o.TLSConfig = srv.ClientTLS
		o.Timeout = 5 * time.Second
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSMTP sends through an SMTP server that requires STARTTLS and AUTH PLAIN, twice through
// the ledger, and reads the one message back as the server received it.
func TestSMTP(t *testing.T) {
	t.Parallel()
	srv := mailtest.StartSMTP(t)
	e := testEmail(t)
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := NewLedger(st)
	s := smtpSender(t, srv, srv.Password)
	for i, want := range []Outcome{Sent, Skipped} {
		got, err := l.Deliver(ctxBg, s, e, opts)
		if err != nil || got != want {
			t.Fatalf("Deliver %d got %v, %v; want %v", i+1, got, err, want)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages; want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != e.From || strings.Join(m.To, ",") != strings.Join(e.To, ",") {
		t.Errorf("envelope got %s -> %v; want %s -> %v", m.From, m.To, e.From, e.To)
	}
	if !bytes.Equal(m.Raw, e.Raw) {
		t.Errorf("server received %d bytes that differ from the %d built", len(m.Raw), len(e.Raw))
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
	if err != nil || len(env.Errors) > 0 || len(env.Inlines) != 2 || len(env.Attachments) != 1 {
		t.Errorf("received message: err %v, errors %v, %d inlines, %d attachments; want 2 and 1", err, env.Errors, len(env.Inlines), len(env.Attachments))
	}
	if r := status(t, l, e); !strings.HasSuffix(r.ProviderID, m.ID) {
		t.Errorf("ledger provider id got %q; want the server's reply naming %q", r.ProviderID, m.ID)
	}
}

// TestSMTPFailures: every failure before the server takes the message is a rejection, which
// the ledger may retry; a connection lost after the end of DATA is an unknown outcome.
func TestSMTPFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		password string
		reply    func(cmd, arg string) string
		rejected bool
	}{
		{"wrong password", "wrong", nil, true},
		{"recipient refused", "", func(cmd, _ string) string {
			if cmd == "RCPT" {
				return "550 5.1.1 no such user"
			}
			return ""
		}, true},
		{"message refused", "", func(cmd, _ string) string {
			if cmd == "." {
				return "554 5.6.0 message refused"
			}
			return ""
		}, true},
		{"busy", "", func(cmd, _ string) string {
			if cmd == "MAIL" {
				return "421 4.3.2 try again later"
			}
			return ""
		}, true},
		{"connection lost after the data", "", func(cmd, _ string) string {
			if cmd == "." {
				return "DROP"
			}
			return ""
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.StartSMTP(t)
			srv.Reply = tt.reply
			pw := tt.password
			if pw == "" {
				pw = srv.Password
			}
			e := testEmail(t)
			_, err := smtpSender(t, srv, pw).Send(ctxBg, e.From, e.To, e.Raw)
			if err == nil {
				t.Fatal("got no error; want one")
			}
			if got := errors.Is(err, ErrRejected); got != tt.rejected {
				t.Errorf("errors.Is(%v, ErrRejected) got %v; want %v", err, got, tt.rejected)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages; want 0", n)
			}
		})
	}
	t.Run("no server", func(t *testing.T) {
		t.Parallel()
		s, err := NewSMTP("127.0.0.1", func(o *SMTPOptions) { o.Port = 1; o.Timeout = 2 * time.Second })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Send(ctxBg, "a@example.gov", []string{"b@example.gov"}, []byte("x\r\n")); !errors.Is(err, ErrRejected) {
			t.Errorf("got %v; want ErrRejected", err)
		}
	})
}

func TestNewSMTPFromEnv(t *testing.T) {
	t.Parallel()
	srv := mailtest.StartSMTP(t)
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	if _, err := NewSMTPFromEnv(env(nil)); !errors.Is(err, ErrNoSMTPHost) {
		t.Errorf("no host: got %v; want ErrNoSMTPHost", err)
	}
	if _, err := NewSMTPFromEnv(env(map[string]string{EnvSMTPHost: "mail.example.gov", EnvSMTPPort: "smtp"})); err == nil {
		t.Error("bad port: got nil error; want one")
	}
	s, err := NewSMTPFromEnv(env(map[string]string{
		EnvSMTPHost: srv.Host, EnvSMTPPort: strconv.Itoa(srv.Port), EnvSMTPUsername: srv.Username, EnvSMTPPassword: srv.Password,
	}), func(o *SMTPOptions) { o.TLSConfig = srv.ClientTLS })
	if err != nil {
		t.Fatal(err)
	}
	e := testEmail(t)
	if _, err := s.Send(ctxBg, e.From, e.To, e.Raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages; want 1", n)
	}
}
