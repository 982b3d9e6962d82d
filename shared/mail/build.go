package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/civicpulse/civicpulse/shared/report"
)

// ErrBadHeader is returned by Build for a header value that would break out of its header:
// a line break or another control character, or an address that is not one plain address.
var ErrBadHeader = errors.New("mail: bad header value")

// Email is a report encoded as MIME, with its envelope.
type Email struct {
	Quarter   string   // "2027-Q1"
	Recipient string   // recipient key
	From      string   // envelope sender, a bare address
	To        []string // envelope recipients, bare addresses
	// MessageID is the Message-ID header without its angle brackets.
	MessageID string
	Subject   string
	Raw       []byte // the whole message, CRLF line endings
}

// WriteTo writes the raw message.
func (e *Email) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(e.Raw)
	return int64(n), err
}

// MessageID returns the Message-ID of a quarter's report to one recipient: a hash of the
// quarter, the recipient key and the sender's domain, at that domain. It is the same however
// often the report is rendered, so a mail server that deduplicates by Message-ID also sees a
// repeat as the same message.
func MessageID(quarter, recipient, domain string) string {
	h := sha256.Sum256([]byte("civicpulse report\x00" + quarter + "\x00" + recipient + "\x00" + domain))
	return "civicpulse." + hex.EncodeToString(h[:10]) + "@" + domain
}

// Build encodes a report message as MIME:
//
//	multipart/mixed
//	├─ multipart/related
//	│  ├─ multipart/alternative: text/plain, text/html
//	│  └─ image/png inline, one per chart, by Content-ID
//	└─ text/csv attachment
//
// date is the Date header. Given the same message and date, Build returns the same bytes:
// the Message-ID comes from MessageID and the multipart boundaries from a hash of the content.
func Build(m *report.Message, date time.Time) (*Email, error) {
	if m == nil {
		return nil, errors.New("mail: nil message")
	}
	from, err := address("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := address("To", m.To)
	if err != nil {
		return nil, err
	}
	if err := headerText("Subject", m.Subject); err != nil {
		return nil, err
	}
	if m.Quarter == "" || m.Recipient == "" {
		return nil, errors.New("mail: message without quarter or recipient key")
	}
	if date.IsZero() {
		return nil, errors.New("mail: message without a date")
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	id := MessageID(m.Quarter, m.Recipient, strings.ToLower(domain))

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from)
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(date)
	// RFC 3834: an automatic message; out-of-office replies should not answer it.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, string(m.Text))
	msg.AddAlternativeString(gomail.TypeTextHTML, string(m.HTML))
	for _, p := range m.Inline {
		if err := headerText("Content-ID", p.ContentID); err != nil || p.ContentID == "" {
			return nil, fmt.Errorf("%w: inline part %q needs a one-line Content-ID", ErrBadHeader, p.Name)
		}
		if err := msg.EmbedReader(p.Name, bytes.NewReader(p.Data),
			gomail.WithFileContentID("<"+p.ContentID+">"),
			gomail.WithFileContentType(gomail.ContentType(p.ContentType))); err != nil {
			return nil, fmt.Errorf("embed %s: %w", p.Name, err)
		}
	}
	for _, p := range m.Attachments {
		ct := p.ContentType
		if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
			ct += "; charset=utf-8"
		}
		if err := msg.AttachReader(p.Name, bytes.NewReader(p.Data), gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", p.Name, err)
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write message %s: %w", id, err)
	}
	raw, err := stableBoundaries(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("write message %s: %w", id, err)
	}
	return &Email{
		Quarter:   m.Quarter,
		Recipient: m.Recipient,
		From:      from.Address,
		To:        []string{to.Address},
		MessageID: id,
		Subject:   m.Subject,
		Raw:       raw,
	}, nil
}

var boundaryParam = regexp.MustCompile(`boundary="?([0-9A-Za-z'()+_,\-./:=?]+)"?`)

// stableBoundaries replaces the random multipart boundaries go-mail draws with ones derived
// from the message itself, so that the same message is always the same bytes.
func stableBoundaries(raw []byte) ([]byte, error) {
	matches := boundaryParam.FindAllSubmatch(raw, -1)
	if len(matches) == 0 {
		return raw, nil
	}
	old := make([][]byte, len(matches))
	stripped := raw
	for i, m := range matches {
		old[i] = m[1]
		stripped = bytes.ReplaceAll(stripped, m[1], nil)
	}
	sum := sha256.Sum256(stripped)
	for i, o := range old {
		h := sha256.Sum256(append(sum[:], byte(i)))
		b := []byte(fmt.Sprintf("civicpulse-%d-%s", i+1, hex.EncodeToString(h[:15])))
		if bytes.Contains(raw, b) { // cannot happen short of a SHA-256 collision
			return nil, fmt.Errorf("boundary %s occurs in the message", b)
		}
		raw = bytes.ReplaceAll(raw, o, b)
	}
	return raw, nil
}

func address(header string, a report.Address) (*netmail.Address, error) {
	if err := headerText(header, a.Name); err != nil {
		return nil, err
	}
	p, err := netmail.ParseAddress(a.Email)
	if err != nil || p.Address != a.Email || p.Name != "" {
		return nil, fmt.Errorf("%w: %s address %q", ErrBadHeader, header, a.Email)
	}
	return &netmail.Address{Name: a.Name, Address: a.Email}, nil
}

func headerText(header, s string) error {
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return fmt.Errorf("%w: %s holds control character %U", ErrBadHeader, header, []rune(s[i:])[0])
	}
	return nil
}
