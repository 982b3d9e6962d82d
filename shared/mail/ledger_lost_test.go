package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/civicpulse/civicpulse/shared/mail/mailtest"
	"github.com/civicpulse/civicpulse/shared/store"
)

// lostAnswer is a store whose conditional writes land but whose answers are lost: the client
// retries, and the retry finds the object, as an S3 PUT does after a reset or a 500 that came
// after the write.
type lostAnswer struct{ store.Store }

func (s lostAnswer) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.Store.PutIfAbsent(ctx, key, bytes.NewReader(b)); err != nil {
		return err
	}
	return s.Store.PutIfAbsent(ctx, key, bytes.NewReader(b)) // the retry: ErrExists
}

// A claim whose answer was lost is the run's own: it sends, once. Another run's claim in doubt
// stays in doubt, whatever the answers.
func TestDeliverClaimAnswerLost(t *testing.T) {
	tests := []struct {
		name        string
		otherClaim  bool
		want        Outcome
		wantErr     error
		wantSent    int
		wantAttempt int
	}{
		{"own claim", false, Sent, nil, 1, 1},
		{"another run's claim", true, "", ErrInDoubt, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := store.NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			e, s := testEmail(t), &mailtest.Sender{}
			if tt.otherClaim {
				crash(t, dir, e)
			}
			l := NewLedger(lostAnswer{dir})
			got, err := l.Deliver(ctxBg, s, e, opts)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Deliver got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if n := len(s.Sent()); n != tt.wantSent {
				t.Errorf("sender got %d messages; want %d", n, tt.wantSent)
			}
			if r := status(t, l, e); r.Attempt != tt.wantAttempt || (tt.wantSent == 1) != (r.Status == StatusSent) {
				t.Errorf("ledger record got %+v; want attempt %d, sent %v", r, tt.wantAttempt, tt.wantSent == 1)
			}
		})
	}
}
