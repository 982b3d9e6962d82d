package pull

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// open311 pulls GeoReport v2 requests.json for the window since the last run (start_date,
// end_date), page by page (page, page_size: the common extension) until an empty page, or a
// page equal to the one before (a server that ignores page). The API key, if the city has
// one, is the api_key parameter as the spec has it.
func (r *run) open311() (Cursor, error) {
	next := r.cur
	start, end := r.windowStart(), r.now
	first := 1
	if r.cur.Resume != "" && !r.cur.PendingUntil.IsZero() {
		end = r.cur.PendingUntil
		first, _ = strconv.Atoi(r.cur.Resume)
		first = max(first, 1)
	}
	q := url.Values{}
	q.Set("start_date", start.Format(time.RFC3339))
	q.Set("end_date", end.Format(time.RFC3339))
	q.Set("page_size", strconv.Itoa(r.pageSize(100, 1000)))
	if r.cfg.Query != "" {
		q.Set("service_code", r.cfg.Query)
	}
	if r.secret != "" {
		q.Set("api_key", r.secret)
	}
	tag := windowTag(start, end)
	var prev []byte
	for p := first; ; p++ {
		q.Set("page", strconv.Itoa(p))
		u := r.cfg.Endpoint + "/requests.json?" + q.Encode()
		body, err := r.get(u, nil)
		if err != nil {
			return next, err
		}
		var reqs []json.RawMessage
		if err := r.decode(body, u, &reqs); err != nil {
			return next, err
		}
		if len(reqs) == 0 || bytes.Equal(body, prev) {
			break
		}
		prev = body
		if err := r.put(tag, "json", body); err != nil {
			return next, err
		}
		if r.maxPages() {
			next.Resume, next.PendingUntil = strconv.Itoa(p+1), end
			return next, nil
		}
	}
	next.Resume, next.PendingUntil, next.Until = "", time.Time{}, end
	return next, nil
}
