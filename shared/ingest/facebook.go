package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

// fbItem is a Graph API post or comment, with the fields a city's export asks for.
type fbItem struct {
	ID          flexString `json:"id"`
	Message     string     `json:"message"`
	CreatedTime string     `json:"created_time"`
	From        *struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"from"`
	PermalinkURL string `json:"permalink_url"`
	LikeCount    *int64 `json:"like_count"`
	CommentCount *int64 `json:"comment_count"`
	Shares       *struct {
		Count int64 `json:"count"`
	} `json:"shares"`
	Reactions *struct {
		Summary struct {
			TotalCount int64 `json:"total_count"`
		} `json:"summary"`
	} `json:"reactions"`
	Comments *fbPage `json:"comments"` // replies, or a post's comments, when asked for
}

type fbPage struct {
	Data []json.RawMessage `json:"data"`
}

// fbTimeLayout is how the Graph API writes times: 2021-07-19T05:40:42+0000.
const fbTimeLayout = "2006-01-02T15:04:05-0700"

// ParseFacebook reads Graph API pages of page posts or comments (`data`, `paging.cursors`,
// `summary`), one page per file, several one per line, or an array of pages. Nested
// `comments` (a post's comments, a comment's replies) are walked. A comment exported without
// its id (fields=message,permalink_url,...) takes it from its permalink's comment_id or
// reply_comment_id.
func ParseFacebook(r io.Reader, name string, opts Options) (*Batch, error) {
	b := opts.batch(nil)
	if err := eachJSON(r, name, b, func(n, line int, v json.RawMessage) {
		walkFacebook(b, name, line, fmt.Sprintf("$[%d]", n), v, opts)
	}); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

func walkFacebook(b *Batch, name string, line int, path string, v json.RawMessage, opts Options) {
	s := strings.TrimSpace(string(v))
	if s == "" || s == "null" {
		return
	}
	switch s[0] {
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(v, &arr); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "malformed json", Detail: err.Error()})
			return
		}
		for i, e := range arr {
			walkFacebook(b, name, line, fmt.Sprintf("%s[%d]", path, i), e, opts)
		}
	case '{':
		var p struct {
			Data  json.RawMessage `json:"data"`
			Error *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(v, &p); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "malformed page", Detail: err.Error()})
			return
		}
		if p.Error != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path + ".error", Reason: "api error", Detail: truncate(p.Error.Message, 200)})
			return
		}
		if p.Data == nil { // a single post or comment object
			fbRow(b, name, line, path, v, opts)
			return
		}
		var data []json.RawMessage
		if err := json.Unmarshal(p.Data, &data); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path + ".data", Field: "data", Reason: "malformed page", Detail: err.Error()})
			return
		}
		for i, d := range data {
			fbRow(b, name, line, fmt.Sprintf("%s.data[%d]", path, i), d, opts)
		}
	default:
		b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "not a page", Raw: truncate(s, 2000)})
	}
}

func fbRow(b *Batch, name string, line int, path string, d json.RawMessage, opts Options) {
	bad := func(field, reason, detail string) {
		b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Field: field, Reason: reason,
			Detail: detail, Raw: truncate(string(d), 2000)})
	}
	var it fbItem
	if err := json.Unmarshal(d, &it); err != nil {
		bad(fieldError(err), "malformed item", err.Error())
		return
	}
	if it.Comments != nil {
		for i, c := range it.Comments.Data {
			fbRow(b, name, line, fmt.Sprintf("%s.comments.data[%d]", path, i), c, opts)
		}
	}
	id := string(it.ID)
	if id == "" {
		id = fbIDFromPermalink(it.PermalinkURL)
	}
	if id == "" {
		bad("id", "missing id", "no id and no comment_id in permalink_url")
		return
	}
	text := CleanText(stripHTML(it.Message))
	if text == "" {
		bad("message", "empty text", "")
		return
	}
	created, err := time.Parse(fbTimeLayout, it.CreatedTime)
	if err != nil {
		if created, err = time.Parse(time.RFC3339, it.CreatedTime); err != nil {
			bad("created_time", "bad date", fmt.Sprintf("cannot read %q", truncate(it.CreatedTime, 60)))
			return
		}
	}
	if err := checkDate(created); err != nil {
		bad("created_time", "bad date", err.Error())
		return
	}
	src := opts.Source
	f := table.Feedback{Source: src.ID, Month: table.Month(created, opts.Location),
		ID: RecordID(src.ID, id), Channel: table.ChannelSocial, NativeID: id,
		CreatedAt: created.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: text}
	if it.PermalinkURL != "" {
		f.URL = ptr(it.PermalinkURL)
	}
	var eng int64
	has := false
	for _, n := range []*int64{it.LikeCount, it.CommentCount} {
		if n != nil {
			eng, has = eng+*n, true
		}
	}
	if it.Shares != nil {
		eng, has = eng+it.Shares.Count, true
	}
	if it.Reactions != nil {
		eng, has = eng+it.Reactions.Summary.TotalCount, true
	}
	if has {
		f.Engagement = ptr(eng)
	}
	author := ""
	if it.From != nil && it.From.ID != "" {
		author = "fb:" + string(it.From.ID)
	} else if it.From != nil && it.From.Name != "" {
		author = "fb-name:" + it.From.Name
	}
	b.addItem(Item{Feedback: f, Author: author})
}

func fbIDFromPermalink(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return ""
	}
	q := u.Query()
	if id := q.Get("reply_comment_id"); id != "" {
		return id
	}
	return q.Get("comment_id")
}
