package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// common are the flags every stage has.
type common struct {
	store   string
	config  string
	verbose bool
	quiet   bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.store, "store", "./demo", "where the data lake is: a directory or s3://bucket/prefix")
	fs.StringVar(&c.config, "config", "", "city config file (default: config/city.yaml in the store)")
	fs.BoolVar(&c.verbose, "v", false, "log debug detail")
	fs.BoolVar(&c.quiet, "q", false, "log warnings and errors only")
}

func (c *common) level() slog.Level {
	switch {
	case c.verbose:
		return slog.LevelDebug
	case c.quiet:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func newFlagSet(e *env, name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: civicpulse %s\n\n", help)
		fs.PrintDefaults()
	}
	return fs
}

// open returns the store and the city config the flags name.
func (c *common) open(ctx context.Context) (store.Store, *config.City, error) {
	st, err := store.Open(ctx, c.store)
	if err != nil {
		return nil, nil, err
	}
	if c.config == "" {
		city, err := pipeline.LoadCity(ctx, st, pipeline.ConfigKey)
		return st, city, err
	}
	f, err := os.Open(c.config)
	if err != nil {
		return nil, nil, fmt.Errorf("open city config: %w", err)
	}
	defer f.Close()
	city, err := config.Load(f, c.config)
	return st, city, err
}

// authorKey is the secret authors are hashed with: CIVICPULSE_AUTHOR_KEY, or a fixed key
// that is only good for a demo.
func authorKey(log *slog.Logger) []byte {
	if k := os.Getenv("CIVICPULSE_AUTHOR_KEY"); k != "" {
		return []byte(k)
	}
	log.Warn("CIVICPULSE_AUTHOR_KEY is not set: authors are hashed with the demo key, fine for a demo only")
	return []byte("civicpulse-demo-author-key")
}

// quarterFlag parses --quarter, defaulting to the quarter that ended before now.
func quarterFlag(s string, city *config.City) (kpi.Quarter, error) {
	if strings.TrimSpace(s) == "" {
		return pipeline.PreviousQuarter(city, time.Now()), nil
	}
	return kpi.ParseQuarter(s)
}
