package main

import (
	"context"
	"errors"
	"testing"

	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/store"
)

func TestReportSender(t *testing.T) {
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(mail.EnvSMTPHost, "")
	rf := reportFlags{sender: "smtp"}
	if _, err := rf.newSender(context.Background(), st); !errors.Is(err, mail.ErrNoSMTPHost) {
		t.Errorf("--sender smtp without %s: got %v; want ErrNoSMTPHost", mail.EnvSMTPHost, err)
	}
	t.Setenv(mail.EnvSMTPHost, "email-smtp.us-east-1.amazonaws.com")
	t.Setenv(mail.EnvSMTPPort, "587")
	s, err := rf.newSender(context.Background(), st)
	if _, ok := s.(*mail.SMTP); err != nil || !ok {
		t.Errorf("--sender smtp: got %T, %v; want *mail.SMTP", s, err)
	}
	rf.sender = "carrier-pigeon"
	if _, err := rf.newSender(context.Background(), st); err == nil {
		t.Error("--sender carrier-pigeon: got nil error; want one")
	}
}
