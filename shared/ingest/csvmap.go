package ingest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

// ParseCSV reads any CSV with one header row through the source's column mapping
// (config.CSVMapping in city.yaml): each row is one feedback record, and each mapped rating column of it
// one survey_answers row.
func ParseCSV(r io.Reader, name string, opts Options) (*Batch, error) {
	m := opts.Source.CSV
	if m == nil {
		return nil, fmt.Errorf("parse %s: source %q has no csv column mapping", name, opts.Source.ID)
	}
	rows, bad, err := readCSV(r, name)
	if err != nil {
		return nil, err
	}
	b := opts.batch(bad)
	if len(rows) < 1 {
		return nil, fmt.Errorf("parse %s: header row: file ends before it", name)
	}
	h := header(rows[0].fields)
	col := map[string]int{}
	for i, f := range h {
		if _, dup := col[strings.ToLower(f)]; !dup {
			col[strings.ToLower(f)] = i
		}
	}
	find := func(mapped string) int {
		if mapped == "" {
			return -1
		}
		if i, ok := col[strings.ToLower(strings.TrimSpace(mapped))]; ok {
			return i
		}
		return -2
	}
	c := struct{ id, created, text, author, district, lat, lon, category, status, closed, url int }{
		find(m.ID), find(m.CreatedAt), find(m.Text), find(m.Author), find(m.District), find(m.Lat),
		find(m.Lon), find(m.Category), find(m.Status), find(m.ClosedAt), find(m.URL)}
	for _, req := range []struct {
		name string
		i    int
	}{{m.ID, c.id}, {m.CreatedAt, c.created}, {m.Text, c.text}} {
		if req.i < 0 {
			return nil, fmt.Errorf("parse %s:1: mapped column %q is not in the header", name, req.name)
		}
	}
	var ratings []surveyColumn
	var ratingIdx []int
	for _, q := range m.Ratings {
		if i := find(q); i >= 0 {
			ratings = append(ratings, surveyColumn{question: h[i], questionID: QuestionID(h[i], opts.Source.Questions)})
			ratingIdx = append(ratingIdx, i)
		} else {
			return nil, fmt.Errorf("parse %s:1: mapped rating column %q is not in the header", name, q)
		}
	}
	channel := m.Channel
	if channel == "" {
		channel = table.ChannelSocial
	}
	src := opts.Source
	for _, row := range rows[1:] {
		rec := row.fields
		if blankRow(rec) {
			continue
		}
		if len(rec) != len(h) {
			csvBad(b, name, row, "", "ragged row", fmt.Sprintf("%d fields, header has %d", len(rec), len(h)))
			continue
		}
		get := func(i int) string {
			if i < 0 {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		id := get(c.id)
		if id == "" {
			csvBad(b, name, row, h[c.id], "missing id", "")
			continue
		}
		created, err := parseMappedTime(get(c.created), m.TimeLayout, opts.Location)
		if err != nil {
			csvBad(b, name, row, h[c.created], "bad date", err.Error())
			continue
		}
		text := CleanText(get(c.text))
		if text == "" && len(ratings) == 0 {
			csvBad(b, name, row, h[c.text], "empty text", "")
			continue
		}
		f := table.Feedback{Source: src.ID, Month: table.Month(created, opts.Location),
			ID: RecordID(src.ID, id), Channel: channel, NativeID: id,
			CreatedAt: created.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: text}
		if v := get(c.url); v != "" {
			f.URL = ptr(v)
		}
		if v := get(c.district); v != "" && opts.DistrictID != nil {
			if d, ok := opts.DistrictID(v); ok {
				f.District = ptr(d)
			}
		}
		if v := get(c.category); v != "" {
			f.ServiceCategory = ptr(CleanText(v))
		}
		if v := get(c.status); v != "" {
			f.Status = ptr(strings.ToLower(CleanText(v)))
		}
		if v := get(c.closed); v != "" {
			t, err := parseMappedTime(v, m.TimeLayout, opts.Location)
			if err != nil {
				csvBad(b, name, row, h[c.closed], "bad date", err.Error())
				continue
			}
			f.ClosedAt = ptr(t.UTC())
		}
		if c.lat >= 0 && c.lon >= 0 && get(c.lat) != "" {
			lat, err1 := strconv.ParseFloat(get(c.lat), 64)
			lon, err2 := strconv.ParseFloat(get(c.lon), 64)
			if err1 != nil || err2 != nil || !validLatLon(lat, lon) {
				csvBad(b, name, row, h[c.lat], "bad coordinates", fmt.Sprintf("%q, %q", get(c.lat), get(c.lon)))
				continue
			}
			f.Lat, f.Lon = ptr(lat), ptr(lon)
		}
		if text != "" {
			b.addItem(Item{Feedback: f, Author: get(c.author)})
		}
		if len(ratings) > 0 {
			cols := make([]surveyColumn, len(h))
			for k, i := range ratingIdx {
				cols[i] = ratings[k]
			}
			emitSurveyRow(b, opts, cols, rec, surveyResponse{id: id, when: created, district: f.District, line: row.line})
		}
	}
	return b, nil
}

func parseMappedTime(v, layout string, loc *time.Location) (time.Time, error) {
	if layout != "" {
		t, err := time.ParseInLocation(layout, strings.TrimSpace(v), loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("cannot read %q with layout %q", v, layout)
		}
		return t, checkDate(t)
	}
	if t, err := parseZonedTime(v, loc); err == nil || !t.IsZero() { // read, if out of range
		return t, err
	}
	if t, err := time.Parse("2006-01-02T15:04:05-0700", v); err == nil {
		return t, checkDate(t)
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a date", v)
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0)
}
