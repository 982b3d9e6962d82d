package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Preview writes and sends nothing; the first real run sends one message per recipient to the
// outbox; a retry of the same event sends nothing more.
func TestHandlePreviewSendRetry(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := sample.Install(ctx, st, sample.DefaultSeed, nil); err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Date(2026, 10, 3, 6, 0, 0, 0, time.UTC)
	if _, err := pipeline.Ingest(ctx, st, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	sc, err := pipeline.NewScorer(ctx, st, city)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Score(ctx, st, sc, pipeline.ScoreOptions{Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.KPI(ctx, st, city, kpi.Quarter{FY: 2027, Q: 1}, pipeline.KPIOptions{Now: now, Logger: quiet}); err != nil {
		t.Fatal(err)
	}

	h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Sender: mail.NewOutbox(st, "outbox"),
		Now: func() time.Time { return now }, Logger: quiet}
	outbox := func() int {
		infos, err := st.List(ctx, "outbox/")
		if err != nil {
			t.Fatal(err)
		}
		return len(infos)
	}
	for _, step := range []struct {
		name   string
		ev     Event
		status pipeline.DeliveryStatus
		sent   int
	}{
		{"preview", Event{Quarter: "2027-Q1", Preview: true}, pipeline.DeliveryPreviewed, 0},
		{"send", Event{}, pipeline.DeliverySent, len(city.Recipients)}, // {} is the quarter that ended: 2027-Q1
		{"retry", Event{Quarter: "2027-Q1"}, pipeline.DeliverySkipped, len(city.Recipients)},
	} {
		sum, err := h.Handle(ctx, step.ev)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if sum.Quarter != "2027-Q1" || len(sum.Recipients) != len(city.Recipients) {
			t.Fatalf("%s: summary %+v", step.name, sum)
		}
		for _, r := range sum.Recipients {
			if r.Status != step.status {
				t.Errorf("%s: %s is %s; want %s", step.name, r.Key, r.Status, step.status)
			}
		}
		if got := outbox(); got != step.sent {
			t.Errorf("%s: %d messages in the outbox; want %d", step.name, got, step.sent)
		}
	}
	if _, err := h.Handle(ctx, Event{Quarter: "2027-Q7"}); err == nil {
		t.Error("a bad quarter was accepted")
	}
}
