package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
// line (as twarc writes them). Every tweet in `data` becomes a social feedback row. Pages are
// read a run at a time (jsonChunks), so an export of any length is never held whole.
func ParseTwitter(r io.Reader, name string, opts Options) (*Batch, error) {
	b := opts.batch(nil)
	var held []Item
	if err := jsonChunks(r, func(raw []byte, pages, lines int) bool {
		var more bool
		more, held = b.addTweetPages(raw, name, opts, pages, lines, held)
		return more
	}); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b.Items) == 0 {
		b.Items = nil
	}
	return b, nil
}

// addTweetPages adds the tweets of raw, whole pages of an export that has page0 pages and
// line0 lines before them. It reports false when a broken page ends the export. held is
// scratch space for a streaming Batch's items, which are handed on only once the fast reading
// of raw has gone through; it is returned for the next call.
func (b *Batch) addTweetPages(raw []byte, name string, opts Options, page0, line0 int, held []Item) (bool, []Item) {
	items0, bad0 := len(b.Items), len(b.Bad)
	sink := b.onItem
	if sink != nil {
		// held comes back from the last chunk's call: its room is about a chunk's tweets
		// already, and counting them again costs a scan of every chunk.
		b.onItem, b.Items = nil, held[:0]
		if cap(held) == 0 {
			b.Items = slices.Grow(held[:0], bytes.Count(raw, []byte(`"text"`)))
		}
	} else if n := bytes.Count(raw, []byte(`"text"`)); n > 0 {
		// About one per tweet: growing the slice by doubling copied every row twice over.
		b.Items = slices.Grow(b.Items, n)
	}
	var months monthCache
	ok := b.addTweetsFast(raw, name, opts, &months, page0, line0)
	if sink != nil {
		held, b.Items, b.onItem = b.Items, nil, sink
		if ok {
			for i := range held {
				sink(&held[i])
			}
		}
		clear(held)
		items0 = 0
	}
	if ok {
		return true, held
	}
	b.Items, b.Bad, months = b.Items[:items0], b.Bad[:bad0], monthCache{}
	dec := json.NewDecoder(bytes.NewReader(raw))
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
		line := line0 + 1 + counted
		for i := start; i < int64(len(raw)) && isJSONSpace(raw[i]); i++ { // the page starts after blank lines, CRLF or not
			if raw[i] == '\n' {
				line++
			}
		}
		pagePath := fmt.Sprintf("page[%d]", page0+page)
		var p twitterPage
		var te *json.UnmarshalTypeError
		switch {
		case err == nil:
			for i := range fast.Data {
				b.addTweet(name, line, pagePath, i, &fast.Data[i], nil, opts, &months)
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
			bad := Bad{File: name, Line: line, Path: pagePath, Reason: "malformed json", Detail: err.Error()}
			if fixed, ok := repairJSON(brokenPart(raw[start:], pageSyntaxError(err, start))); ok && json.Unmarshal(fixed, &p) == nil && len(p.Data) > 0 {
				bad.Reason = "truncated json"
				bad.Detail += fmt.Sprintf("; the %d whole tweets before the break were kept", len(p.Data))
			}
			b.Bad = append(b.Bad, bad)
			b.addRawTweets(name, line, pagePath, p.Data, opts, &months)
			return false, held
		}
		b.addRawTweets(name, line, pagePath, p.Data, opts, &months)
	}
	return true, held
}

// pageSyntaxError is a Decoder's syntax error with its offset, which counts from the start
// of the decoder's input, made to count from the start of the page that begins at start.
func pageSyntaxError(err error, start int64) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	e := *se
	e.Offset -= start
	return &e
}

