package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
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
	ID            string `json:"id"`
	Text          string `json:"text"`
	AuthorID      string `json:"author_id"`
	CreatedAt     string `json:"created_at"`
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
	src := opts.Source
	for page := 0; ; page++ {
		start := dec.InputOffset()
		var p twitterPage
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		line := 1 + bytes.Count(raw[:start], []byte("\n"))
		if start < int64(len(raw)) && raw[start] == '\n' {
			line++
		}
		if err != nil {
			// A broken page ends the file: JSON gives no safe place to resume.
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: fmt.Sprintf("page[%d]", page),
				Reason: "malformed json", Detail: err.Error()})
			break
		}
		for i, rawTweet := range p.Data {
			path := fmt.Sprintf("page[%d].data[%d]", page, i)
			bad := func(field, reason, detail string) {
				b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: path, Field: field, Reason: reason,
					Detail: detail, Raw: truncate(string(rawTweet), 2000)})
			}
			var t tweet
			if err := json.Unmarshal(rawTweet, &t); err != nil {
				bad("", "malformed tweet", err.Error())
				continue
			}
			if t.ID == "" {
				bad("id", "missing id", "")
				continue
			}
			text := CleanText(html.UnescapeString(t.Text)) // the API escapes &, < and >
			if text == "" {
				bad("text", "empty text", "")
				continue
			}
			created, err := time.Parse(time.RFC3339Nano, t.CreatedAt)
			if err != nil {
				bad("created_at", "bad date", fmt.Sprintf("cannot read %q as RFC 3339", t.CreatedAt))
				continue
			}
			f := table.Feedback{
				Source: src.ID, Month: table.Month(created, opts.Location),
				ID: RecordID(src.ID, t.ID), Channel: table.ChannelSocial, NativeID: t.ID,
				CreatedAt: created.UTC(), IngestedAt: opts.IngestedAt.UTC(), Text: text,
				URL: ptr("https://x.com/i/web/status/" + t.ID),
			}
			if m := t.PublicMetrics; m != nil {
				f.Engagement = ptr(m.Likes + m.Retweets + m.Replies + m.Quotes)
			}
			if g := t.Geo; g != nil && g.Coordinates != nil && len(g.Coordinates.Coordinates) == 2 {
				f.Lon, f.Lat = ptr(g.Coordinates.Coordinates[0]), ptr(g.Coordinates.Coordinates[1])
			}
			author := ""
			if t.AuthorID != "" {
				author = "x:" + t.AuthorID
			}
			b.Items = append(b.Items, Item{Feedback: f, Author: author})
		}
	}
	return b, nil
}
