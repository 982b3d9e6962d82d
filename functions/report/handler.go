package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event names the quarter and whether to only preview: {"quarter":"2027-Q1","preview":false}.
// An empty quarter is the quarter that ended last.
type Event struct {
	Quarter string `json:"quarter"`
	Preview bool   `json:"preview"`
}

// Handler renders and sends a quarter's report, once per recipient.
type Handler struct {
	Store     store.Store
	ConfigKey string
	Sender    mail.Sender
	Now       func() time.Time
	Logger    *slog.Logger
}

// Handle reports one quarter. A delivery in doubt fails the invocation, so the state machine's
// alarm calls a person; it is never resent automatically.
func (h *Handler) Handle(ctx context.Context, ev Event) (pipeline.ReportSummary, error) {
	city, err := pipeline.LoadCity(ctx, h.Store, h.ConfigKey)
	if err != nil {
		return pipeline.ReportSummary{}, err
	}
	q := pipeline.PreviousQuarter(city, h.Now())
	if ev.Quarter != "" {
		if q, err = kpi.ParseQuarter(ev.Quarter); err != nil {
			return pipeline.ReportSummary{}, fmt.Errorf("event: %w", err)
		}
	}
	return pipeline.Report(ctx, h.Store, city, q.String(), h.Sender, pipeline.ReportOptions{
		Preview: ev.Preview, Now: h.Now(), Logger: h.Logger})
}
