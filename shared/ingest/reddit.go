package ingest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

// redditThing is a listing child: t3 (post), t1 (comment), more (comments not loaded).
type redditThing struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

type redditListing struct {
	Kind string `json:"kind"`
	Data struct {
		Children []redditThing `json:"children"`
	} `json:"data"`
}

type redditItem struct {
	ID          flexString      `json:"id"`
	Name        string          `json:"name"`
	Author      string          `json:"author"`
	Title       string          `json:"title"`
	Selftext    string          `json:"selftext"`
	Body        string          `json:"body"`
	CreatedUTC  *float64        `json:"created_utc"`
	Score       *int64          `json:"score"`
	NumComments *int64          `json:"num_comments"`
	LinkID      string          `json:"link_id"` // a comment's post, t3_<id>
	Replies     json.RawMessage `json:"replies"` // "" or a listing
}

// ParseReddit reads Reddit listing JSON: a listing of posts (t3) or comments (t1), an array of
// listings (a post and its comment tree, as /comments/<id> returns), a stream of listings one
// per line, or the same wrapped as {"response": ...}. Comment trees are walked through their
// nested replies; "more" stubs (comments not loaded) are not records and are skipped.
func ParseReddit(r io.Reader, name string, opts Options) (*Batch, error) {
	b := opts.batch(nil)
	if err := eachJSON(r, name, b, func(n, line int, v json.RawMessage) {
		walkReddit(b, name, line, fmt.Sprintf("$[%d]", n), v, opts)
	}); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

func walkReddit(b *Batch, name string, line int, path string, v json.RawMessage, opts Options) {
	v = json.RawMessage(strings.TrimSpace(string(v)))
	if len(v) == 0 {
		return
	}
	switch v[0] {
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(v, &arr); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "malformed listing", Detail: err.Error()})
			return
		}
		for i, e := range arr {
			walkReddit(b, name, line, fmt.Sprintf("%s[%d]", path, i), e, opts)
		}
	case '{':
		var wrap struct {
			Response json.RawMessage `json:"response"`
			Kind     string          `json:"kind"`
		}
		if err := json.Unmarshal(v, &wrap); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "malformed listing", Detail: err.Error()})
			return
		}
		if wrap.Kind == "" && len(wrap.Response) > 0 {
			walkReddit(b, name, line, path+".response", wrap.Response, opts)
			return
		}
		if wrap.Kind != "Listing" {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Field: "kind", Reason: "not a listing",
				Detail: fmt.Sprintf("kind %q", truncate(wrap.Kind, 40)), Raw: truncate(string(v), 2000)})
			return
		}
		var l redditListing
		if err := json.Unmarshal(v, &l); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Field: fieldError(err), Reason: "malformed listing", Detail: err.Error()})
			return
		}
		for i, c := range l.Data.Children {
			redditThingRow(b, name, line, fmt.Sprintf("%s.data.children[%d]", path, i), c, opts)
		}
	case 'n': // null
	default:
		b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Reason: "not a listing", Raw: truncate(string(v), 2000)})
	}
}

func redditThingRow(b *Batch, name string, line int, path string, c redditThing, opts Options) {
	bad := func(field, reason, detail string) {
		b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Field: field, Reason: reason,
			Detail: detail, Raw: truncate(string(c.Data), 2000)})
	}
	if c.Kind == "more" {
		return
	}
	if c.Kind != "t3" && c.Kind != "t1" {
		bad("kind", "unsupported kind", fmt.Sprintf("%q", truncate(c.Kind, 40)))
		return
	}
	var it redditItem
	if err := json.Unmarshal(c.Data, &it); err != nil {
		field := "data"
		if f := fieldError(err); f != "" {
			field += "." + f
		}
		bad(field, "malformed "+c.Kind, err.Error())
		return
	}
	// Walk the replies first so that a bad comment never hides its good replies.
	if rep := strings.TrimSpace(string(it.Replies)); rep != "" && rep != `""` && rep != "null" {
		walkReddit(b, name, line, path+".data.replies", it.Replies, opts)
	}
	native := it.Name
	if native == "" && it.ID != "" {
		native = c.Kind + "_" + string(it.ID)
	}
	if native == "" {
		bad("data.name", "missing id", "")
		return
	}
	text := it.Body
	if c.Kind == "t3" {
		text = strings.TrimSpace(it.Title + "\n\n" + it.Selftext)
	}
	text = CleanText(html.UnescapeString(text))
	if text == "" || text == "[deleted]" || text == "[removed]" {
		bad(map[string]string{"t1": "data.body", "t3": "data.title"}[c.Kind], "empty text", truncate(text, 40))
		return
	}
	if it.CreatedUTC == nil || math.IsNaN(*it.CreatedUTC) || *it.CreatedUTC < 0 || *it.CreatedUTC >= float64(maxDate.Unix()) {
		bad("data.created_utc", "bad date", "missing or out of range")
		return
	}
	sec, frac := math.Modf(*it.CreatedUTC)
	created := time.Unix(int64(sec), int64(frac*1e9)).UTC()
	src := opts.Source
	f := table.Feedback{Source: src.ID, Month: table.Month(created, opts.Location),
		ID: RecordID(src.ID, native), Channel: table.ChannelSocial, NativeID: native,
		CreatedAt: created, IngestedAt: opts.IngestedAt.UTC(), Text: text, Engagement: it.Score}
	if it.Score != nil && it.NumComments != nil {
		f.Engagement = ptr(*it.Score + *it.NumComments)
	}
	// The permalink carries a slug of the post's title, which may hold what redaction removes
	// from the text: the URL is built from ids alone.
	if id := strings.TrimPrefix(native, c.Kind+"_"); c.Kind == "t3" {
		f.URL = ptr("https://www.reddit.com/comments/" + id)
	} else if post := strings.TrimPrefix(it.LinkID, "t3_"); post != "" {
		f.URL = ptr("https://www.reddit.com/comments/" + post + "/_/" + id)
	}
	author := ""
	if it.Author != "" && it.Author != "[deleted]" {
		author = "reddit:" + it.Author
	}
	b.addItem(Item{Feedback: f, Author: author})
}
