// Package mailtest holds helpers for tests that send mail: a moto of the test's own and
// reading back what its SES received, an in-process SMTP server (STARTTLS, AUTH PLAIN), and a
// Sender fake for failures the real services cannot produce on demand.
package mailtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

// EnvMoto names the variable holding the endpoint of the moto server, such as
// http://127.0.0.1:5000.
const EnvMoto = "CIVICPULSE_TEST_MOTO_ENDPOINT"

// Sent is one message moto's SES accepted.
type Sent struct {
	ID   string
	From string
	To   []string
	Raw  []byte
}

// MotoEndpoint returns the moto endpoint; it skips the test locally when none is set and fails
// it under CI (see storetest.Need).
func MotoEndpoint(t testing.TB) string {
	t.Helper()
	return strings.TrimRight(storetest.Need(t, EnvMoto, "moto_server"), "/")
}

// SESClient returns an SES v2 client for moto with dummy credentials.
func SESClient(t testing.TB, endpoint string) *sesv2.Client {
	t.Helper()
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

// MotoSES resets moto, verifies the sender's domain (SES v2 refuses unverified senders) and
// returns the client.
func MotoSES(t testing.TB, endpoint, from string) *sesv2.Client {
	t.Helper()
	MotoReset(t, endpoint)
	c := SESClient(t, endpoint)
	_, domain, ok := strings.Cut(from, "@")
	if !ok {
		t.Fatalf("sender %q is not an address", from)
	}
	if _, err := c.CreateEmailIdentity(context.Background(), &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(domain)}); err != nil {
		t.Fatalf("moto: create email identity %s: %v", domain, err)
	}
	return c
}

// MotoReset clears everything moto holds, sent mail included.
func MotoReset(t testing.TB, endpoint string) {
	t.Helper()
	resp, err := http.Post(endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("moto reset: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto reset: %s", resp.Status)
	}
}

// MotoMessages returns the raw messages moto's SES accepted, in the order sent.
func MotoMessages(t testing.TB, endpoint string) []Sent {
	t.Helper()
	msgs, err := motoMessages(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func motoMessages(endpoint string) ([]Sent, error) {
	resp, err := http.Get(endpoint + "/moto-api/data.json")
	if err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("moto data: %s %v", resp.Status, err)
	}
	var data struct {
		SES struct {
			RawMessage []struct {
				ID           string   `json:"id"`
				Source       string   `json:"source"`
				Destinations []string `json:"destinations"`
				RawData      string   `json:"raw_data"`
			} `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.Unmarshal(body, &data); err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	var out []Sent
	for _, m := range data.SES.RawMessage {
		// moto lists each destination twice: from the envelope, and as the To header has it
		// ("Name <address>").
		var to []string
		for _, d := range m.Destinations {
			if a, err := netmail.ParseAddress(d); err == nil {
				d = a.Address
			}
			to = append(to, d)
		}
		slices.Sort(to)
		out = append(out, Sent{ID: m.ID, From: m.Source, To: slices.Compact(to), Raw: []byte(m.RawData)})
	}
	return out, nil
}

// Sender is a hand-written fake of mail.Sender for what a real service cannot do on demand:
// fail, hang, or crash the caller between claim and completion. It records what it sent.
type Sender struct {
	// SendFunc, when set, decides each send; otherwise every send succeeds.
	SendFunc func(ctx context.Context, from string, to []string, raw []byte) (string, error)

	mu   sync.Mutex
	sent []Sent
}

// Send records the message, then calls SendFunc.
func (s *Sender) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	var id string
	if s.SendFunc != nil {
		var err error
		if id, err = s.SendFunc(ctx, from, to, raw); err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = fmt.Sprintf("fake-%d", len(s.sent)+1)
	}
	s.sent = append(s.sent, Sent{ID: id, From: from, To: slices.Clone(to), Raw: slices.Clone(raw)})
	return id, nil
}

// Sent returns the messages sent so far.
func (s *Sender) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}
