package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
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
	"disagree": {2, 1, 5}, "strongly disagree": {1, 1, 5},
}

type smColumn struct {
	question   string // question text (header row 1, carried over for multi-column questions)
	sub        string // header row 2: "Response", "Open-Ended Response" or an option
	questionID string
	openEnded  bool
}

// ParseSurveyMonkey reads a SurveyMonkey CSV export: two header rows (question, then
// sub-answer), RespondentID first. Open-ended answers become feedback (channel survey); every
// answer becomes a survey_answers row.
func ParseSurveyMonkey(r io.Reader, name string, opts Options) (*Batch, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	cr := csv.NewReader(bytes.NewReader(DecodeText(raw)))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	h1, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("parse %s:1: header row 1: %w", name, csvErr(err))
	}
	h2, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("parse %s:2: header row 2: %w", name, csvErr(err))
	}
	if len(h1) == 0 || !strings.EqualFold(strings.TrimSpace(h1[0]), "respondentid") {
		return nil, fmt.Errorf("parse %s:1: not a SurveyMonkey export: first column is %q, want RespondentID", name, first(h1))
	}
	cols, idx := surveyMonkeyColumns(h1, h2, opts)
	b := &Batch{}
	src := opts.Source
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				b.Bad = append(b.Bad, Bad{File: name, Line: pe.StartLine, Reason: "malformed csv", Detail: pe.Err.Error()})
				continue
			}
			return b, fmt.Errorf("read %s: %w", name, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		bad := func(field, reason, detail string) {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Field: field, Reason: reason, Detail: detail,
				Raw: truncate(strings.Join(rec, ","), 2000)})
		}
		if len(rec) != len(h1) {
			bad("", "ragged row", fmt.Sprintf("%d fields, header has %d", len(rec), len(h1)))
			continue
		}
		respondent := strings.TrimSpace(rec[0])
		if respondent == "" {
			bad("RespondentID", "missing id", "")
			continue
		}
		when, field, err := surveyMonkeyTime(rec, idx, opts.Location)
		if err != nil {
			bad(field, "bad date", err.Error())
			continue
		}
		var district *string
		for i, c := range cols {
			if c.questionID != "" && src.DistrictQuestion != "" && strings.EqualFold(strings.TrimSpace(c.question), strings.TrimSpace(src.DistrictQuestion)) && opts.DistrictID != nil {
				if id, ok := opts.DistrictID(rec[i]); ok {
					district = ptr(id)
				}
			}
		}
		month := table.Month(when, opts.Location)
		for i, c := range cols {
			if c.questionID == "" {
				continue
			}
			answer := CleanText(rec[i])
			if answer == "" {
				continue
			}
			a := table.SurveyAnswer{
				Source: src.ID, Month: month,
				ResponseID: respondent, SurveyID: src.SurveyID, QuestionID: c.questionID,
				QuestionText: c.question, AnswerText: answer, District: district, Weight: 1,
				SubmittedAt: when.UTC(),
			}
			if !c.openEnded {
				if p, ok := normalizeRating(answer); ok {
					a.AnswerValue, a.ScaleMin, a.ScaleMax = ptr(p.value), ptr(p.min), ptr(p.max)
				} else if c.sub != "Response" && c.sub != "" {
					// A multiple-choice option column: the answer is the option itself.
					a.AnswerValue = ptr(1.0)
				}
			}
			b.Answers = append(b.Answers, a)
			if c.openEnded {
				native := respondent + ":" + c.questionID
				b.Items = append(b.Items, Item{Feedback: table.Feedback{
					Source: src.ID, Month: month,
					ID: RecordID(src.ID, native), Channel: table.ChannelSurvey, NativeID: native,
					CreatedAt: when.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: answer,
					District: district, SurveyID: ptr(src.SurveyID), QuestionID: ptr(c.questionID),
				}, Author: "respondent:" + respondent})
			}
		}
	}
	return b, nil
}

func surveyMonkeyColumns(h1, h2 []string, opts Options) ([]smColumn, map[string]int) {
	cols := make([]smColumn, len(h1))
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
		open := sub == "Open-Ended Response" || strings.HasPrefix(strings.ToLower(sub), "other (please specify")
		if strings.HasPrefix(strings.ToLower(sub), "other (please specify") {
			id = QuestionID(question, opts.Source.Questions) + "__other"
		}
		cols[i] = smColumn{question: question, sub: sub, questionID: id, openEnded: open}
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
				return t, map[string]string{"enddate": "EndDate", "startdate": "StartDate"}[field], nil
			}
		}
		return time.Time{}, map[string]string{"enddate": "EndDate", "startdate": "StartDate"}[field], fmt.Errorf("cannot read %q as a date", v)
	}
	return time.Time{}, "EndDate", fmt.Errorf("no StartDate or EndDate")
}

func normalizeRating(s string) (scalePoint, bool) {
	if p, ok := ratingLabels[strings.ToLower(strings.TrimSpace(s))]; ok {
		return p, true
	}
	// "0 - Not at all likely", "10 - Extremely likely", "7"
	num := s
	if i := strings.IndexAny(s, " -"); i > 0 {
		num = s[:i]
	}
	if v, err := strconv.ParseFloat(strings.TrimSpace(num), 64); err == nil && v >= 0 && v <= 10 && v == math.Trunc(v) {
		return scalePoint{v, 0, 10}, true
	}
	return scalePoint{}, false
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
