package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Qualtrics metadata columns by ImportId (current exports) or by export tag (legacy ones).
var qualtricsMeta = map[string]bool{
	"startdate": true, "enddate": true, "status": true, "ipaddress": true, "progress": true,
	"duration": true, "duration (in seconds)": true, "finished": true, "recordeddate": true,
	"_recordid": true, "responseid": true, "responseset": true, "name": true,
	"recipientlastname": true, "recipientfirstname": true, "recipientemail": true,
	"externaldatareference": true, "externalreference": true, "emailaddress": true,
	"locationlatitude": true, "locationlongitude": true, "locationaccuracy": true,
	"distributionchannel": true, "userlanguage": true,
}

var qualtricsTimeLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04",
	"1/2/2006 15:04:05", "1/2/2006 15:04", "1/2/06 15:04",
}

// ParseQualtrics reads a Qualtrics CSV export, current (three header rows: export tag,
// question text, {"ImportId":...}) or legacy (two: V1.../Q1..., then question text). Times
// are read in the city's zone, which is how Qualtrics exports them unless told otherwise.
// Text-entry columns (ImportId ending in _TEXT) become feedback as well as answers; Text iQ
// topic columns and respondent metadata (names, e-mails, IP, location) are never stored.
func ParseQualtrics(r io.Reader, name string, opts Options) (*Batch, error) {
	rows, bad, err := readCSV(r, name)
	if err != nil {
		return nil, err
	}
	b := opts.batch(bad)
	if len(rows) < 2 {
		return nil, fmt.Errorf("parse %s: header rows: file ends before them", name)
	}
	tags, texts := header(rows[0].fields), header(rows[1].fields)
	keys := make([]string, len(tags)) // ImportId, or the tag in a legacy export
	data := rows[2:]
	if len(rows) > 2 && strings.HasPrefix(strings.TrimSpace(first(rows[2].fields)), `{"ImportId"`) {
		for i, f := range rows[2].fields {
			var imp struct {
				ImportID string `json:"ImportId"`
			}
			if json.Unmarshal([]byte(f), &imp) == nil && i < len(keys) {
				keys[i] = imp.ImportID
			}
		}
		data = rows[3:]
	}
	idx := map[string]int{}
	cols := make([]surveyColumn, len(tags))
	for i, tag := range tags {
		key := tag
		if keys[i] != "" {
			key = keys[i]
		}
		lk := strings.ToLower(key)
		if legacy := legacyMeta(texts, i); !qualtricsMeta[lk] && legacy != "" {
			lk = legacy
		}
		if qualtricsMeta[lk] || qualtricsMeta[strings.ToLower(tag)] {
			if _, seen := idx[lk]; !seen {
				idx[lk] = i
			}
			if _, seen := idx[strings.ToLower(tag)]; !seen {
				idx[strings.ToLower(tag)] = i
			}
			continue
		}
		if strings.HasSuffix(lk, "topics") || strings.HasSuffix(strings.ToLower(tag), " - topics") {
			continue
		}
		question := tag
		if i < len(texts) && texts[i] != "" {
			question = texts[i]
		}
		id := QuestionID(question, opts.Source.Questions)
		if len(opts.Source.Questions) == 0 || id == Slug(question, 8) {
			id = Slug(tag, 8) // the export tag (Q1, Q2_3) is Qualtrics' own stable id
		}
		cols[i] = surveyColumn{question: question, questionID: id,
			openEnded: strings.HasSuffix(strings.ToUpper(key), "_TEXT")}
	}
	respCol := -1
	for _, k := range []string{"_recordid", "responseid"} {
		if i, ok := idx[k]; ok {
			respCol = i
			break
		}
	}
	if respCol < 0 {
		return nil, errNotExport(name, "Qualtrics", "no ResponseId column")
	}
	for _, row := range data {
		rec := row.fields
		if blankRow(rec) {
			continue
		}
		if len(rec) != len(tags) {
			csvBad(b, name, row, "", "ragged row", fmt.Sprintf("%d fields, header has %d", len(rec), len(tags)))
			continue
		}
		id := strings.TrimSpace(rec[respCol])
		if id == "" {
			csvBad(b, name, row, tags[respCol], "missing id", "")
			continue
		}
		when, field, err := qualtricsTime(rec, tags, idx, opts.Location)
		if err != nil {
			csvBad(b, name, row, field, "bad date", err.Error())
			continue
		}
		emitSurveyRow(b, opts, cols, rec, surveyResponse{id: id, when: when,
			district: districtOf(opts, cols, rec), line: row.line})
	}
	return b, nil
}

// legacyMeta returns the metadata name of a legacy export's column (V1, V2, ... whose second
// header row is ResponseID, StartDate, ...), or "".
func legacyMeta(texts []string, i int) string {
	if i >= len(texts) {
		return ""
	}
	k := strings.ToLower(strings.ReplaceAll(texts[i], " ", ""))
	if qualtricsMeta[k] {
		return k
	}
	return ""
}

func qualtricsTime(rec, tags []string, idx map[string]int, loc *time.Location) (time.Time, string, error) {
	for _, k := range []string{"recordeddate", "enddate", "startdate"} {
		i, ok := idx[k]
		if !ok {
			continue
		}
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		for _, layout := range qualtricsTimeLayouts {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				return t, tags[i], checkDate(t)
			}
		}
		return time.Time{}, tags[i], fmt.Errorf("cannot read %q as a date", v)
	}
	return time.Time{}, "RecordedDate", fmt.Errorf("no RecordedDate, EndDate or StartDate")
}
