package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// SQS and EventBridge deliver at least once and in no particular order: the same "Object
// Created" message twice (in two batches or one), or after the schedule that already ingested
// its file, changes no object. The inbox files hold no record in common, so the order of
// batches cannot matter; with records in common the first batch stores them (ingest drops
// the rest as duplicates), so which object holds a record would depend on the order.
func TestRedeliveryChangesNothing(t *testing.T) {
	files, err := sample.Generate(sample.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	inbox := map[string][]byte{}
	for _, f := range files {
		switch {
		case f.Key == sample.ConfigKey:
			inbox[f.Key] = f.Data
		case strings.HasSuffix(f.Key, "FY2027-Q1.csv"):
			inbox["inbox/resident_survey/export.csv"] = f.Data // the key of events/ingest-sqs.json
		case strings.HasSuffix(f.Key, "search-2026-09-01-p001.json"), strings.HasSuffix(f.Key, "search-2025-02-01-p002.json"):
			inbox[f.Key] = f.Data
		}
	}
	put, err := os.ReadFile(filepath.Join("..", "..", "events", "ingest-sqs.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The same event for another file: the sample's, with the key and message id replaced.
	page := bytes.Replace(put, []byte("inbox/resident_survey/export.csv"), []byte("inbox/twitter/search-2026-09-01-p001.json"), 1)
	page = bytes.Replace(page, []byte(`"messageId": "`), []byte(`"messageId": "page-`), 1)
	schedule, err := os.ReadFile(filepath.Join("..", "..", "events", "ingest-schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(page, put) {
		t.Fatal("events/ingest-sqs.json no longer names inbox/resident_survey/export.csv")
	}
	// One batch holding both messages, each twice, as a redelivery can.
	var a, b Event
	if err := errors.Join(json.Unmarshal(put, &a), json.Unmarshal(page, &b)); err != nil {
		t.Fatal(err)
	}
	both, err := json.Marshal(Event{Records: slices.Concat(a.Records, b.Records, b.Records, a.Records)})
	if err != nil {
		t.Fatal(err)
	}

	deliver := func(t *testing.T, evs ...[]byte) map[string][]byte {
		ctx := context.Background()
		st := storetest.NewDirFrom(t, inbox)
		h := &Handler{Store: st, ConfigKey: pipeline.ConfigKey, AuthorKey: []byte("k"),
			Now:    func() time.Time { return time.Date(2026, 10, 5, 14, 3, 0, 0, time.UTC) },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		for i, ev := range evs {
			resp, err := h.Handle(ctx, ev)
			if err != nil || len(resp.BatchItemFailures) > 0 {
				t.Fatalf("event %d: %v, failed messages %v", i, err, resp.BatchItemFailures)
			}
		}
		return storetest.ReadTree(t, st)
	}
	want := deliver(t, put, page, schedule)
	if !slices.ContainsFunc(slices.Collect(maps.Keys(want)), func(k string) bool { return strings.HasPrefix(k, "quarantine/") }) ||
		!slices.ContainsFunc(slices.Collect(maps.Keys(want)), func(k string) bool { return strings.HasPrefix(k, "curated/survey_answers/") }) {
		t.Fatal("the in-order delivery wrote no quarantine or survey answers: the test exercises too little")
	}
	for _, tc := range []struct {
		name string
		evs  [][]byte
	}{
		{"each twice", [][]byte{put, put, page, page, schedule, schedule}},
		{"all twice", [][]byte{put, page, schedule, put, page, schedule}},
		{"reversed", [][]byte{schedule, page, put}},
		{"reversed twice", [][]byte{schedule, page, put, schedule, page, put}},
		{"one batch, each twice", [][]byte{both, schedule}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.CompareTree(t, want, deliver(t, tc.evs...))
		})
	}
}
