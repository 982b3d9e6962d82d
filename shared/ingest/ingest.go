// Package ingest parses vendors' exports of resident feedback into the lake's tables, redacts
// personal data from the text, and sets aside bad records with a reason that names the file,
// line and field.
//
// Parsers read an io.Reader and know nothing of where the bytes came from; transport (a file
// dropped in the inbox, an API pull) is the caller's. Parse returns a file's records at once;
// Stream hands them on one by one as they are parsed, so that an export of any length is
// ingested in memory that does not grow with it. One bad record never sinks a batch: it
// becomes a Bad entry and the good records go on; a JSON page cut short keeps the records that
// are whole before the break.
//
// Formats (config.Formats): surveymonkey, qualtrics (current and legacy) and googleforms
// CSV exports, and csv through a column mapping, give survey_answers in long form with rating
// labels normalized, and their open-ended answers as feedback with channel survey; twitter
// (X v2), reddit (listings and comment trees) and facebook (Graph pages of posts and
// comments) give social feedback; open311 (GeoReport v2 requests.json) gives service requests.
// Every input is decoded from UTF-8 (with or without a BOM), UTF-16 or Windows-1252 and
// normalized to NFC.
package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Bad is a record that could not be ingested, with where and why.
type Bad struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`   // 1-based line of the record, when the format has lines
	Path   string `json:"path,omitempty"`   // JSON path of the record, for JSON formats
	Field  string `json:"field,omitempty"`  // the field at fault, if one is
	Reason string `json:"reason"`           // a short, countable reason: "ragged row", "bad date", ...
	Detail string `json:"detail,omitempty"` // what was found
	Raw    string `json:"raw,omitempty"`    // the record as it was, truncated; only ever stored in quarantine/
}

func (b Bad) Error() string {
	var at strings.Builder
	at.WriteString(b.File)
	if b.Line > 0 {
		fmt.Fprintf(&at, ":%d", b.Line)
	}
	if b.Path != "" {
		fmt.Fprintf(&at, " %s", b.Path)
	}
	if b.Field != "" {
		fmt.Fprintf(&at, " field %q", b.Field)
	}
	msg := at.String() + ": " + b.Reason
	if b.Detail != "" {
		msg += ": " + b.Detail
	}
	return msg
}

// Item is one parsed piece of feedback before redaction: Author is the vendor's author id,
// which never leaves this package unhashed.
type Item struct {
	Feedback table.Feedback
	Author   string
}

// Batch is what a parser made of one file. A Batch made by Stream holds only Bad: its
// records went to the caller as they were made.
type Batch struct {
	Items   []Item
	Answers []table.SurveyAnswer
	Bad     []Bad

	onItem   func(*Item)               // Stream's receiver of items; nil keeps them in Items
	onAnswer func(*table.SurveyAnswer) // and of answers
	item     Item                      // what onItem is handed: one for all saves an allocation each
	answer   table.SurveyAnswer
}

// addItem keeps a parsed item, or hands it to Stream's caller.
func (b *Batch) addItem(it Item) {
	if b.onItem != nil {
		b.item = it
		b.onItem(&b.item)
		b.item = Item{}
		return
	}
	b.Items = append(b.Items, it)
}

// addAnswer keeps a parsed survey answer, or hands it to Stream's caller.
func (b *Batch) addAnswer(a table.SurveyAnswer) {
	if b.onAnswer != nil {
		b.answer = a
		b.onAnswer(&b.answer)
		b.answer = table.SurveyAnswer{}
		return
	}
	b.Answers = append(b.Answers, a)
}

// streaming says whether records go to Stream's caller rather than into the Batch.
func (b *Batch) streaming() bool { return b.onItem != nil }

// Options are what a parser needs besides the bytes.
type Options struct {
	Source config.Source
	// Location is the city's time zone: vendors that write local times without a zone
	// (SurveyMonkey) are read in it.
	Location *time.Location
	// DistrictID resolves a district as residents write it; nil leaves districts empty.
	DistrictID func(string) (string, bool)
	// IngestedAt is stamped on every row.
	IngestedAt time.Time

	onItem   func(*Item) // set by Stream
	onAnswer func(*table.SurveyAnswer)
}

// batch is a parser's Batch: it hands records to Stream's caller when there is one.
func (o *Options) batch(bad []Bad) *Batch {
	return &Batch{Bad: bad, onItem: o.onItem, onAnswer: o.onAnswer}
}

// ErrEmptyFile is returned by Parse for an export with nothing in it but white space: nothing
// is lost, but the caller should say so (an export that came out empty is usually a fault).
var ErrEmptyFile = errors.New("empty file")

// Parse reads one export in the source's format; name is the file name used in messages.
// The error is for a file that cannot be read at all; record-level problems are in Batch.Bad.
func Parse(r io.Reader, name string, opts Options) (*Batch, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	var raw []byte
	var err error
	if l, ok := r.(interface{ Len() int }); ok {
		// A reader over bytes says how many: read them in one go, not by doubling a buffer.
		buf := bytes.NewBuffer(make([]byte, 0, l.Len()+bytes.MinRead))
		_, err = buf.ReadFrom(r)
		raw = buf.Bytes()
	} else {
		raw, err = io.ReadAll(r)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !plainStart(raw) && len(bytes.TrimSpace(DecodeText(raw))) == 0 {
		return nil, fmt.Errorf("parse %s: %w (%d bytes)", name, ErrEmptyFile, len(raw))
	}
	r = heldReader{bytes.NewReader(raw), raw}
	switch opts.Source.Format {
	case "surveymonkey":
		return ParseSurveyMonkey(r, name, opts)
	case "qualtrics":
		return ParseQualtrics(r, name, opts)
	case "googleforms":
		return ParseGoogleForms(r, name, opts)
	case "csv":
		return ParseCSV(r, name, opts)
	case "twitter":
		return ParseTwitter(r, name, opts)
	case "reddit":
		return ParseReddit(r, name, opts)
	case "facebook":
		return ParseFacebook(r, name, opts)
	case "open311":
		return ParseOpen311(r, name, opts)
	default:
		return nil, fmt.Errorf("parse %s: unknown format %q", name, opts.Source.Format)
	}
}

// Stream parses one export as Parse does, but hands each feedback item and survey answer to
// item and answer as it is made, instead of keeping them: the Batch it returns holds only
// the bad records. Exports are read as they come, so memory does not grow with the file: JSON
// exports (twitter, reddit, facebook, open311) a run of pages at a time, CSV exports a buffer
// at a time. A file that starts with a byte-order mark or is UTF-16 is read whole (and so is
// a JSON export that is one top-level array). Records come in the order Parse gives them. The
// pointers are valid only during the call.
func Stream(r io.Reader, name string, opts Options, item func(*Item), answer func(*table.SurveyAnswer)) (*Batch, error) {
	if item == nil {
		item = func(*Item) {}
	}
	if answer == nil {
		answer = func(*table.SurveyAnswer) {}
	}
	opts.onItem, opts.onAnswer = item, answer
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	parse := map[string]func(io.Reader, string, Options) (*Batch, error){
		"twitter": ParseTwitter, "reddit": ParseReddit, "facebook": ParseFacebook, "open311": ParseOpen311,
		"surveymonkey": ParseSurveyMonkey, "qualtrics": ParseQualtrics, "googleforms": ParseGoogleForms, "csv": ParseCSV,
	}[opts.Source.Format]
	if parse != nil {
		br := bufio.NewReaderSize(r, 64<<10)
		if head, _ := br.Peek(512); plainStart(head) {
			return parse(br, name, opts)
		}
		r = br
	}
	return Parse(r, name, opts)
}

// plainStart says whether raw, read as DecodeText reads it, surely holds more than white
// space: it is not UTF-16 and its first byte that is not ASCII space is printable ASCII.
// It spares a pass of DecodeText over the whole file.
func plainStart(raw []byte) bool {
	if len(raw) < 4 || raw[0] >= 0x80 || raw[0] == 0 || raw[1] == 0 {
		return false
	}
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			continue
		}
		return c > 0x20 && c < 0x7F
	}
	return false
}

// heldReader is a reader over bytes that Parse has already read whole: the JSON parsers
// take them as they are rather than copy the file a second time.
type heldReader struct {
	*bytes.Reader
	b []byte
}

// RecordID is the stable id of a record: the same source and native id always give the same
// id, so a record exported twice is one row.
func RecordID(source, nativeID string) string {
	var buf [128]byte
	h := sha256.Sum256(append(append(append(buf[:0], source...), 0), nativeID...))
	return hex.EncodeToString(h[:12])
}

func ptr[T any](v T) *T { return &v }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
