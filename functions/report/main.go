// Command report is the report Lambda: a quarter's KPIs to one email per recipient, sent once.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicpulse/civicpulse/shared/lambdaenv"
	"github.com/civicpulse/civicpulse/shared/mail"
)

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, os.Getenv, os.Stdout)
	if err != nil {
		lambdaenv.NewLogger(os.Stdout, "").Error("start report", "err", err)
		os.Exit(1)
	}
	var sender mail.Sender = mail.NewOutbox(env.Store, "outbox")
	switch os.Getenv("CIVICPULSE_SENDER") {
	case "ses":
		sender, err = mail.NewSESFromEnv(ctx, os.Getenv("CIVICPULSE_SES_CONFIGURATION_SET"))
	case "smtp":
		sender, err = mail.NewSMTPFromEnv(os.Getenv)
	}
	if err != nil {
		env.Logger.Error("start report", "err", err)
		os.Exit(1)
	}
	h := &Handler{Store: env.Store, ConfigKey: env.ConfigKey, Sender: sender, Now: time.Now, Logger: env.Logger}
	lambda.Start(h.Handle)
}
