package mail

import (
	"context"
	"errors"
)

// Sender hands a raw MIME message to a mail service.
type Sender interface {
	// Send delivers raw from the envelope sender to the envelope recipients and returns the
	// service's id for the message. An error that wraps ErrRejected means the message was
	// certainly not accepted, so sending it again cannot duplicate it; after any other error
	// the message may or may not have gone out.
	Send(ctx context.Context, from string, to []string, raw []byte) (id string, err error)
}

// ErrRejected marks a send error after which the message is known not to have been accepted.
var ErrRejected = errors.New("mail: message not accepted")
