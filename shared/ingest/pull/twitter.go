package pull

import (
	"net/url"
	"strconv"
	"time"
)

// twitter pulls X API v2 recent search: newest first, pages linked by meta.next_token; the
// cursor is the newest tweet id (since_id), and the first run reaches back pull.window (at
// most the 7 days recent search keeps).
func (r *run) twitter() (Cursor, error) {
	q := url.Values{}
	q.Set("query", r.cfg.Query)
	q.Set("max_results", strconv.Itoa(r.pageSize(100, 100)))
	q.Set("tweet.fields", "created_at,author_id,public_metrics,geo")
	q.Set("expansions", "author_id")
	var tag string
	var start time.Time
	token, newest := r.cur.Resume, r.cur.Pending
	if r.cur.SinceID != "" {
		q.Set("since_id", r.cur.SinceID)
		tag = "since-" + r.cur.SinceID
	} else {
		// X refuses a start_time older than 7 days or newer than 10 s before the request.
		start = r.windowStart()
		if oldest := r.now.Add(-7*24*time.Hour + time.Minute); start.Before(oldest) {
			// A cut run's token is for its own window: once that has aged out, start afresh.
			start, token = oldest, ""
		}
		q.Set("start_time", start.Format(time.RFC3339))
		tag = windowTag(start, r.now)
	}
	next := r.cur
	for fetched := 1; ; fetched++ {
		if token != "" {
			q.Set("next_token", token)
		}
		u := r.cfg.Endpoint + "/2/tweets/search/recent?" + q.Encode()
		body, err := r.get(u, r.bearer())
		if err != nil {
			return next, err
		}
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Meta struct {
				NewestID  string `json:"newest_id"`
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		if err := r.decode(body, u, &page); err != nil {
			return next, err
		}
		if len(page.Data) > 0 {
			if err := r.put(tag, "json", body); err != nil {
				return next, err
			}
		}
		newest = maxID(newest, page.Meta.NewestID)
		for _, t := range page.Data {
			newest = maxID(newest, t.ID)
		}
		token = page.Meta.NextToken
		if token == "" {
			break
		}
		// Empty pages that still give a next_token are not stored: count them too, or a
		// vendor that sends them forever holds the run forever.
		if r.maxPages() || fetched >= r.cfg.MaxPages {
			next.Resume, next.Pending = token, newest
			if next.SinceID == "" {
				// The resumed run must ask for the same window, or X rejects the token.
				next.Until = start
			}
			return next, nil
		}
	}
	next.Resume, next.Pending = "", ""
	if newest != "" {
		next.SinceID = newest
	}
	return next, nil
}

// maxID is the larger of two decimal ids (snowflakes), "" being the smallest.
func maxID(a, b string) string {
	if len(a) != len(b) {
		if len(a) > len(b) {
			return a
		}
		return b
	}
	if a > b {
		return a
	}
	return b
}
