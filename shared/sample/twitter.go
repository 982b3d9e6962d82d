package sample

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The planted bad tweets: on this page, data[badTextIndex] has an empty text and
// data[badDateIndex] a created_at in the old v1.1 format.
const (
	badTweetKey   = "inbox/twitter/search-2025-02-01-p002.json"
	badTextIndex  = 7
	badDateIndex  = 23
	tweetsPerPage = 100
	twitterEpoch  = 1288834974657 // ms; snowflake ids count from here
)

// author is a resident with an X account.
type author struct {
	id, name, username string
}

// authors is the pool of residents who post, with how often each one does (a few are very
// active, most post now and then).
type authors struct {
	list []author
	cum  []float64 // cumulative weights
}

func newAuthors(r *rand.Rand, p *phrases) *authors {
	const n = 420
	nicks := []string{"NorthsideNana", "EastEndDad", "WestgateMom", "RiversideRick", "DowntownDee",
		"SpfldRunner", "PrairieGirl", "LincolnLandGuy", "CornfieldKid", "RiverCityRob"}
	used := map[string]bool{}
	a := &authors{}
	var sum float64
	for i := range n {
		first, last := pick(r, p.first), pick(r, p.last)
		fc, lc := capitalize(first), capitalize(last)
		var user, name string
		switch r.IntN(7) {
		case 0:
			user = fmt.Sprintf("%s_%s_%d", first, last[:1], 1955+r.IntN(50))
			name = fc + " " + strings.ToUpper(last[:1])
		case 1:
			user = first + last
			name = fc + " " + lc
		case 2:
			user = "spfld" + first
			name = fc
		case 3:
			user = fmt.Sprintf("%s%s%02d", first, last[:1], r.IntN(100))
			name = fc + " " + lc[:1] + "."
		case 4:
			user = pick(r, nicks)
			name = strings.Join(splitCamel(user), " ")
		case 5:
			user = fc + lc[:1] + "_IL"
			name = fc + " " + pick(r, []string{"🌻", "🌽", "⚾", "🏳️‍🌈", "🇺🇸", "☕"})
		default:
			user = fmt.Sprintf("%s_%s", first, last)
			name = fc + " " + lc
		}
		if len(user) > 13 {
			user = user[:13]
		}
		for base, k := user, 2; used[strings.ToLower(user)]; k++ {
			user = base + strconv.Itoa(k)
		}
		used[strings.ToLower(user)] = true
		var id string
		if r.IntN(100) < 35 { // accounts from before 2010 have short sequential ids
			id = strconv.FormatInt(10_000_000+r.Int64N(3_990_000_000), 10)
		} else {
			created := time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(11.4 * 365 * 24 * float64(time.Hour)))))
			id = strconv.FormatInt(snowflake(created.UnixMilli(), r.Int64N(1<<22)), 10)
		}
		a.list = append(a.list, author{id: id, name: name, username: user})
		sum += 1 / math.Pow(float64(i+1), 0.9)
		a.cum = append(a.cum, sum)
	}
	return a
}

func (a *authors) draw(r *rand.Rand) int {
	x := r.Float64() * a.cum[len(a.cum)-1]
	i, _ := slices.BinarySearch(a.cum, x)
	return min(i, len(a.list)-1)
}

func snowflake(ms, low int64) int64 { return (ms-twitterEpoch)<<22 | low }

// tweet is one post before it is written out.
type tweet struct {
	utc          time.Time // created_at, whole seconds
	k            kind
	ms           int64 // the millisecond in the id
	id, conv     int64
	author       int
	text         string
	caps         bool
	likes, rts   int
	replies, qts int
}

// tweetMix is the share of each kind among a quarter's posts; general chatter takes the rest.
func tweetMix(q quarter) ([]kind, []float64) {
	shares := [numKinds]float64{
		kindRoads: 0.07, kindPothole: 0.055, kindSanitation: 0.08, kindParks: 0.08, kindSafety: 0.08,
		kindHomeless: 0.11, kindHousing: 0.07, kindTransit: 0.08, kindWater: 0.06, kindNoise: 0.05,
		kindServices: 0.08,
	}
	switch q.fq {
	case 1: // July–September: parks and fireworks season
		shares[kindParks], shares[kindNoise] = 0.10, 0.07
	case 2, 3:
		shares[kindSnow], shares[kindParks], shares[kindNoise] = 0.08, 0.05, 0.04
	case 4:
		shares[kindParks] = 0.09
	}
	kinds := make([]kind, numKinds)
	for k := range numKinds {
		kinds[k] = k
	}
	return kinds, shares[:]
}

