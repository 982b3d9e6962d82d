package pull

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// surveyMonkey pulls SurveyMonkey v3 bulk responses modified in the window since the last
// run (/v3/surveys/{id}/responses/bulk, start_modified_at, page/per_page, links.next). The
// file ingest reads SurveyMonkey's CSV export, so each page is written in that shape (two
// header rows, RespondentID first) with the question and choice texts of the survey's details
// (/v3/surveys/{id}/details), which the bulk JSON refers to only by id.
func (r *run) surveyMonkey() (Cursor, error) {
	next := r.cur
	start, end := r.windowStart(), r.now
	first := 1
	if r.cur.Resume != "" && !r.cur.PendingUntil.IsZero() {
		end = r.cur.PendingUntil
		first, _ = strconv.Atoi(r.cur.Resume)
		first = max(first, 1)
	}
	base := r.cfg.Endpoint + "/v3/surveys/" + url.PathEscape(r.cfg.Query)
	body, err := r.get(base+"/details", r.bearer())
	if err != nil {
		return next, err
	}
	var details smDetails
	if err := r.decode(body, base+"/details", &details); err != nil {
		return next, err
	}
	const layout = "2006-01-02T15:04:05"
	q := url.Values{}
	q.Set("per_page", strconv.Itoa(r.pageSize(100, 100)))
	q.Set("start_modified_at", start.UTC().Format(layout))
	q.Set("end_modified_at", end.UTC().Format(layout))
	q.Set("sort_by", "date_modified")
	q.Set("sort_order", "ASC")
	tag := windowTag(start, end)
	for p := first; ; p++ {
		q.Set("page", strconv.Itoa(p))
		u := base + "/responses/bulk?" + q.Encode()
		body, err := r.get(u, r.bearer())
		if err != nil {
			return next, err
		}
		var page smBulk
		if err := r.decode(body, u, &page); err != nil {
			return next, err
		}
		if len(page.Data) == 0 {
			break
		}
		csvPage, err := details.csv(page, r.opts.Location)
		if err != nil {
			return next, fmt.Errorf("pull %s: %s: %w", r.src.ID, redactURL(u), err)
		}
		if err := r.put(tag, "csv", csvPage); err != nil {
			return next, err
		}
		if page.Links.Next == "" {
			break
		}
		if r.maxPages() {
			next.Resume, next.PendingUntil = strconv.Itoa(p+1), end
			return next, nil
		}
	}
	next.Resume, next.PendingUntil, next.Until = "", time.Time{}, end
	return next, nil
}

// smDetails is the part of /v3/surveys/{id}/details a CSV export's header is made from.
type smDetails struct {
	Pages []struct {
		Questions []struct {
			ID       string `json:"id"`
			Family   string `json:"family"`
			Subtype  string `json:"subtype"`
			Headings []struct {
				Heading string `json:"heading"`
			} `json:"headings"`
			Answers struct {
				Choices []smOption `json:"choices"`
				Rows    []smOption `json:"rows"`
				Other   *smOption  `json:"other"`
			} `json:"answers"`
		} `json:"questions"`
	} `json:"pages"`
}

type smOption struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// smBulk is one page of /v3/surveys/{id}/responses/bulk.
type smBulk struct {
	Data []struct {
		ID           string `json:"id"`
		CollectorID  string `json:"collector_id"`
		DateCreated  string `json:"date_created"`
		DateModified string `json:"date_modified"`
		Pages        []struct {
			Questions []struct {
				ID      string `json:"id"`
				Answers []struct {
					ChoiceID string `json:"choice_id"`
					RowID    string `json:"row_id"`
					OtherID  string `json:"other_id"`
					Text     string `json:"text"`
				} `json:"answers"`
			} `json:"questions"`
		} `json:"pages"`
	} `json:"data"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// smColumn is one CSV column: the answer to a question, or to one row or choice of it.
type smColumn struct {
	question, sub string
	rowID         string // matrix and multi-row questions: the row this column holds
	choiceID      string // multiple choice: the choice this column holds
	other         bool   // the "Other (please specify)" text
}

func (d smDetails) columns() ([]smColumn, map[string][]int) {
	var cols []smColumn
	byQuestion := map[string][]int{}
	for _, p := range d.Pages {
		for _, q := range p.Questions {
			if q.Family == "presentation" || len(q.Headings) == 0 {
				continue
			}
			h := q.Headings[0].Heading
			add := func(c smColumn) {
				if len(byQuestion[q.ID]) > 0 {
					c.question = "" // SurveyMonkey writes a question's text over its first column only
				} else {
					c.question = h
				}
				byQuestion[q.ID] = append(byQuestion[q.ID], len(cols))
				cols = append(cols, c)
			}
			switch {
			case len(q.Answers.Rows) > 0 && q.Family != "multiple_choice":
				for _, row := range q.Answers.Rows {
					add(smColumn{sub: row.Text, rowID: row.ID})
				}
			case q.Family == "multiple_choice":
				for _, c := range q.Answers.Choices {
					add(smColumn{sub: c.Text, choiceID: c.ID})
				}
			case q.Family == "open_ended":
				add(smColumn{sub: "Open-Ended Response"})
			default:
				add(smColumn{sub: "Response"})
			}
			if q.Answers.Other != nil {
				add(smColumn{sub: "Other (please specify)", other: true})
			}
		}
	}
	return cols, byQuestion
}

// csv writes a bulk page as SurveyMonkey's CSV export: RespondentID, CollectorID, StartDate,
// EndDate (local times, as the export has them), then the questions' columns.
func (d smDetails) csv(page smBulk, loc *time.Location) ([]byte, error) {
	choices := map[string]string{}
	for _, p := range d.Pages {
		for _, q := range p.Questions {
			for _, c := range q.Answers.Choices {
				choices[c.ID] = c.Text
			}
		}
	}
	cols, byQuestion := d.columns()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	h1 := []string{"RespondentID", "CollectorID", "StartDate", "EndDate"}
	h2 := []string{"", "", "", ""}
	for _, c := range cols {
		h1, h2 = append(h1, c.question), append(h2, c.sub)
	}
	w.Write(h1)
	w.Write(h2)
	for _, resp := range page.Data {
		rec := make([]string, 4+len(cols))
		rec[0], rec[1] = resp.ID, resp.CollectorID
		for i, v := range []string{resp.DateCreated, resp.DateModified} {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, fmt.Errorf("response %s: date %q: %w", resp.ID, v, err)
			}
			rec[2+i] = t.In(loc).Format("01/02/2006 03:04:05 PM")
		}
		for _, p := range resp.Pages {
			for _, q := range p.Questions {
				for _, a := range q.Answers {
					for _, ci := range byQuestion[q.ID] {
						c := cols[ci]
						var v string
						switch {
						case c.other:
							if a.OtherID != "" {
								v = a.Text
							}
						case c.rowID != "":
							if a.RowID == c.rowID {
								v = answerText(a.ChoiceID, a.Text, choices)
							}
						case c.choiceID != "":
							if a.ChoiceID == c.choiceID {
								v = choices[a.ChoiceID]
							}
						case a.OtherID == "" && a.RowID == "":
							v = answerText(a.ChoiceID, a.Text, choices)
						}
						if v != "" {
							rec[4+ci] = v
						}
					}
				}
			}
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func answerText(choiceID, text string, choices map[string]string) string {
	if choiceID != "" {
		return choices[choiceID]
	}
	return strings.TrimSpace(text)
}
