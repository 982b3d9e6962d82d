package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"regexp"
	"strings"
	"sync"

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
	reEmail = regexp.MustCompile(`(?i)^[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}`)
	reSSN   = regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b`)
	reCard  = regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`)
	// International numbers written with + (and an optional trunk (0)); checked for 8..15 digits.
	reIntlPhone = regexp.MustCompile(`\+[1-9]\d{0,2}(?:[\s.\-]?(?:\(0\)\s?)?\(?\d{1,5}\)?){2,6}\b`)
	// US numbers with or without the country code, bracketed area code, or ten bare digits.
	reUSPhone   = regexp.MustCompile(`(?:\b1[\s.\-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.\-])\d{3}[\s.\-]\d{4}\b|\b[2-9]\d{2}[2-9]\d{6}\b`)
	reAddressAt = regexp.MustCompile(`^\d{1,6}[A-Za-z]?\s+(?:(?i:[NSEW]\.?|north|south|east|west)\s+)?(?:[A-Za-z0-9][A-Za-z0-9'\-.]*\s+){1,4}?` +
		`(?i:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|trail|trl|square|sq|alley|crescent|row|pike|plaza)\b\.?`)
	reClock = regexp.MustCompile(`(?i)^\d{1,2}(?:am|pm|h)?$`)
)

// Words that cannot be part of a street name: "12 potholes on Elm St" is not an address.
var notStreetWord = map[string]bool{
	"on": true, "at": true, "in": true, "the": true, "a": true, "an": true, "and": true, "or": true,
	"of": true, "to": true, "from": true, "near": true, "by": true, "for": true, "with": true,
	"about": true, "over": true, "under": true, "past": true, "across": true, "between": true,
	"behind": true, "before": true, "after": true, "off": true, "into": true, "onto": true,
	"along": true, "around": true, "than": true, "is": true, "was": true, "are": true, "were": true,
	"it": true, "this": true, "that": true, "my": true, "our": true, "your": true, "their": true,
	"we": true, "i": true, "you": true, "they": true, "me": true, "us": true, "minutes": true,
	"mins": true, "min": true, "hours": true, "hrs": true, "days": true, "weeks": true, "months": true,
	"years": true, "times": true, "people": true, "cars": true, "buses": true, "kids": true,
	"am": true, "pm": true, "blocks": true, "miles": true, "feet": true, "ft": true, "percent": true,
}

// Words before a number that make it not a house number: "Route 9 Lane closure".
var notHouseNumberAfter = map[string]bool{
	"route": true, "bus": true, "highway": true, "hwy": true, "interstate": true, "line": true,
	"number": true, "no": true, "no.": true, "#": true, "ward": true, "district": true, "unit": true,
	"apt": true, "suite": true, "exit": true, "mile": true, "us": true, "sr": true, "i": true,
}

// Redactor removes personal data from text and replaces authors by a keyed hash.
type Redactor struct {
	// Key is the city's secret for author hashing: without it, author keys cannot be linked
	// back to accounts. It must not change once the Redactor is in use.
	Key []byte
	// PublicHandles are @handles of public accounts (the city's own, its departments) that
	// are kept; all others are taken to be private persons and redacted. Lower case.
	PublicHandles map[string]bool

	macs sync.Pool // of HMACs keyed with Key: making one per author costs more than the hash
}

