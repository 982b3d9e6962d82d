package pull

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

const (
	facebookPostFields    = "id,message,created_time,permalink_url,shares,reactions.summary(true).limit(0),comments.summary(true).limit(0)"
	facebookCommentFields = "id,message,created_time,permalink_url,like_count,comment_count,parent{id}"
)

// facebook pulls a page's posts created in the window since the last run (/<page-id>/posts
// with since/until), following paging.next, and for each post its comments
// (/<post-id>/comments, filter=stream so replies come too). Comments made later on a post
// from an earlier window are not fetched again.
func (r *run) facebook() (Cursor, error) {
	next := r.cur
	start, end := r.windowStart(), r.now
	nextURL := r.cur.Resume
	if nextURL != "" && !r.cur.PendingUntil.IsZero() {
		end = r.cur.PendingUntil
	}
	tag := windowTag(start, end)
	if nextURL == "" {
		q := url.Values{}
		q.Set("fields", facebookPostFields)
		q.Set("since", strconv.FormatInt(start.Unix(), 10))
		q.Set("until", strconv.FormatInt(end.Unix(), 10))
		q.Set("limit", strconv.Itoa(r.pageSize(100, 100)))
		nextURL = r.cfg.Endpoint + "/" + url.PathEscape(r.cfg.Query) + "/posts?" + q.Encode()
	}
	for nextURL != "" {
		var posts []string
		n, err := r.facebookPages(nextURL, tag, func(ids []string) { posts = append(posts, ids...) }, 1)
		if err != nil {
			return next, err
		}
		nextURL = n
		for _, id := range posts {
			q := url.Values{}
			q.Set("fields", facebookCommentFields)
			q.Set("filter", "stream")
			q.Set("limit", strconv.Itoa(r.pageSize(100, 100)))
			u := r.cfg.Endpoint + "/" + url.PathEscape(id) + "/comments?" + q.Encode()
			if _, err := r.facebookPages(u, tag, nil, r.cfg.MaxPages); err != nil {
				return next, err
			}
		}
		if nextURL != "" && r.maxPages() {
			next.Resume, next.PendingUntil = nextURL, end
			return next, nil
		}
	}
	next.Resume, next.PendingUntil, next.Until = "", time.Time{}, end
	return next, nil
}

// facebookPages fetches up to limit pages from u on, storing those with data, and returns
// the next page's URL ("" at the end).
func (r *run) facebookPages(u, tag string, ids func([]string), limit int) (string, error) {
	for i := 0; i < limit && u != ""; i++ {
		if err := r.sameHost(u); err != nil {
			return "", err
		}
		body, err := r.get(u, r.bearer())
		if err != nil {
			return "", err
		}
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := r.decode(body, u, &page); err != nil {
			return "", err
		}
		if len(page.Data) > 0 {
			if err := r.put(tag, "json", body); err != nil {
				return "", err
			}
		}
		if ids != nil {
			list := make([]string, 0, len(page.Data))
			for _, d := range page.Data {
				list = append(list, d.ID)
			}
			ids(list)
		}
		if len(page.Data) == 0 {
			return "", nil
		}
		u = page.Paging.Next
	}
	return u, nil
}

// sameHost refuses a next-page URL on another host than the endpoint: the credential goes
// with every request.
func (r *run) sameHost(u string) error {
	a, err1 := url.Parse(u)
	b, err2 := url.Parse(r.cfg.Endpoint)
	if err1 != nil || err2 != nil || a.Scheme != b.Scheme || a.Host != b.Host {
		return fmt.Errorf("pull %s: next page %s is not on the endpoint's host %s", r.src.ID, redactURL(u), b.Host)
	}
	return nil
}
