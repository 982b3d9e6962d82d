package ingest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// SurveyMonkey exports begin with respondent metadata columns, then one column per question
// (or several, one per option, for a multiple-choice or matrix question).
var surveyMonkeyMeta = map[string]bool{
	"respondentid": true, "collectorid": true, "startdate": true, "enddate": true,
	"ip address": true, "email address": true, "first name": true, "last name": true,
	"custom data": true, "custom data 1": true,
}

var surveyMonkeyTimeLayouts = []string{
	"01/02/2006 03:04:05 PM", "1/2/2006 3:04:05 PM", "01/02/2006 15:04:05", "1/2/2006 15:04",
	"2006-01-02 15:04:05", "2006-01-02T15:04:05",
}

// Rating labels that normalize to numbers, with their scale.
type scalePoint struct{ value, min, max float64 }

var ratingLabels = map[string]scalePoint{
	"very satisfied": {5, 1, 5}, "satisfied": {4, 1, 5}, "somewhat satisfied": {4, 1, 5},
	"neither satisfied nor dissatisfied": {3, 1, 5}, "neutral": {3, 1, 5},
	"somewhat dissatisfied": {2, 1, 5}, "dissatisfied": {2, 1, 5}, "very dissatisfied": {1, 1, 5},
	"excellent": {5, 1, 5}, "very good": {4, 1, 5}, "good": {3, 1, 5}, "fair": {2, 1, 5}, "poor": {1, 1, 5},
	"strongly agree": {5, 1, 5}, "agree": {4, 1, 5}, "neither agree nor disagree": {3, 1, 5},
	"somewhat agree": {4, 1, 5}, "somewhat disagree": {2, 1, 5},
	"disagree": {2, 1, 5}, "strongly disagree": {1, 1, 5},
	"extremely satisfied": {5, 1, 5}, "extremely dissatisfied": {1, 1, 5}, "very poor": {1, 1, 5},
	"average": {3, 1, 5}, "very likely": {5, 1, 5}, "likely": {4, 1, 5}, "unlikely": {2, 1, 5},
	"very unlikely": {1, 1, 5}, "neither likely nor unlikely": {3, 1, 5},
	"extremely likely": {10, 0, 10}, "not at all likely": {0, 0, 10},
}

// ParseSurveyMonkey reads a SurveyMonkey CSV export: two header rows (question, then
// sub-answer), RespondentID first. Open-ended answers (and "Other (please specify)" text)
// become feedback (channel survey); every answer becomes a survey_answers row.
//
// Exports made without the StartDate/EndDate columns (a choice in SurveyMonkey's export
// dialog) carry no time at all: their rows are dated at Options.IngestedAt, which is when the
// city had them, rather than quarantined. A row whose date column exists but cannot be read is
// quarantined.
func ParseSurveyMonkey(r io.Reader, name string, opts Options) (*Batch, error) {
	// Rows are taken as the CSV reader gives them, not held: a big export's rows would cost
	// several times its bytes. The malformed rows the reader skips come first in Bad, as they
	// did when the whole file was read before any row was looked at.
	b := opts.batch(nil)
	var h1, h2 []string
	var cols []surveyColumn
	var idx map[string]int
	var hasEnd, hasStart bool
	var notExport error
	headers := 0
	csvBadRows, err := eachCSVRow(r, name, func(row csvRow) bool {
		switch headers {
		case 0:
			h1, headers = header(row.fields), 1
			return true
		case 1:
			h2, headers = header(row.fields), 2
			if len(h1) == 0 || !strings.EqualFold(h1[0], "respondentid") {
				notExport = errNotExport(name, "SurveyMonkey", fmt.Sprintf("first column is %q, want RespondentID", first(h1)))
				return false
			}
			cols, idx = surveyMonkeyColumns(h1, h2, opts)
			_, hasEnd = idx["enddate"]
			_, hasStart = idx["startdate"]
			return true
		}
		rec := row.fields
		if blankRow(rec) {
			return true
		}
		if len(rec) != len(h1) {
			csvBad(b, name, row, "", "ragged row", fmt.Sprintf("%d fields, header has %d", len(rec), len(h1)))
			return true
		}
		respondent := strings.TrimSpace(rec[0])
		if respondent == "" {
			csvBad(b, name, row, "RespondentID", "missing id", "")
			return true
		}
		when := opts.IngestedAt
		if hasEnd || hasStart {
			t, field, err := surveyMonkeyTime(rec, idx, opts.Location)
			if err != nil {
				csvBad(b, name, row, field, "bad date", err.Error())
				return true
			}
			when = t
		}
		emitSurveyRow(b, opts, cols, rec, surveyResponse{id: respondent, when: when,
			district: districtOf(opts, cols, rec), line: row.line})
		return true
	})
	if err != nil {
		return nil, err
	}
	if headers < 2 {
		return nil, fmt.Errorf("parse %s: header rows: file ends before them", name)
	}
	if notExport != nil {
		return nil, notExport
	}
	if len(csvBadRows) > 0 {
		b.Bad = append(csvBadRows, b.Bad...)
	}
	return b, nil
}

