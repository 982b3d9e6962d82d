package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/civicpulse/civicpulse/shared/table"
)

// Placeholders that replace personal data in stored text.
const (
	RedactedEmail   = "[email]"
	RedactedPhone   = "[phone]"
	RedactedAddress = "[address]"
	RedactedSSN     = "[ssn]"
	RedactedCard    = "[card]"
	RedactedHandle  = "@[user]"
)

var (
	reEmail = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
	reSSN   = regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)
	reCard  = regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`)
	// US numbers with or without the country code, and international numbers written with +.
	rePhone   = regexp.MustCompile(`(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.\-])\d{3}[\s.\-]\d{4}\b|\+[1-9]\d{0,2}(?:[\s.\-]?\d{2,4}){2,5}\b`)
	reAddress = regexp.MustCompile(`\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][A-Za-z0-9'\-]*\s+){1,3}` +
		`(?i:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|terrace|ter|parkway|pkwy|highway|hwy|circle|cir)\b\.?`)
	reHandle = regexp.MustCompile(`(^|[^A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})\b`)
)

// Redactor removes personal data from text and replaces authors by a keyed hash.
type Redactor struct {
	// Key is the city's secret for author hashing: without it, author keys cannot be linked
	// back to accounts.
	Key []byte
	// PublicHandles are @handles of public accounts (the city's own, its departments) that
	// are kept; all others are taken to be private persons and redacted. Lower case.
	PublicHandles map[string]bool
}

// Text returns s with e-mail addresses, phone numbers, SSN-like and card-like numbers, street
// addresses with house numbers and @handles of private persons replaced by placeholders.
func (r *Redactor) Text(s string) string {
	s = reEmail.ReplaceAllString(s, RedactedEmail)
	s = reSSN.ReplaceAllString(s, RedactedSSN)
	s = reCard.ReplaceAllStringFunc(s, func(m string) string {
		if luhn(m) {
			return RedactedCard
		}
		return m
	})
	s = rePhone.ReplaceAllString(s, RedactedPhone)
	s = reAddress.ReplaceAllString(s, RedactedAddress)
	s = reHandle.ReplaceAllStringFunc(s, func(m string) string {
		sub := reHandle.FindStringSubmatch(m)
		if r.PublicHandles[strings.ToLower(sub[2])] {
			return m
		}
		return sub[1] + RedactedHandle
	})
	return s
}

// AuthorKey is the keyed hash of a vendor's author id; empty authors have no key.
func (r *Redactor) AuthorKey(source, author string) *string {
	if author == "" {
		return nil
	}
	m := hmac.New(sha256.New, r.Key)
	m.Write([]byte(source + "\x00" + author))
	return ptr(hex.EncodeToString(m.Sum(nil)[:16]))
}

// Apply redacts a parsed batch in place and returns its feedback rows, ready to store.
func (r *Redactor) Apply(b *Batch) []table.Feedback {
	out := make([]table.Feedback, len(b.Items))
	for i, it := range b.Items {
		f := it.Feedback
		f.Text = r.Text(f.Text)
		f.AuthorKey = r.AuthorKey(f.Source, it.Author)
		out[i] = f
	}
	for i := range b.Answers {
		b.Answers[i].AnswerText = r.Text(b.Answers[i].AnswerText)
	}
	for i := range b.Bad {
		b.Bad[i].Raw = r.Text(b.Bad[i].Raw)
	}
	return out
}

func luhn(s string) bool {
	sum, n, double := 0, 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
		double = !double
	}
	return n >= 13 && sum%10 == 0
}