// Text returns s with e-mail addresses, phone numbers, SSN-like and card-like numbers, street
// addresses with house numbers and @handles of private persons replaced by placeholders.
//
// Most posts hold no '@' and few digits: one byte scan decides which patterns can match at
// all, and only those run.
func (r *Redactor) Text(s string) string {
	at, plus := false, false
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '@':
			at = true
		case c == '+':
			plus = true
		}
	}
	if digits == 0 && !at {
		return s
	}
	// The most digits in any 16-byte and 40-byte stretch: a phone or SSN needs 9 or more
	// close together, a card 13; years, prices and route numbers never get there. Fewer than
	// 8 digits in all reach none of the thresholds below.
	var near16, near40 int
	if digits >= 8 {
		var run16, run40 int
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= '0' && c <= '9' {
				run16++
				run40++
			}
			if i >= 16 && s[i-16] >= '0' && s[i-16] <= '9' {
				run16--
			}
			if i >= 40 && s[i-40] >= '0' && s[i-40] <= '9' {
				run40--
			}
			near16, near40 = max(near16, run16), max(near40, run40)
		}
	}
	if at {
		s = replaceEmails(s)
	}
	if near16 >= 9 {
		s = replaceInRuns(s, 9, func(w string) string { return reSSN.ReplaceAllLiteralString(w, RedactedSSN) })
	}
	if plus && near40 >= 8 {
		s = replaceInRuns(s, 8, func(w string) string {
			return reIntlPhone.ReplaceAllStringFunc(w, func(m string) string {
				if n := countDigits(m); n >= 8 && n <= 15 {
					return RedactedPhone
				}
				return m
			})
		})
	}
	if near40 >= 13 {
		s = replaceInRuns(s, 13, func(w string) string {
			return reCard.ReplaceAllStringFunc(w, func(m string) string {
				if luhn(m) && cardGrouping(m) {
					return RedactedCard
				}
				return m
			})
		})
	}
	if near16 >= 10 {
		s = replaceInRuns(s, 10, func(w string) string { return reUSPhone.ReplaceAllLiteralString(w, RedactedPhone) })
	}
	if digits >= 1 {
		s = replaceAddresses(s)
	}
	if at {
		s = r.replaceHandles(s)
	}
	return s
}

// replaceInRuns applies replace, one of the number patterns (SSN, card, phone), to each run
// of the bytes those patterns are made of (digits, white space, "+-.()") that holds at least
// minDigits digits. No match can reach outside such a run, so this gives what replace gives
// on all of s, but the pattern, which tries every position, reads a few bytes instead of the
// whole text. Each run is passed with one byte either side, so that \b sees what it would.
func replaceInRuns(s string, minDigits int, replace func(string) string) string {
	var out strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isNumberByte(s[i]) {
			i++
			continue
		}
		j, digits := i, 0
		for ; j < len(s) && isNumberByte(s[j]); j++ {
			if s[j] >= '0' && s[j] <= '9' {
				digits++
			}
		}
		if digits >= minDigits {
			lo, hi := max(0, i-1), min(len(s), j+1)
			w := s[lo:hi]
			if r := replace(w); r != w {
				// The bytes either side are in no match: they come back as they went.
				r = r[i-lo : len(r)-(hi-j)]
				if out.Len() == 0 {
					out.Grow(len(s))
				}
				out.WriteString(s[last:i])
				out.WriteString(r)
				last = j
			}
		}
		i = j
	}
	if last == 0 {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}

// isNumberByte says whether c can be part of an SSN, card or phone number match.
func isNumberByte(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\f', '\r', '-', '.', '(', ')', '+':
		return true
	}
	return c >= '0' && c <= '9'
}