// toneMix is the share of negative, neutral and positive texts of a kind in a quarter.
func toneMix(k kind, q quarter) []float64 {
	neg, pos := 0.0, 0.0
	switch k {
	case kindRoads:
		neg, pos = 0.62, 0.18
	case kindPothole:
		neg, pos = 0.80, 0.10
	case kindSanitation:
		neg, pos = 0.58, 0.25
	case kindParks:
		neg, pos = 0.30, 0.55
	case kindSafety, kindTransit:
		neg, pos = 0.58, 0.22
	case kindHousing:
		neg, pos = 0.58, 0.20
	case kindWater:
		neg, pos = 0.55, 0.22
	case kindNoise:
		neg, pos = 0.80, 0.08
	case kindServices:
		neg, pos = 0.52, 0.25
	case kindSnow:
		neg, pos = 0.58, 0.25
	case kindGeneral:
		neg, pos = 0.12, 0.35
	case kindHomeless:
		neg = q.homelessNegShare()
		pos = 0.92 - neg
	}
	return []float64{neg, 1 - neg - pos, pos}
}

// tweetFiles returns a quarter's posts as X API v2 search responses: one batch per calendar
// month (Springfield time), newest first, 100 posts a page.
func tweetFiles(r *rand.Rand, p *phrases, a *authors, q quarter) ([]File, error) {
	n := int(math.Round(jitter(r, 1050+50*float64(q.index), 15)))
	span := days(q.start, q.end)
	type item struct {
		k    kind
		t    tone
		wall time.Time
	}
	var items []item
	kinds, shares := tweetMix(q)
	for _, k := range quota(r, n, kinds, shares) {
		items = append(items, item{k: k})
	}
	roads := 0
	for _, it := range items {
		if it.k == kindRoads || it.k == kindPothole {
			roads++
		}
	}
	if q.potholeSpike() {
		// Freeze and thaw: the spike builds from mid-January.
		for range int(math.Round(1.6 * float64(roads))) {
			items = append(items, item{k: kindPothole, wall: localTime(r, q.start.AddDate(0, 0, 14), span-14)})
		}
	}
	// Tones are laid out per kind, so every quarter has the designed mix.
	var byKind [numKinds][]int
	for i, it := range items {
		byKind[it.k] = append(byKind[it.k], i)
	}
	for k, idx := range byKind {
		mix := toneMix(kind(k), q)
		if q.potholeSpike() && kind(k) == kindPothole {
			mix = []float64{0.85, 0.07, 0.08}
		}
		for j, t := range quota(r, len(idx), []tone{toneNeg, toneNeu, tonePos}, mix) {
			items[idx[j]].t = t
		}
	}
	for i := range items {
		if !items[i].wall.IsZero() {
			continue
		}
		from, s := q.start, span
		if items[i].k == kindSnow { // late November to mid-March only
			if q.fq == 2 {
				from = time.Date(q.start.Year(), time.November, 18, 0, 0, 0, 0, time.UTC)
			}
			s = days(from, q.end)
			if q.fq == 3 {
				s = 78
			}
		}
		items[i].wall = localTime(r, from, s)
	}

	tweets := make([]*tweet, len(items))
	for i, it := range items {
		utc := chicagoToUTC(it.wall)
		tw := &tweet{utc: utc, k: it.k, ms: utc.UnixMilli() + r.Int64N(1000), author: a.draw(r)}
		var text string
		for range 5 { // a tweet holds 280 characters
			text = p.tweet(r, it.k, it.t)
			if utf8.RuneCountInString(text) <= 280 {
				break
			}
		}
		tw.caps = !strings.ContainsFunc(text, unicode.IsLower)
		tw.text = text
		tweets[i] = tw
	}
	slices.SortFunc(tweets, func(x, y *tweet) int {
		return cmp.Or(cmp.Compare(x.ms, y.ms), cmp.Compare(x.author, y.author), strings.Compare(x.text, y.text))
	})
	var prev int64
	for i, t := range tweets {
		t.id = max(snowflake(t.ms, r.Int64N(1<<22)), prev+1)
		prev = t.id
		t.conv = t.id
		t.likes = int(r.ExpFloat64() * 3)
		if r.IntN(20) == 0 {
			t.likes = int(r.ExpFloat64() * 60)
		}
		if t.caps {
			t.likes *= 2
		}
		t.rts = int(r.ExpFloat64() * float64(t.likes) / 6)
		t.replies = int(r.ExpFloat64() * 0.9)
		if r.IntN(25) == 0 {
			t.qts = 1 + r.IntN(3)
		}
		switch x := r.Float64(); {
		case x < 0.10 && !strings.HasPrefix(t.text, "@"):
			// A reply to a city account's post (not in the search results, so only its id).
			handle := p.banks[t.k].handle
			if handle == "" || r.IntN(3) == 0 {
				handle = "SpringfieldCity"
			}
			t.text = "@" + handle + " " + t.text
			t.conv = snowflake(t.ms-60_000-r.Int64N(30*3600_000), r.Int64N(1<<22))
		case x < 0.112 && i > 0:
			// A reply to a neighbor: the private @handle of an earlier post's author.
			j := max(0, i-1-r.IntN(min(i, 40)))
			t.conv = tweets[j].conv
			t.text = p.planted("@"+a.list[tweets[j].author].username) + " " + t.text
		case x < 0.135:
			other := a.list[a.draw(r)].username
			t.text += " " + p.pii(r, other)
		}
	}
	for i := range tweets {
		if utf8.RuneCountInString(tweets[i].text) > 280 {
			return nil, fmt.Errorf("tweet %d has %d characters", tweets[i].id, utf8.RuneCountInString(tweets[i].text))
		}
	}

	// One full-archive search per month, paged 100 posts at a time, newest first.
	var files []File
	for ms := q.start; ms.Before(q.end); ms = ms.AddDate(0, 1, 0) {
		from, to := chicagoToUTC(ms), chicagoToUTC(ms.AddDate(0, 1, 0))
		var month []*tweet
		for _, t := range tweets {
			if !t.utc.Before(from) && t.utc.Before(to) {
				month = append(month, t)
			}
		}
		slices.Reverse(month)
		for page := 0; page*tweetsPerPage < len(month); page++ {
			chunk := month[page*tweetsPerPage : min(len(month), (page+1)*tweetsPerPage)]
			key := fmt.Sprintf("inbox/twitter/search-%s-p%03d.json", ms.Format("2006-01-02"), page+1)
			last := (page+1)*tweetsPerPage >= len(month)
			data, err := pageJSON(r, key, chunk, a, last)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			files = append(files, File{Key: key, Data: data})
		}
	}
	return files, nil
}

