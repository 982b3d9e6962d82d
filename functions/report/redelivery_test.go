package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// countingSender counts the messages its Sender accepted, by recipient address.
type countingSender struct {
	mail.Sender
	mu   sync.Mutex
	sent map[string]int
}

func (s *countingSender) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	id, err := s.Sender.Send(ctx, from, to, raw)
	if err == nil {
		s.mu.Lock()
		s.sent[strings.Join(to, ",")]++
		s.mu.Unlock()
	}
	return id, err
}

// The state machine retries and a person may start it again: the report event twice, the
// preview after the real run, or both twice, leave the same files and send each recipient
// exactly one message. Only the send ledger's claim token, drawn at random by each send, may
// differ.
func TestRedeliveryChangesNothing(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keep := func(k string) bool {
		return strings.HasSuffix(k, "FY2027-Q1.csv") || strings.HasSuffix(k, "search-2026-09-01-p001.json")
	}
	if err := sample.Install(ctx, base, sample.DefaultSeed, keep); err != nil {
		t.Fatal(err)
	}
	city, err := pipeline.LoadCity(ctx, base, pipeline.ConfigKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 10, 3, 6, 0, 0, 0, time.UTC)
	if _, err := pipeline.Ingest(ctx, base, city, pipeline.IngestOptions{Now: now, AuthorKey: []byte("k"), Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	sc, err := pipeline.NewScorer(ctx, base, city)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Score(ctx, base, sc, pipeline.ScoreOptions{Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.KPI(ctx, base, city, kpi.Quarter{FY: 2027, Q: 1}, pipeline.KPIOptions{Now: now, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	computed := storetest.ReadTree(t, base)
	event := func(name string) Event {
		b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return ev
	}
	preview, send := event("report-preview.json"), event("report-quarter.json")
	if !preview.Preview || send.Preview || preview.Quarter != "2027-Q1" || send.Quarter != "2027-Q1" {
		t.Fatalf("events %+v and %+v; want a preview and a real run of 2027-Q1", preview, send)
	}

	deliver := func(t *testing.T, evs ...Event) map[string][]byte {
		st := storetest.NewDirFrom(t, computed)
		sender := &countingSender{Sender: mail.NewOutbox(st, "outbox"), sent: map[string]int{}}
		for i, ev := range evs {
			// Each delivery a minute after the one before, as a retry comes.
			later := now.Add(time.Duration(i) * time.Minute)
			h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, Sender: sender, Now: func() time.Time { return later }, Logger: quiet}
			if _, err := h.Handle(ctx, ev); err != nil {
				t.Fatalf("event %d (%+v): %v", i, ev, err)
			}
		}
		for _, r := range city.Recipients {
			if n := sender.sent[r.Email]; n != 1 {
				t.Errorf("%s was sent %d messages; want exactly 1", r.Email, n)
			}
		}
		return storetest.ReadTree(t, st)
	}
	want := deliver(t, preview, send)
	for _, tc := range []struct {
		name string
		evs  []Event
	}{
		{"each twice", []Event{preview, preview, send, send}},
		{"reversed", []Event{send, preview}},
		{"reversed twice", []Event{send, preview, send, preview}},
		{"sent only, twice", []Event{send, send}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := deliver(t, tc.evs...)
			for k, w := range want {
				b, ok := got[k]
				if !ok || !(strings.HasPrefix(k, "state/sent/") || strings.HasSuffix(k, "/sent.json")) {
					continue // CompareTree below
				}
				// A ledger record is the same but for the random claim token, and the times:
				// those of the first real run in each order, which sent the message.
				var x, y mail.Record
				if err := errors.Join(json.Unmarshal(b, &x), json.Unmarshal(w, &y)); err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				first := slices.IndexFunc(tc.evs, func(ev Event) bool { return !ev.Preview })
				at := now.Add(time.Duration(first) * time.Minute).UTC()
				x.Claim, y.Claim = "", ""
				y.ClaimedAt, y.SentAt = at, &at
				if !reflect.DeepEqual(x, y) {
					t.Errorf("ledger record %s:\n%s\nwant, claim aside, sent at %s:\n%s", k, b, at, w)
				}
				got[k] = w // checked: every other object must equal the in-order delivery's
			}
			storetest.CompareTree(t, want, got)
		})
	}
}