// replaceAddresses replaces house-numbered street addresses, rejecting matches whose "street
// name" holds ordinary words or whose number follows "Route", "Bus", ... The pattern is only
// tried, anchored, where a house number can start (a run of 1 to 6 digits at a word start,
// then a space): far cheaper than searching the whole text with it.
func replaceAddresses(s string) string {
	var out strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || (i > 0 && isWordByte(s[i-1])) {
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i > 6 || j >= len(s) {
			i = j
			continue
		}
		if k := j; (s[k] >= 'A' && s[k] <= 'Z' || s[k] >= 'a' && s[k] <= 'z') && k+1 < len(s) && !isWordByte(s[k+1]) {
			j++
		}
		if j >= len(s) || (s[j] != ' ' && s[j] != '\t' && s[j] != '\n') {
			i = j
			continue
		}
		window := s[i:min(len(s), i+160)]
		if !suffixSoon(window[j-i:]) {
			i = j
			continue
		}
		loc := reAddressAt.FindStringIndex(window)
		if loc == nil || !plausibleAddress(s, i, i+loc[1]) {
			i = j
			continue
		}
		if out.Len() == 0 {
			out.Grow(len(s))
		}
		out.WriteString(s[last:i])
		out.WriteString(RedactedAddress)
		last = i + loc[1]
		i = last - 1
	}
	if last == 0 {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}

var streetSuffixes = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Split("street st avenue ave road rd boulevard blvd drive dr lane ln way court ct place pl terrace ter "+
		"parkway pkwy highway hwy circle cir trail trl square sq alley crescent row pike plaza", " ") {
		m[w] = true
	}
	return m
}()