// addRawTweets adds the tweets of a page read as raw JSON, setting aside those that do not
// decode.
func (b *Batch) addRawTweets(name string, line int, pagePath string, data []json.RawMessage, opts Options, months *monthCache) {
	for i, rawTweet := range data {
		var t tweet
		if err := json.Unmarshal(rawTweet, &t); err != nil {
			b.Bad = append(b.Bad, Bad{File: name, Line: line, Path: fmt.Sprintf("%s.data[%d]", pagePath, i), Field: fieldError(err),
				Reason: "malformed tweet", Detail: err.Error(), Raw: truncate(string(rawTweet), 2000)})
			continue
		}
		b.addTweet(name, line, pagePath, i, &t, rawTweet, opts, months)
	}
}

// addTweetsFast reads an export whose pages are well-formed JSON with tweets of the usual
// shape (string fields, no nulls, integer metrics, no geo) without encoding/json, which costs
// more than all the rest of ingesting a tweet. It gives what the encoding/json path gives; on
// anything else it reports false, having added rows the caller must drop, and that path
// reads the file instead.
func (b *Batch) addTweetsFast(raw []byte, name string, opts Options, months *monthCache, page0, line0 int) bool {
	p := fastJSON{b: raw}
	counted, countedTo := line0, 0
	for page := page0; ; page++ {
		start := p.i
		p.space()
		if p.i == len(raw) {
			return true
		}
		counted += bytes.Count(raw[countedTo:start], []byte("\n"))
		countedTo = start
		line := 1 + counted
		for i := start; i < len(raw) && isJSONSpace(raw[i]); i++ {
			if raw[i] == '\n' {
				line++
			}
		}
		pagePath, data := "", false
		ok := p.object(func(key []byte) bool {
			if string(key) != "data" {
				return !bytes.EqualFold(key, []byte("data")) && p.skip(0)
			}
			if data {
				return false // encoding/json keeps the last; so rare it is left to it
			}
			data = true
			if !p.consume('[') {
				return false
			}
			p.space()
			if p.consume(']') {
				return true
			}
			for i := 0; ; i++ {
				t := &p.tweetBuf // one for all: a tweet each cost an allocation
				*t = tweet{}
				if !p.tweet(t) {
					return false
				}
				if pagePath == "" {
					pagePath = fmt.Sprintf("page[%d]", page)
				}
				b.addTweet(name, line, pagePath, i, t, nil, opts, months)
				p.space()
				if p.consume(']') {
					return true
				}
				if !p.consume(',') {
					return false
				}
			}
		})
		if !ok {
			return false
		}
	}
}

// fastJSON reads the JSON of addTweetsFast; every method reports false on what it does not
// handle exactly as encoding/json does, and then nothing it has read is used.
type fastJSON struct {
	b    []byte
	i    int
	seen [4]bool

	tweetBuf tweet
}

