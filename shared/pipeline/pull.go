package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/store"
)

// PullOptions configure one pull run.
type PullOptions struct {
	// Now is the end of every source's window.
	Now time.Time
	// Secrets holds the credentials the sources' pull.secret names.
	Secrets pull.Secrets
	// Client sends the requests; nil means a default pull.Client.
	Client *pull.Client
	Logger *slog.Logger
}

// PullSummary says what a pull run did.
type PullSummary struct {
	Sources []pull.Result `json:"sources"` // the sources pulled, failed ones included
	Pages   int           `json:"pages"`   // pages stored in the inbox
	Failed  int           `json:"failed"`  // sources whose pull failed
}

// Pull fetches every source that has pull settings into its inbox folder, for Ingest to
// parse. One source failing does not stop the others; the error joins every failure, each
// naming its source.
func Pull(ctx context.Context, st store.Store, city *config.City, opts PullOptions) (PullSummary, error) {
	log := logger(opts.Logger)
	var sum PullSummary
	var errs []error
	for _, src := range city.Sources {
		if src.Pull == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		res, err := pull.Pull(ctx, st, src, pull.Options{Now: opts.Now, Secrets: opts.Secrets,
			Client: opts.Client, Location: city.Location(), Logger: log})
		sum.Sources = append(sum.Sources, res)
		sum.Pages += res.Pages
		if err != nil {
			sum.Failed++
			// Pages stored before the failure stay: Ingest parses them, the cursor has not moved.
			log.Error("pull failed", "source", src.ID, "pages", res.Pages, "err", err)
			errs = append(errs, err)
		}
	}
	return sum, errors.Join(errs...)
}
