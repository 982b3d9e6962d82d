package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/civicpulse/civicpulse/shared/table"
)

// twitterPage is one X API v2 search response.
type twitterPage struct {
	Data     []json.RawMessage `json:"data"`
	Includes struct {
		Users []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"users"`
	} `json:"includes"`
	Meta struct {
		NextToken string `json:"next_token"`
	} `json:"meta"`
}

type tweet struct {
	ID            flexString `json:"id"`
	Text          string     `json:"text"`
	AuthorID      flexString `json:"author_id"`
	CreatedAt     string     `json:"created_at"`
	PublicMetrics *struct {
		Retweets int64 `json:"retweet_count"`
		Replies  int64 `json:"reply_count"`
		Likes    int64 `json:"like_count"`
		Quotes   int64 `json:"quote_count"`
	} `json:"public_metrics"`
	Geo *struct {
		Coordinates *struct {
			Type        string    `json:"type"`
			Coordinates []float64 `json:"coordinates"` // [lon, lat]
		} `json:"coordinates"`
	} `json:"geo"`
}

// ParseTwitter reads X API v2 search responses: one page per file, or several pages one per
// line (as twarc writes them). Every tweet in `data` becomes a social feedback row.
func ParseTwitter(r io.Reader, name string, opts Options) (*Batch, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	raw = DecodeText(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	b := &Batch{}
	counted, countedTo := 0, int64(0)
	for page := 0; ; page++ {
		start := dec.InputOffset()
		// Fast path: the whole page straight into typed tweets. Only a page with a wrongly
		// typed field is read again tweet by tweet, to find and set aside the bad one.
		var fast struct {
			Data []tweet `json:"data"`
		}
		err := dec.Decode(&fast)
		if errors.Is(err, io.EOF) {
			break
		}
		// Count lines since the last page only: counting from the start is quadratic in pages.
		counted += bytes.Count(raw[countedTo:start], []byte("\n"))
		countedTo = start
		line := 1 + counted
		if start < int64(len(raw)) && raw[start] == '\n' {
			line++
		}
		pagePath := fmt.Sprintf("page[%d]", page)
		var p twitterPage
		var te *json.UnmarshalTypeError
		broken := false
		switch {
		case err == nil:
			for i := range fast.Data {
				b.addTweet(name, line, pagePath, i, &fast.Data[i], nil, opts)
			}
			continue
		case errors.As(err, &te):
			whole := raw[start:dec.InputOffset()]
			if err := json.Unmarshal(whole, &p); err != nil {
				// The page itself is of the wrong shape; the decoder is past it, go on.
				b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: pagePath, Field: fieldError(err),
					Reason: "malformed page", Detail: err.Error(), Raw: truncate(string(whole), 2000)})
				continue
			}
		default:
			// A broken page ends the file: JSON gives no safe place to resume. The tweets
			// that are whole before the break are kept.
			broken = true
			bad := Bad{File: name, Line: line, Path: pagePath, Reason: "malformed json", Detail: err.Error()}
			if fixed, ok := repairJSON(brokenPart(raw[start:], err)); ok && json.Unmarshal(fixed, &p) == nil && len(p.Data) > 0 {
				bad.Reason = "truncated json"
				bad.Detail += fmt.Sprintf("; the %d whole tweets before the break were kept", len(p.Data))
			}
			b.Bad = append(b.Bad, bad)
		}
		for i, rawTweet := range p.Data {
			var t tweet
			if err := json.Unmarshal(rawTweet, &t); err != nil {
				b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: fmt.Sprintf("%s.data[%d]", pagePath, i), Field: fieldError(err),
					Reason: "malformed tweet", Detail: err.Error(), Raw: truncate(string(rawTweet), 2000)})
				continue
			}
			b.addTweet(name, line, pagePath, i, &t, rawTweet, opts)
		}
		if broken {
			break
		}
	}
	return b, nil
}

// addTweet adds one decoded tweet, or a Bad naming what is wrong with it; raw is the tweet's
// JSON when at hand (else it is re-encoded for the quarantine, which is rare).
func (b *Batch) addTweet(name string, line int, pagePath string, i int, t *tweet, raw []byte, opts Options) {
	bad := func(field, reason, detail string) {
		if raw == nil {
			raw, _ = json.Marshal(t)
		}
		b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: fmt.Sprintf("%s.data[%d]", pagePath, i), Field: field,
			Reason: reason, Detail: detail, Raw: truncate(string(raw), 2000)})
	}
	if t.ID == "" {
		bad("id", "missing id", "")
		return
	}
	text := t.Text
	if strings.IndexByte(text, '&') >= 0 {
		text = html.UnescapeString(text) // the API escapes &, < and >
	}
	text = CleanText(text)
	if text == "" {
		bad("text", "empty text", "")
		return
	}
	created, err := time.Parse(time.RFC3339Nano, t.CreatedAt)
	if err != nil {
		bad("created_at", "bad date", fmt.Sprintf("cannot read %q as RFC 3339", t.CreatedAt))
		return
	}
	src := opts.Source
	id := string(t.ID)
	f := table.Feedback{
		Source: src.ID, Month: table.Month(created, opts.Location),
		ID: RecordID(src.ID, id), Channel: table.ChannelSocial, NativeID: id,
		CreatedAt: created.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: text,
		URL: ptr("https://x.com/i/web/status/" + id),
	}
	if m := t.PublicMetrics; m != nil {
		f.Engagement = ptr(m.Likes + m.Retweets + m.Replies + m.Quotes)
	}
	if g := t.Geo; g != nil && g.Coordinates != nil && len(g.Coordinates.Coordinates) == 2 {
		f.Lon, f.Lat = ptr(g.Coordinates.Coordinates[0]), ptr(g.Coordinates.Coordinates[1])
	}
	author := ""
	if t.AuthorID != "" {
		author = "x:" + string(t.AuthorID)
	}
	b.Items = append(b.Items, Item{Feedback: f, Author: author})
}
