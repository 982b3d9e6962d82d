package ingest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Google Forms metadata columns: never stored as answers.
var googleFormsMeta = map[string]bool{"timestamp": true, "email address": true, "score": true, "username": true}

// ParseGoogleForms reads a Google Forms CSV: one header row, Timestamp first, every field
// quoted. Responses have no id in the export, so a response's id is a hash of its row: the
// same response in a later export is the same response. A column is open-ended (its answers
// also become feedback) when its answers read as free text rather than choices.
func ParseGoogleForms(r io.Reader, name string, opts Options) (*Batch, error) {
	rows, bad, err := readCSV(r, name)
	if err != nil {
		return nil, err
	}
	b := opts.batch(bad)
	if len(rows) < 1 {
		return nil, fmt.Errorf("parse %s: header row: file ends before it", name)
	}
	h := header(rows[0].fields)
	if !strings.EqualFold(first(h), "timestamp") {
		return nil, errNotExport(name, "Google Forms", fmt.Sprintf("first column is %q, want Timestamp", first(h)))
	}
	var good []csvRow
	for _, row := range rows[1:] {
		switch {
		case blankRow(row.fields):
		case len(row.fields) != len(h):
			csvBad(b, name, row, "", "ragged row", fmt.Sprintf("%d fields, header has %d", len(row.fields), len(h)))
		default:
			good = append(good, row)
		}
	}
	cols := make([]surveyColumn, len(h))
	for i, q := range h {
		if googleFormsMeta[strings.ToLower(q)] || q == "" {
			continue
		}
		answers := make([]string, 0, len(good))
		for _, row := range good {
			answers = append(answers, row.fields[i])
		}
		cols[i] = surveyColumn{question: q, questionID: QuestionID(q, opts.Source.Questions), openEnded: looksOpenEnded(answers)}
	}
	for _, row := range good {
		when, err := parseZonedTime(row.fields[0], opts.Location)
		if err != nil {
			csvBad(b, name, row, h[0], "bad date", err.Error())
			continue
		}
		emitSurveyRow(b, opts, cols, row.fields, surveyResponse{id: rowID(row.fields), when: when,
			district: districtOf(opts, cols, row.fields), line: row.line})
	}
	return b, nil
}

// US and common zone abbreviations as Google Forms and spreadsheets write them. Go's time
// package does not know abbreviations outside the location given, so they are mapped here.
var zoneAbbrev = map[string]int{
	"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
	"PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "HDT": -9, "AST": -4, "ADT": -3,
	"NST": -3, "BST": 1, "IST": 1, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
	"AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}

var localLayouts = []string{
	"2006/01/02 3:04:05 PM", "2006/01/02 3:04:05 pm", "2006/01/02 15:04:05", "1/2/2006 15:04:05",
	"1/2/2006 3:04:05 PM", "1/2/2006 15:04", "1/2/2006 3:04 PM", "01/02/2006 03:04:05 PM",
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.000",
	"2006-01-02", "1/2/2006", "02.01.2006 15:04:05", "02.01.2006 15:04",
}

// parseZonedTime reads a spreadsheet time: RFC 3339, or a local layout followed by an
// optional zone (an abbreviation like MDT, GMT-6, GMT+05:30, or -0600); without a zone the
// time is in loc.
func parseZonedTime(v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, checkDate(t)
	}
	in := loc
	if i := strings.LastIndexByte(v, ' '); i > 0 {
		if z, ok := zoneOffset(v[i+1:]); ok {
			in, v = time.FixedZone(v[i+1:], z), strings.TrimSpace(v[:i])
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, v, in); err == nil {
			return t, checkDate(t)
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a date", v)
}

// zoneOffset reads a zone suffix as seconds east of UTC.
func zoneOffset(z string) (int, bool) {
	u := strings.ToUpper(z)
	if h, ok := zoneAbbrev[u]; ok {
		return h * 3600, true
	}
	for _, p := range []string{"GMT", "UTC", ""} {
		rest, ok := strings.CutPrefix(u, p)
		if !ok || rest == "" || (rest[0] != '+' && rest[0] != '-') {
			continue
		}
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		digits := strings.ReplaceAll(rest[1:], ":", "")
		var h, m int
		var err error
		switch {
		case len(digits) <= 2:
			h, err = strconv.Atoi(digits)
		case len(digits) == 3: // GMT+5:30, as Google Sheets writes India's zone
			h, err = strconv.Atoi(digits[:1])
			if err == nil {
				m, err = strconv.Atoi(digits[1:])
			}
		case len(digits) == 4:
			h, err = strconv.Atoi(digits[:2])
			if err == nil {
				m, err = strconv.Atoi(digits[2:])
			}
		default:
			continue
		}
		if err != nil || h > 14 || m > 59 {
			continue
		}
		return sign * (h*3600 + m*60), true
	}
	return 0, false
}
