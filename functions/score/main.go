// Command score is the score Lambda: curated feedback to scored feedback.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicpulse/civicpulse/shared/lambdaenv"
)

func main() {
	env, err := lambdaenv.Load(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		lambdaenv.NewLogger(os.Stdout, "").Error("start score", "err", err)
		os.Exit(1)
	}
	h := &Handler{Store: env.Store, ConfigKey: env.ConfigKey, Logger: env.Logger}
	lambda.Start(h.Handle)
}