// The X API v2 response, fields in the order the API writes them.
type (
	apiPage struct {
		Data     []apiTweet  `json:"data"`
		Includes apiIncludes `json:"includes"`
		Meta     apiMeta     `json:"meta"`
	}
	apiTweet struct {
		ID                  string     `json:"id"`
		Text                string     `json:"text"`
		AuthorID            string     `json:"author_id"`
		CreatedAt           string     `json:"created_at"`
		Lang                string     `json:"lang"`
		PublicMetrics       apiMetrics `json:"public_metrics"`
		ConversationID      string     `json:"conversation_id"`
		EditHistoryTweetIDs []string   `json:"edit_history_tweet_ids"`
	}
	apiMetrics struct {
		RetweetCount int `json:"retweet_count"`
		ReplyCount   int `json:"reply_count"`
		LikeCount    int `json:"like_count"`
		QuoteCount   int `json:"quote_count"`
	}
	apiIncludes struct {
		Users []apiUser `json:"users"`
	}
	apiUser struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
	}
	apiMeta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token,omitempty"`
	}
)

func pageJSON(r *rand.Rand, key string, chunk []*tweet, a *authors, last bool) ([]byte, error) {
	apiTextEscaper := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;") // as the API does
	pg := apiPage{Data: make([]apiTweet, 0, len(chunk))}
	seen := map[int]bool{}
	for i, t := range chunk {
		id := strconv.FormatInt(t.id, 10)
		at := apiTweet{
			ID: id, Text: apiTextEscaper.Replace(t.text), AuthorID: a.list[t.author].id,
			CreatedAt: t.utc.Format("2006-01-02T15:04:05.000Z"), Lang: "en",
			PublicMetrics: apiMetrics{RetweetCount: t.rts, ReplyCount: t.replies, LikeCount: t.likes,
				QuoteCount: t.qts},
			ConversationID: strconv.FormatInt(t.conv, 10), EditHistoryTweetIDs: []string{id},
		}
		if key == badTweetKey {
			switch i {
			case badTextIndex:
				at.Text = ""
			case badDateIndex:
				at.CreatedAt = t.utc.Format(time.RubyDate)
			}
		}
		pg.Data = append(pg.Data, at)
		if !seen[t.author] {
			seen[t.author] = true
			u := a.list[t.author]
			pg.Includes.Users = append(pg.Includes.Users, apiUser{ID: u.id, Name: u.name, Username: u.username})
		}
	}
	pg.Meta = apiMeta{NewestID: pg.Data[0].ID, OldestID: pg.Data[len(pg.Data)-1].ID, ResultCount: len(pg.Data)}
	if !last {
		pg.Meta.NextToken = token(r, 45, alnumLower)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pg); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// splitCamel splits "NorthsideNana" into its words.
func splitCamel(s string) []string {
	var words []string
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			words = append(words, s[start:i])
			start = i
		}
	}
	return append(words, s[start:])
}
