package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"path"
	"strings"

	"github.com/civicpulse/civicpulse/shared/store"
)

// Outbox is a Sender that writes each message as an .eml file to a store instead of sending
// it: the local default, and a way to look at exactly what would be sent. The file is
// <prefix>/<recipient address>/<Message-ID>.eml, so sending the same message again replaces
// the file rather than adding one.
type Outbox struct {
	st     store.Store
	prefix string
}

// NewOutbox returns an outbox writing under prefix (such as "outbox") in st.
func NewOutbox(st store.Store, prefix string) *Outbox {
	return &Outbox{st: st, prefix: strings.Trim(prefix, "/")}
}

// Send writes raw to the outbox and returns its key.
func (o *Outbox) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	if len(to) == 0 {
		return "", fmt.Errorf("outbox: %w: no recipient", ErrRejected)
	}
	name := ""
	if m, err := netmail.ReadMessage(bytes.NewReader(raw)); err == nil {
		name = strings.Trim(m.Header.Get("Message-Id"), "<> ")
	}
	if name == "" {
		sum := sha256.Sum256(raw)
		name = hex.EncodeToString(sum[:12])
	}
	key := path.Join(o.prefix, fileName(to[0]), fileName(name)+".eml")
	if err := o.st.Put(ctx, key, bytes.NewReader(raw)); err != nil {
		// A failed write leaves no message: nothing was delivered.
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("outbox %s: %w", key, err)
		}
		return "", fmt.Errorf("outbox %s: %w: %w", key, ErrRejected, err)
	}
	return key, nil
}

// fileName keeps the characters of s that are safe in a file name on every system.
func fileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '@' || c == '-' || c == '_' || c == '+') {
			b[i] = '_'
		}
	}
	s = strings.Trim(string(b), ".")
	if s == "" {
		return "_"
	}
	return s
}
