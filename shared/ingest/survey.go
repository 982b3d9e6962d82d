package ingest

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

// surveyColumn is one answer column of a survey export.
type surveyColumn struct {
	question   string // question text as exported
	sub        string // option or sub-question, for questions spread over several columns
	questionID string // empty for metadata columns
	openEnded  bool   // free text: the answer also becomes feedback
	option     bool   // a multiple-choice option column: a non-empty answer means "chosen"
}

// surveyResponse is one respondent's row, ready to become answers and feedback.
type surveyResponse struct {
	id       string
	when     time.Time
	district *string
	line     int
}

// csvRows reads every record of a CSV export after decoding its text, whatever its shape: the
// caller checks widths. Records that the CSV reader rejects become Bad.
type csvRow struct {
	line   int
	fields []string
}

func readCSV(r io.Reader, name string) (rows []csvRow, bad []Bad, err error) {
	bad, err = eachCSVRow(r, name, func(row csvRow) bool {
		rows = append(rows, row)
		return true
	})
	return rows, bad, err
}

// eachCSVRow calls fn with the rows of a CSV file in order, one at a time, until fn returns
// false, and returns the malformed rows it skipped. The file is read as it goes (textReader),
// never whole; the error is for a file that could not be read.
func eachCSVRow(r io.Reader, name string, fn func(csvRow) bool) (bad []Bad, err error) {
	cr := csv.NewReader(textReader(r))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return bad, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) { // the reader's own errors; a failed read is returned as it is
				bad = append(bad, Bad{File: name, Line: pe.StartLine, Reason: "malformed csv", Detail: pe.Err.Error()})
				continue
			}
			return bad, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if !fn(csvRow{line: line, fields: rec}) {
			return bad, nil
		}
	}
}

func blankRow(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// emitSurveyRow turns one response into survey_answers rows and, for open-ended answers,
// feedback rows with channel survey.
func emitSurveyRow(b *Batch, opts Options, cols []surveyColumn, rec []string, resp surveyResponse) {
	src := opts.Source
	surveyID := src.SurveyID
	if surveyID == "" {
		surveyID = src.ID
	}
	month := table.Month(resp.when, opts.Location)
	for i, c := range cols {
		if c.questionID == "" || i >= len(rec) {
			continue
		}
		answer := CleanText(rec[i])
		if answer == "" {
			continue
		}
		a := table.SurveyAnswer{
			Source: src.ID, Month: month,
			ResponseID: resp.id, SurveyID: surveyID, QuestionID: c.questionID,
			QuestionText: c.question, AnswerText: answer, District: resp.district, Weight: 1,
			SubmittedAt: resp.when.UTC(),
		}
		if !c.openEnded {
			if p, ok := normalizeRating(answer, c.question); ok {
				a.AnswerValue, a.ScaleMin, a.ScaleMax = ptr(p.value), p.min, p.max
			} else if c.option {
				a.AnswerValue = ptr(1.0) // the answer is the option itself
			}
		}
		b.addAnswer(a)
		if c.openEnded {
			native := resp.id + ":" + c.questionID
			b.addItem(Item{Feedback: table.Feedback{
				Source: src.ID, Month: month,
				ID: RecordID(src.ID, native), Channel: table.ChannelSurvey, NativeID: native,
				CreatedAt: resp.when.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: answer,
				District: resp.district, SurveyID: ptr(surveyID), QuestionID: ptr(c.questionID),
			}, Author: "respondent:" + resp.id})
		}
	}
}

// districtOf finds the respondent's district from the configured district question.
func districtOf(opts Options, cols []surveyColumn, rec []string) *string {
	q := strings.TrimSpace(opts.Source.DistrictQuestion)
	if q == "" || opts.DistrictID == nil {
		return nil
	}
	for i, c := range cols {
		if c.questionID != "" && i < len(rec) && (strings.EqualFold(strings.TrimSpace(c.question), q) || c.questionID == q) {
			if id, ok := opts.DistrictID(strings.TrimSpace(rec[i])); ok {
				return ptr(id)
			}
		}
	}
	return nil
}

// rowID is a stable response id for exports that have none (Google Forms): a hash of the
// whole row, so the same response exported twice has the same id.
func rowID(rec []string) string {
	h := sha256.New()
	for _, f := range rec {
		h.Write([]byte(strings.TrimSpace(f)))
		h.Write([]byte{0})
	}
	return "r" + hex.EncodeToString(h.Sum(nil)[:8])
}

// looksOpenEnded says whether a column's answers are free text rather than choices: some
// answer is long, and the answers are not all rating labels.
func looksOpenEnded(answers []string) bool {
	long := false
	for _, a := range answers {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if _, ok := normalizeRating(a, ""); ok {
			continue
		}
		if len(a) >= 40 || len(strings.Fields(a)) >= 7 {
			long = true
		}
	}
	return long
}

func csvBad(b *Batch, name string, row csvRow, field, reason, detail string) {
	b.Bad = append(b.Bad, Bad{File: name, Line: row.line, Field: field, Reason: reason, Detail: detail,
		Raw: truncate(strings.Join(row.fields, ","), 2000)})
}

func header(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = CleanText(f)
	}
	return out
}

func errNotExport(name, vendor, detail string) error {
	return fmt.Errorf("parse %s: not a %s export: %s", name, vendor, detail)
}
