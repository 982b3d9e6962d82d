package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Event names the quarter: {"quarter":"2027-Q1"}, or {} for the quarter that ended last.
type Event struct {
	Quarter string `json:"quarter"`
}

// Output is passed on to the report step of the quarterly state machine.
type Output struct {
	Quarter  string `json:"quarter"`
	KPIs     int    `json:"kpis"`
	OnTarget int    `json:"on_target"`
}

// Handler computes a quarter's KPIs.
type Handler struct {
	Store     store.Store
	ConfigKey string
	Now       func() time.Time
	Logger    *slog.Logger
}

// Handle computes one quarter.
func (h *Handler) Handle(ctx context.Context, ev Event) (Output, error) {
	city, err := pipeline.LoadCity(ctx, h.Store, h.ConfigKey)
	if err != nil {
		return Output{}, err
	}
	q := pipeline.PreviousQuarter(city, h.Now())
	if ev.Quarter != "" {
		if q, err = kpi.ParseQuarter(ev.Quarter); err != nil {
			return Output{}, fmt.Errorf("event: %w", err)
		}
	}
	doc, err := pipeline.KPI(ctx, h.Store, city, q, pipeline.KPIOptions{Now: h.Now(), Logger: h.Logger})
	if err != nil {
		return Output{}, err
	}
	out := Output{Quarter: doc.Quarter, KPIs: len(doc.KPIs)}
	for _, k := range doc.KPIs {
		if k.Status == kpi.StatusMet {
			out.OnTarget++
		}
	}
	return out, nil
}
