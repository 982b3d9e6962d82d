package pull

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// reddit pulls a subreddit's new posts (/r/<sub>/new.json) and new comments
// (/r/<sub>/comments.json), newest first, following data.after down to the newest item of the
// last run (ids are base-36 and grow with time, so a deleted item does not lose the place,
// as a `before` cursor would). The first run reaches back pull.window. Reddit lists at most
// about 1,000 items, so a run cut short by pull.max_pages moves on rather than resuming.
func (r *run) reddit() (Cursor, error) {
	sub := strings.TrimPrefix(strings.Trim(r.cfg.Query, "/"), "r/")
	next := r.cur
	var err error
	if next.SinceID, err = r.redditListing(sub, "new", r.cur.SinceID); err != nil {
		return next, err
	}
	if next.CommentsSinceID, err = r.redditListing(sub, "comments", r.cur.CommentsSinceID); err != nil {
		return next, err
	}
	return next, nil
}

// redditListing walks one listing and returns the fullname of its newest item.
func (r *run) redditListing(sub, listing, since string) (string, error) {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(r.pageSize(100, 100)))
	q.Set("raw_json", "1")
	sinceN, hasSince := base36(since)
	oldest := r.now.Add(-r.cfg.Window)
	tag := listing + "-since-" + since
	if !hasSince {
		tag = listing + "-" + windowTag(oldest, r.now)
	}
	newest, newestN := since, sinceN
	after := ""
	for pages := 0; ; pages++ {
		if after != "" {
			q.Set("after", after)
		}
		u := r.cfg.Endpoint + "/r/" + url.PathEscape(sub) + "/" + listing + ".json?" + q.Encode()
		body, err := r.get(u, r.bearer())
		if err != nil {
			return newest, err
		}
		var page struct {
			Data struct {
				After    string `json:"after"`
				Children []struct {
					Data struct {
						Name    string  `json:"name"`
						Created float64 `json:"created_utc"`
					} `json:"data"`
				} `json:"children"`
			} `json:"data"`
		}
		if err := r.decode(body, u, &page); err != nil {
			return newest, err
		}
		reached := false
		for _, c := range page.Data.Children {
			n, ok := base36(c.Data.Name)
			if ok && n > newestN {
				newest, newestN = c.Data.Name, n
			}
			if hasSince && ok && n <= sinceN || !hasSince && time.Unix(int64(c.Data.Created), 0).Before(oldest) {
				reached = true
			}
		}
		if len(page.Data.Children) > 0 {
			if err := r.put(tag, "json", body); err != nil {
				return newest, err
			}
		}
		after = page.Data.After
		if reached || after == "" {
			return newest, nil
		}
		if pages+1 >= r.cfg.MaxPages {
			r.opts.Logger.Warn("reddit listing cut at pull.max_pages; older items of this run are not fetched",
				"source", r.src.ID, "listing", listing, "max_pages", r.cfg.MaxPages)
			return newest, nil
		}
	}
}

// base36 reads the id part of a Reddit fullname (t3_48fbm9).
func base36(fullname string) (uint64, bool) {
	_, id, ok := strings.Cut(fullname, "_")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(id, 36, 64)
	return n, err == nil
}
