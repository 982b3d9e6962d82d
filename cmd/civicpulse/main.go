// Command civicpulse runs the CivicPulse pipeline on a laptop or against any S3 endpoint:
// the same code the Lambda functions run.
//
//	civicpulse demo                      generate the sample city and run every stage
//	civicpulse ingest|score|kpi|report   run one stage
//	civicpulse cat FILE...               print Parquet rows as JSON Lines
//	civicpulse check --config city.yaml  validate a city config for a deploy
//
// Every stage takes --store DIR or --store s3://bucket/prefix (default ./demo).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
)

const usage = `civicpulse: hear what residents say, quarter by quarter.

Usage:
  civicpulse demo   [--store DIR]              sample city, all four stages, latest quarter
  civicpulse ingest [--store S] [--config F]   inbox/ -> raw/, curated/, quarantine/
  civicpulse score  [--store S] [--rescore]    curated/ -> scored/  (no --store: JSON Lines stdin -> stdout)
  civicpulse kpi    [--store S] --quarter YYYY-Qn
  civicpulse report [--store S] --quarter YYYY-Qn [--preview] [--sender outbox|ses]
  civicpulse cat    FILE...                    Parquet rows as JSON Lines, with Hive partitions
  civicpulse check  --config city.yaml         validate a city config; print the sam deploy parameters
  civicpulse bench  [--sizes 100k,1M]          records/s per core and peak RSS of every stage

--store is a directory (default ./demo) or s3://bucket/prefix (AWS settings from the
standard AWS_* environment, AWS_ENDPOINT_URL_S3 for an S3-compatible server).
Run "civicpulse COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "civicpulse:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmds := map[string]func(context.Context, *env, []string) error{
		"demo": runDemo, "ingest": runIngest, "score": runScore, "kpi": runKPI, "report": runReport, "cat": runCat,
		"bench": runBench, "check": runCheck,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd(ctx, &env{stdin: stdin, stdout: stdout, stderr: stderr}, args[1:])
}

// env is what a command reads and writes besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (e *env) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}
