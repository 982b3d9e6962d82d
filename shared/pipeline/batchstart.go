package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/civicpulse/civicpulse/shared/store"
)

// batchStart is state/ingest/started/source=<s>/<batch>.json: when ingest first began a batch.
type batchStart struct {
	Batch     string    `json:"batch"`
	InboxKey  string    `json:"inbox_key"`
	StartedAt time.Time `json:"started_at"`
}

func batchStartKey(source, batch string) string {
	return "state/ingest/started/source=" + source + "/" + batch + ".json"
}

// startBatch returns the time a batch is ingested at: now for a batch never begun, and the
// time of the first attempt for one a crashed run began. raw/ and quarantine/ are partitioned
// by that day and every row carries it, so a re-run on a later day writes the objects the
// crashed run began — the same keys and bytes — instead of a second copy under another day.
// The first attempt is claimed with PutIfAbsent, so two runs racing on one batch agree too.
func startBatch(ctx context.Context, st store.Store, source, batch, inboxKey string, now time.Time) (time.Time, error) {
	key := batchStartKey(source, batch)
	for range 2 {
		b, err := store.ReadAll(ctx, st, key)
		if err == nil {
			var s batchStart
			if err := json.Unmarshal(b, &s); err != nil || s.StartedAt.IsZero() {
				return time.Time{}, fmt.Errorf("read %s: not a batch start record (%v)", key, err)
			}
			return s.StartedAt, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return time.Time{}, fmt.Errorf("read %s: %w", key, err)
		}
		rec, err := json.MarshalIndent(batchStart{Batch: batch, InboxKey: inboxKey, StartedAt: now.UTC()}, "", "  ")
		if err != nil {
			return time.Time{}, err
		}
		err = st.PutIfAbsent(ctx, key, bytes.NewReader(append(rec, '\n')))
		if err == nil {
			return now.UTC(), nil
		}
		if !errors.Is(err, store.ErrExists) {
			return time.Time{}, fmt.Errorf("record the start of batch %s: %w", batch, err)
		}
		// Another run began the batch between the read and the claim: take its time.
	}
	return time.Time{}, fmt.Errorf("record the start of batch %s: %s keeps changing", batch, key)
}
