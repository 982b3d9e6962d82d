// Command kpi is the KPI Lambda: a quarter's scored feedback and survey answers to its KPIs.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicpulse/civicpulse/shared/lambdaenv"
)

func main() {
	env, err := lambdaenv.Load(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		lambdaenv.NewLogger(os.Stdout, "").Error("start kpi", "err", err)
		os.Exit(1)
	}
	h := &Handler{Store: env.Store, ConfigKey: env.ConfigKey, Now: time.Now, Logger: env.Logger}
	lambda.Start(h.Handle)
}