func surveyMonkeyColumns(h1, h2 []string, opts Options) ([]surveyColumn, map[string]int) {
	cols := make([]surveyColumn, len(h1))
	idx := map[string]int{}
	question := ""
	inMeta := true
	for i, h := range h1 {
		h = CleanText(h)
		sub := ""
		if i < len(h2) {
			sub = CleanText(h2[i])
		}
		if h != "" {
			question = h
			inMeta = surveyMonkeyMeta[strings.ToLower(h)]
			if inMeta {
				idx[strings.ToLower(h)] = i
			}
		}
		if inMeta || question == "" {
			continue
		}
		id := QuestionID(question, opts.Source.Questions)
		// Several columns of one question: one id per option.
		multi := sub != "" && sub != "Response" && sub != "Open-Ended Response" &&
			((i+1 < len(h1) && strings.TrimSpace(h1[i+1]) == "") || h == "")
		if multi {
			id += "__" + Slug(sub, 6)
		}
		other := strings.HasPrefix(strings.ToLower(sub), "other (please specify")
		open := sub == "Open-Ended Response" || other
		if other {
			id = QuestionID(question, opts.Source.Questions) + "__other"
		}
		cols[i] = surveyColumn{question: question, sub: sub, questionID: id, openEnded: open, option: multi && !other}
	}
	return cols, idx
}

func surveyMonkeyTime(rec []string, idx map[string]int, loc *time.Location) (time.Time, string, error) {
	for _, field := range []string{"enddate", "startdate"} {
		i, ok := idx[field]
		if !ok || strings.TrimSpace(rec[i]) == "" {
			continue
		}
		v := strings.TrimSpace(rec[i])
		for _, layout := range surveyMonkeyTimeLayouts {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				return t, map[string]string{"enddate": "EndDate", "startdate": "StartDate"}[field], checkDate(t)
			}
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil { // a file re-saved by a tool that writes zones
			return t, map[string]string{"enddate": "EndDate", "startdate": "StartDate"}[field], checkDate(t)
		}
		return time.Time{}, map[string]string{"enddate": "EndDate", "startdate": "StartDate"}[field], fmt.Errorf("cannot read %q as a date", v)
	}
	return time.Time{}, "EndDate", fmt.Errorf("no StartDate or EndDate")
}

// normalizeRating reads a rating answer as a number with its scale: a label ("Very
// satisfied", "Excellent", "Strongly agree"), "9 - Very likely", or a bare number whose scale
// the question states ("0 to 10", "1-5") or implies (likely to recommend: 0-10). A bare number
// on a question with no scale gets a value and no scale.
func normalizeRating(s, question string) (rating, bool) {
	l := strings.ToLower(strings.TrimSpace(s))
	if p, ok := ratingLabels[l]; ok {
		return rating{p.value, ptr(p.min), ptr(p.max)}, true
	}
	num, label, hasLabel := strings.Cut(l, " - ")
	if !hasLabel {
		num = l
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v != math.Trunc(v) || v < 0 || v > 10 {
		return rating{}, false
	}
	if p, ok := ratingLabels[strings.TrimSpace(label)]; ok && hasLabel && p.min <= v && v <= p.max {
		return rating{v, ptr(p.min), ptr(p.max)}, true
	}
	q := strings.ToLower(question + " " + label)
	for _, sc := range numericScales {
		if strings.Contains(q, sc.text) && sc.min <= v && v <= sc.max {
			return rating{v, ptr(sc.min), ptr(sc.max)}, true
		}
	}
	if hasLabel || strings.Contains(q, "likely") || strings.Contains(q, "recommend") {
		return rating{v, ptr(0.0), ptr(10.0)}, true
	}
	return rating{value: v}, true
}

type rating struct {
	value    float64
	min, max *float64
}

var numericScales = []struct {
	text     string
	min, max float64
}{
	{"0 to 10", 0, 10}, {"0-10", 0, 10}, {"0 - 10", 0, 10}, {"1 to 10", 1, 10}, {"1-10", 1, 10},
	{"1 to 5", 1, 5}, {"1-5", 1, 5}, {"1 - 5", 1, 5}, {"1 to 7", 1, 7}, {"1-7", 1, 7},
}

// QuestionID returns the stable id of a survey question: the configured id whose text the
// question starts with, or else a slug of the question's first words.
func QuestionID(question string, configured map[string]string) string {
	q := strings.ToLower(strings.TrimSpace(question))
	best, bestLen := "", 0
	for id, prefix := range configured {
		p := strings.ToLower(strings.TrimSpace(prefix))
		if p != "" && strings.HasPrefix(q, p) && (len(p) > bestLen || (len(p) == bestLen && id < best)) {
			best, bestLen = id, len(p)
		}
	}
	if best != "" {
		return best
	}
	return Slug(question, 8)
}

// Slug joins the first n words of s, lower-cased letters and digits only, with underscores.
func Slug(s string, n int) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if len(words) > n {
		words = words[:n]
	}
	if len(words) == 0 {
		return "q"
	}
	return strings.Join(words, "_")
}

func csvErr(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("file ends before it")
	}
	return err
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
