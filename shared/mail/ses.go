package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SESAPI is the part of the SES v2 client that SES uses; *sesv2.Client has it.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SESOptions are the optional settings of an SES sender.
type SESOptions struct {
	// ConfigurationSet names the SES configuration set the messages are sent with (event
	// publishing, dedicated IPs, suppression); empty uses the account's default.
	ConfigurationSet string
}

// SES is a Sender that sends raw messages through Amazon SES v2 (SendEmail with
// Content.Raw), so the MIME built here is exactly what recipients get.
type SES struct {
	client SESAPI
	opts   SESOptions
}

// NewSES returns a sender over an SES v2 client, such as sesv2.NewFromConfig(cfg).
func NewSES(client SESAPI, optFns ...func(*SESOptions)) *SES {
	s := &SES{client: client}
	for _, fn := range optFns {
		fn(&s.opts)
	}
	return s
}

// Send sends raw and returns SES's message id. An error that SES answered with a 4xx status
// (MessageRejected, an unverified identity, a paused account, throttling) wraps
// ErrRejected: SES did not accept the message. Any other error (a
// timeout, a 5xx) leaves the outcome unknown.
func (s *SES) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: to},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	}
	if s.opts.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.opts.ConfigurationSet)
	}
	// One try only: SendEmail is not idempotent, and an SDK retry after a lost response could
	// send the message twice. A rejection is retried by the next run, through the ledger.
	out, err := s.client.SendEmail(ctx, in, func(o *sesv2.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		var status interface{ HTTPStatusCode() int }
		if errors.As(err, &status) && status.HTTPStatusCode() >= 400 && status.HTTPStatusCode() < 500 {
			return "", fmt.Errorf("ses send: %w: %w", ErrRejected, err)
		}
		return "", fmt.Errorf("ses send: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// NewSESFromEnv returns an SES sender configured from the standard AWS environment
// (AWS_ENDPOINT_URL_SESV2 or AWS_ENDPOINT_URL for an emulator such as moto).
func NewSESFromEnv(ctx context.Context, configurationSet string) (*SES, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return NewSES(sesv2.NewFromConfig(cfg), func(o *SESOptions) { o.ConfigurationSet = configurationSet }), nil
}
