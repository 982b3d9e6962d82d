// Command ingest is the ingest Lambda: inbox files to the curated tables.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicpulse/civicpulse/shared/lambdaenv"
)

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, os.Getenv, os.Stdout)
	if err != nil {
		lambdaenv.NewLogger(os.Stdout, "").Error("start ingest", "err", err)
		os.Exit(1)
	}
	key, err := lambdaenv.AuthorKey(ctx, os.Getenv)
	if err != nil {
		env.Logger.Error("start ingest", "err", err)
		os.Exit(1)
	}
	h := &Handler{Store: env.Store, ConfigKey: env.ConfigKey, AuthorKey: key, Now: time.Now, Logger: env.Logger}
	lambda.Start(h.Handle)
}
