package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

// SMTPOptions are the optional settings of an SMTP sender.
type SMTPOptions struct {
	// Port is the submission port; 0 means 587.
	Port int
	// Username and Password authenticate with AUTH PLAIN, over TLS only; an empty Username
	// sends without authenticating.
	Username, Password string
	// TLSConfig verifies the server's certificate; nil verifies it against the system's roots
	// for the host name.
	TLSConfig *tls.Config
	// Timeout bounds each connection; 0 means 30 seconds.
	Timeout time.Duration
}

// SMTP is a Sender that submits raw messages to a mail server, such as the SES SMTP
// interface, with STARTTLS required. It writes the MIME built here byte for byte.
type SMTP struct {
	client *gomail.Client
}

// NewSMTP returns a sender to the SMTP server at host.
func NewSMTP(host string, optFns ...func(*SMTPOptions)) (*SMTP, error) {
	o := SMTPOptions{Port: 587, Timeout: 30 * time.Second}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Port == 0 {
		o.Port = 587
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	tc := o.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{
		gomail.WithPort(o.Port),
		gomail.WithTimeout(o.Timeout),
		gomail.WithTLSPolicy(gomail.TLSMandatory),
		gomail.WithTLSConfig(tc),
	}
	if o.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(o.Username), gomail.WithPassword(o.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", host, err)
	}
	return &SMTP{client: c}, nil
}

// Send submits raw over one connection (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT) and
// returns the server's reply to the end of DATA ("2.0.0 Ok: queued as 4B2F1"), which usually
// names the queue id. Every failure before the end of DATA, and a refusal of it, wraps
// ErrRejected: the server did not take the message. Only a connection lost while waiting for
// the reply to the end of DATA leaves the outcome unknown.
func (s *SMTP) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return "", fmt.Errorf("smtp connect: %w: %w", ErrRejected, err)
	}
	defer s.client.CloseWithSMTPClient(c) // a failed QUIT does not undo a delivery
	if err := c.Mail(from); err != nil {
		return "", fmt.Errorf("smtp MAIL FROM %s: %w: %w", from, ErrRejected, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return "", fmt.Errorf("smtp RCPT TO %s: %w: %w", rcpt, ErrRejected, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", fmt.Errorf("smtp DATA: %w: %w", ErrRejected, err)
	}
	if _, err := w.Write(raw); err != nil {
		// The terminating dot was never written, so the server cannot have queued the message.
		return "", fmt.Errorf("smtp DATA: %w: %w", ErrRejected, err)
	}
	if err := w.Close(); err != nil {
		var reply *textproto.Error
		if errors.As(err, &reply) {
			return "", fmt.Errorf("smtp end of DATA: %w: %w", ErrRejected, err)
		}
		return "", fmt.Errorf("smtp end of DATA: %w", err)
	}
	var id string
	if dc, ok := w.(*gosmtp.DataCloser); ok {
		id = strings.TrimSpace(dc.ServerResponse())
	}
	return id, nil
}

// SMTP settings read by NewSMTPFromEnv.
const (
	EnvSMTPHost     = "CIVICPULSE_SMTP_HOST"
	EnvSMTPPort     = "CIVICPULSE_SMTP_PORT"
	EnvSMTPUsername = "CIVICPULSE_SMTP_USERNAME"
	EnvSMTPPassword = "CIVICPULSE_SMTP_PASSWORD"
)

// ErrNoSMTPHost is returned by NewSMTPFromEnv when CIVICPULSE_SMTP_HOST is not set.
var ErrNoSMTPHost = errors.New("mail: " + EnvSMTPHost + " is not set")

// NewSMTPFromEnv returns an SMTP sender configured by getenv (os.Getenv): the host, port
// (default 587), username and password under the CIVICPULSE_SMTP_ names.
func NewSMTPFromEnv(getenv func(string) string, optFns ...func(*SMTPOptions)) (*SMTP, error) {
	host := strings.TrimSpace(getenv(EnvSMTPHost))
	if host == "" {
		return nil, ErrNoSMTPHost
	}
	o := SMTPOptions{Username: getenv(EnvSMTPUsername), Password: getenv(EnvSMTPPassword)}
	if p := strings.TrimSpace(getenv(EnvSMTPPort)); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("mail: %s=%q: want a port number", EnvSMTPPort, p)
		}
		o.Port = port
	}
	return NewSMTP(host, append([]func(*SMTPOptions){func(opts *SMTPOptions) { *opts = o }}, optFns...)...)
}
