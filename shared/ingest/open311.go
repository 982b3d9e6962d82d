package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

type open311Request struct {
	ID                flexString `json:"service_request_id"`
	Token             flexString `json:"token"`
	Status            string     `json:"status"`
	ServiceName       string     `json:"service_name"`
	ServiceCode       flexString `json:"service_code"`
	Description       string     `json:"description"`
	RequestedDatetime string     `json:"requested_datetime"`
	UpdatedDatetime   string     `json:"updated_datetime"`
	ClosedDatetime    string     `json:"closed_datetime"` // not in GeoReport v2, but some servers add it
	Address           string     `json:"address"`
	Lat               flexFloat  `json:"lat"`
	Long              flexFloat  `json:"long"`
	MediaURL          string     `json:"media_url"`
}

// ParseOpen311 reads GeoReport v2 requests.json: an array of service requests (or several,
// one per line, or {"service_requests": [...]}). The description is the text; a request
// without one keeps its service name as text, so that it still counts for time to close. A
// closed request's closed_at is its closed_datetime if the server gives one, else its
// updated_datetime. The street address is not stored (lat/long are): it is personal data
// for a request made about one's own home.
func ParseOpen311(r io.Reader, name string, opts Options) (*Batch, error) {
	b := opts.batch(nil)
	if err := eachJSON(r, name, b, func(n, line int, v json.RawMessage) {
		path := fmt.Sprintf("$[%d]", n)
		var wrapped struct {
			Requests json.RawMessage `json:"service_requests"`
		}
		if s := strings.TrimSpace(string(v)); strings.HasPrefix(s, "{") {
			if json.Unmarshal(v, &wrapped) == nil && wrapped.Requests != nil {
				v, path = wrapped.Requests, path+".service_requests"
			} else {
				v = json.RawMessage("[" + s + "]") // a single request
			}
		}
		var reqs []json.RawMessage
		if err := json.Unmarshal(v, &reqs); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "not a request list", Detail: err.Error(), Raw: truncate(string(v), 2000)})
			return
		}
		for i, rq := range reqs {
			open311Row(b, name, line, fmt.Sprintf("%s[%d]", path, i), rq, opts)
		}
	}); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

func open311Row(b *Batch, name string, line int, path string, d json.RawMessage, opts Options) {
	bad := func(field, reason, detail string) {
		b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Field: field, Reason: reason,
			Detail: detail, Raw: truncate(string(d), 2000)})
	}
	var q open311Request
	if err := json.Unmarshal(d, &q); err != nil {
		bad(fieldError(err), "malformed request", err.Error())
		return
	}
	id := strings.TrimSpace(string(q.ID))
	if id == "" {
		bad("service_request_id", "missing id", "")
		return
	}
	created, err := parseOpen311Time(q.RequestedDatetime)
	if err != nil {
		bad("requested_datetime", "bad date", err.Error())
		return
	}
	category := CleanText(q.ServiceName)
	if category == "" {
		category = CleanText(string(q.ServiceCode))
	}
	text := CleanText(stripHTML(q.Description))
	if text == "" {
		text = category
	}
	if text == "" {
		bad("description", "empty text", "no description and no service_name")
		return
	}
	src := opts.Source
	f := table.Feedback{Source: src.ID, Month: table.Month(created, opts.Location),
		ID: RecordID(src.ID, id), Channel: table.ChannelServiceRequest, NativeID: id,
		CreatedAt: created.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: text}
	if category != "" {
		f.ServiceCategory = ptr(category)
	}
	status := strings.ToLower(strings.TrimSpace(q.Status))
	if status != "" {
		f.Status = ptr(status)
	}
	if status == "closed" {
		field, v := "closed_datetime", q.ClosedDatetime
		if strings.TrimSpace(v) == "" {
			field, v = "updated_datetime", q.UpdatedDatetime
		}
		if strings.TrimSpace(v) != "" {
			t, err := parseOpen311Time(v)
			if err != nil {
				bad(field, "bad date", err.Error())
				return
			}
			f.ClosedAt = ptr(t.UTC())
		}
	}
	if q.Lat.ok && q.Long.ok {
		if !validLatLon(q.Lat.v, q.Long.v) {
			bad("lat", "bad coordinates", fmt.Sprintf("%v, %v", q.Lat.v, q.Long.v))
			return
		}
		f.Lat, f.Lon = ptr(q.Lat.v), ptr(q.Long.v)
	}
	b.addItem(Item{Feedback: f})
}

// parseOpen311Time reads GeoReport's W3C times (2010-04-14T06:37:38-08:00), with the variants
// servers write (no colon in the zone, fractional seconds, a space for the T).
func parseOpen311Time(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.000-0700", "2006-01-02 15:04:05-07:00", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, checkDate(t)
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a W3C date-time", truncate(v, 60))
}