// suffixSoon says whether one of the next six words is a street suffix: without one there is
// no address here, and the pattern need not run.
func suffixSoon(s string) bool {
	var buf [16]byte
	for n, w := 0, 0; n < 6 && w < len(s); n++ {
		for w < len(s) && !isWordByte(s[w]) {
			w++
		}
		e := w
		for e < len(s) && isWordByte(s[e]) {
			e++
		}
		if l := e - w; l >= 2 && l <= len(buf) {
			for k := w; k < e; k++ {
				c := s[k]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf[k-w] = c
			}
			if streetSuffixes[string(buf[:l])] {
				return true
			}
		}
		w = e
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func plausibleAddress(s string, start, end int) bool {
	words := strings.Fields(s[start:end])
	for _, w := range words[1 : len(words)-1] {
		if notStreetWord[strings.ToLower(strings.Trim(w, ".,"))] {
			return false
		}
	}
	before := strings.Fields(s[max(0, start-16):start])
	if len(before) > 0 && start > 0 && s[start-1] == ' ' {
		if notHouseNumberAfter[strings.ToLower(strings.Trim(before[len(before)-1], ",:"))] {
			return false
		}
	}
	if start > 0 && strings.ContainsRune("#$-/:.,", rune(s[start-1])) {
		return false
	}
	return true
}

// replaceHandles replaces @handles (1 to 15 word characters after an '@' that does not follow
// a word character, '@', '.', '/' or ']') of private persons; a hand-written scan of the '@'s,
// as the regexp engine costs more than everything else here.
func (r *Redactor) replaceHandles(s string) string {
	var out strings.Builder
	last := 0
	for i := strings.IndexByte(s, '@'); i >= 0; {
		j := i + 1
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		ok := j-i-1 >= 1 && j-i-1 <= 15 && (i == 0 || !isWordByte(s[i-1]) && !strings.ContainsRune("@./]", rune(s[i-1])))
		if ok {
			h := s[i+1 : j]
			if !r.PublicHandles[strings.ToLower(h)] && !reClock.MatchString(h) {
				if out.Len() == 0 {
					out.Grow(len(s))
				}
				out.WriteString(s[last:i])
				out.WriteString(RedactedHandle)
				last = j
			}
		}
		k := strings.IndexByte(s[j:], '@')
		if k < 0 {
			break
		}
		i = j + k
	}
	if last == 0 {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}

// replaceEmails replaces e-mail addresses: around each '@', the longest local part and domain
// that can be, checked by an anchored pattern.
func replaceEmails(s string) string {
	var out strings.Builder
	last := 0
	for i := strings.IndexByte(s, '@'); i >= 0; {
		a := i
		for a > last && isEmailLocal(s[a-1]) {
			a--
		}
		z := i + 1
		for z < len(s) && (isWordByte(s[z]) && s[z] != '_' || s[z] == '-' || s[z] == '.') {
			z++
		}
		next := z
		if a < i {
			if m := reEmail.FindStringIndex(s[a:z]); m != nil && m[0] == 0 {
				if out.Len() == 0 {
					out.Grow(len(s))
				}
				out.WriteString(s[last:a])
				out.WriteString(RedactedEmail)
				last, next = a+m[1], a+m[1]
			}
		}
		if next <= i {
			next = i + 1
		}
		k := strings.IndexByte(s[next:], '@')
		if k < 0 {
			break
		}
		i = next + k
	}
	if last == 0 {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}

func isEmailLocal(c byte) bool {
	return isWordByte(c) || c == '.' || c == '%' || c == '+' || c == '-'
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// AuthorKey is the keyed hash of a vendor's author id; empty authors have no key.
func (r *Redactor) AuthorKey(source, author string) *string {
	if author == "" {
		return nil
	}
	m := r.getMAC()
	defer r.macs.Put(m)
	return m.key(source, author)
}

// authorMAC is an HMAC keyed with the Redactor's Key and a buffer for its input.
type authorMAC struct {
	h   hash.Hash
	buf []byte
}

func (r *Redactor) getMAC() *authorMAC {
	if m, ok := r.macs.Get().(*authorMAC); ok {
		return m
	}
	return &authorMAC{h: hmac.New(sha256.New, r.Key)}
}

func (m *authorMAC) key(source, author string) *string {
	m.buf = append(append(append(m.buf[:0], source...), 0), author...)
	m.h.Reset()
	m.h.Write(m.buf)
	var sum [sha256.Size]byte
	key := hex.EncodeToString(m.h.Sum(sum[:0])[:16])
	return &key
}

// Feedback returns an item's feedback row redacted and with its author hashed, ready to
// store: what Apply does to each item, for records that come one at a time from Stream.
func (r *Redactor) Feedback(it *Item) table.Feedback {
	f := it.Feedback
	f.Text = r.Text(f.Text)
	f.AuthorKey = nil
	if it.Author != "" {
		m := r.getMAC()
		f.AuthorKey = m.key(f.Source, it.Author)
		r.macs.Put(m)
	}
	return f
}

// Answer redacts a survey answer's text in place.
func (r *Redactor) Answer(a *table.SurveyAnswer) {
	a.AnswerText = r.Text(a.AnswerText)
}

// Bad redacts what bad records quote of their input, in place.
func (r *Redactor) Bad(bad []Bad) {
	for i := range bad {
		bad[i].Raw = r.Text(bad[i].Raw)
		bad[i].Detail = r.Text(bad[i].Detail)
	}
}

// Apply redacts a parsed batch in place and returns its feedback rows, ready to store.
func (r *Redactor) Apply(b *Batch) []table.Feedback {
	out := make([]table.Feedback, len(b.Items))
	m := r.getMAC()
	defer r.macs.Put(m)
	for i := range b.Items {
		it := &b.Items[i]
		f := &out[i]
		*f = it.Feedback
		f.Text = r.Text(f.Text)
		f.AuthorKey = nil
		if it.Author != "" {
			f.AuthorKey = m.key(f.Source, it.Author)
		}
	}
	for i := range b.Answers {
		b.Answers[i].AnswerText = r.Text(b.Answers[i].AnswerText)
	}
	for i := range b.Bad {
		b.Bad[i].Raw = r.Text(b.Bad[i].Raw)
		b.Bad[i].Detail = r.Text(b.Bad[i].Detail)
	}
	return out
}

// cardGrouping says whether a number is written as cards are: in one run, in fours, or 4-6-5
// (American Express); ISBNs and other Luhn-valid codes are grouped otherwise.
func cardGrouping(s string) bool {
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' })
	if len(groups) == 1 {
		return true
	}
	if len(groups) == 3 && len(groups[0]) == 4 && len(groups[1]) == 6 && len(groups[2]) >= 4 {
		return true
	}
	for i, g := range groups {
		if len(g) != 4 && (i != len(groups)-1 || len(g) > 4) {
			return false
		}
	}
	return true
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