func (p *fastJSON) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastJSON) consume(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads an object, calling member with each key, positioned at its value.
func (p *fastJSON) object(member func(key []byte) bool) bool {
	p.space()
	if !p.consume('{') {
		return false
	}
	p.space()
	if p.consume('}') {
		return true
	}
	for {
		p.space()
		key, ok := p.strBytes()
		if !ok {
			return false
		}
		p.space()
		if !p.consume(':') {
			return false
		}
		p.space()
		if !member(key) {
			return false
		}
		p.space()
		if p.consume('}') {
			return true
		}
		if !p.consume(',') {
			return false
		}
	}
}

// str reads a string: escapes are left to encoding/json, and control characters and
// invalid UTF-8 are refused.
func (p *fastJSON) str() (string, bool) {
	b, ok := p.strBytes()
	return string(b), ok
}

// strBytes is str without a copy when the string has no escapes.
func (p *fastJSON) strBytes() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start, escaped, ascii := p.i, false, true
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			if escaped {
				var v string
				if json.Unmarshal(p.b[start-1:p.i], &v) != nil {
					return nil, false
				}
				return []byte(v), true
			}
			return s, true
		case c == '\\':
			escaped = true
			p.i++
		case c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// tweet reads one tweet of the usual shape.
func (p *fastJSON) tweet(t *tweet) bool {
	p.seen = [4]bool{}
	return p.object(func(key []byte) bool {
		var dst *string
		var fs *flexString
		n := -1
		switch string(key) {
		case "id":
			fs, n = &t.ID, 0
		case "text":
			dst, n = &t.Text, 1
		case "author_id":
			fs, n = &t.AuthorID, 2
		case "created_at":
			dst, n = &t.CreatedAt, 3
		case "public_metrics":
			if t.PublicMetrics != nil {
				return false
			}
			return p.metrics(t)
		default:
			for _, k := range [...]string{"id", "text", "author_id", "created_at", "public_metrics", "geo"} {
				if bytes.EqualFold(key, []byte(k)) {
					return false // encoding/json would fill the field; leave it to it
				}
			}
			return p.skip(0)
		}
		if p.seen[n] {
			return false
		}
		p.seen[n] = true
		v, ok := p.str()
		if fs != nil {
			*fs = flexString(v)
		} else {
			*dst = v
		}
		return ok
	})
}

func (p *fastJSON) metrics(t *tweet) bool {
	t.PublicMetrics = &struct {
		Retweets int64 `json:"retweet_count"`
		Replies  int64 `json:"reply_count"`
		Likes    int64 `json:"like_count"`
		Quotes   int64 `json:"quote_count"`
	}{}
	m := t.PublicMetrics
	var seen [4]bool
	return p.object(func(key []byte) bool {
		var dst *int64
		n := -1
		switch string(key) {
		case "retweet_count":
			dst, n = &m.Retweets, 0
		case "reply_count":
			dst, n = &m.Replies, 1
		case "like_count":
			dst, n = &m.Likes, 2
		case "quote_count":
			dst, n = &m.Quotes, 3
		default:
			for _, k := range [...]string{"retweet_count", "reply_count", "like_count", "quote_count"} {
				if bytes.EqualFold(key, []byte(k)) {
					return false
				}
			}
			return p.skip(0)
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		start := p.i
		if !p.number() {
			return false
		}
		v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
		*dst = v
		return err == nil
	})
}

// number reads a number as JSON writes them.
func (p *fastJSON) number() bool {
	p.consume('-')
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	switch {
	case p.consume('0'):
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		digits()
	default:
		return false
	}
	if p.consume('.') && digits() == 0 {
		return false
	}
	if p.consume('e') || p.consume('E') {
		if !p.consume('+') {
			p.consume('-')
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// skip reads a value that is not wanted, checking that it is valid.
func (p *fastJSON) skip(depth int) bool {
	if depth > 1000 {
		return false
	}
	p.space()
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(func([]byte) bool { return p.skip(depth + 1) })
	case c == '[':
		p.i++
		p.space()
		if p.consume(']') {
			return true
		}
		for {
			if !p.skip(depth + 1) {
				return false
			}
			p.space()
			if p.consume(']') {
				return true
			}
			if !p.consume(',') {
				return false
			}
		}
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(p.b[p.i:], []byte(lit)) {
			p.i += len(lit)
			return true
		}
	}
	return false
}

// monthCache remembers the last month partition value: exports run in time order, and
// formatting the month anew cost more than the rest of a row's dates.
type monthCache struct {
	year  int
	month time.Month
	loc   *time.Location
	value string
}

func (c *monthCache) of(t time.Time, loc *time.Location) string {
	y, m, _ := t.In(loc).Date()
	if c.value == "" || y != c.year || m != c.month || loc != c.loc {
		c.year, c.month, c.loc, c.value = y, m, loc, table.Month(t, loc)
	}
	return c.value
}

// addTweet adds one decoded tweet, or a Bad naming what is wrong with it; raw is the tweet's
// JSON when at hand (else it is re-encoded for the quarantine, which is rare).
func (b *Batch) addTweet(name string, line int, pagePath string, i int, t *tweet, raw []byte, opts Options, months *monthCache) {
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
	if err := checkDate(created); err != nil {
		bad("created_at", "bad date", err.Error())
		return
	}
	src := opts.Source
	id := string(t.ID)
	f := table.Feedback{
		Source: src.ID, Month: months.of(created, opts.Location),
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
	b.addItem(Item{Feedback: f, Author: author})
}
