package sample

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ScaleQuarter is the fiscal quarter InstallScale fills: FY2027 Q1, July to September 2026,
// the demo city's latest quarter.
const ScaleQuarter = "2027-Q1"

// Scale file sizes: bounded, so that no stage ever has to hold a big file whatever the size
// of the quarter.
const (
	scalePostsPerFile   = 5000  // 50 X API pages, about 3.5 MB
	scaleAnswersPerFile = 20000 // SurveyMonkey rows, about 4 MB
	scaleSurveyShare    = 20    // one survey response per this many posts
)

// InstallScale writes the sample city's config and a quarter (ScaleQuarter) of posts X API v2
// search pages, plus posts/20 SurveyMonkey responses, to dst: the load for benchmarks.
// Texts come from the demo's generators, ~2.5% of posts with planted personal data. Files
// are a day's posts in JSON Lines pages (at most 5,000 posts a file) and CSV exports of at
// most 20,000 rows, each generated as it is written, so memory stays flat whatever posts is.
// The same seed and posts give the same bytes.
func InstallScale(ctx context.Context, dst Putter, seed int64, posts int) error {
	return installScale(ctx, dst, newScaleGen(seed, posts, scalePostsPerFile, scaleAnswersPerFile))
}

func installScale(ctx context.Context, dst Putter, g *scaleGen) error {
	if posts := g.posts; posts < 1 {
		return fmt.Errorf("sample: scale quarter of %d posts: want at least 1", posts)
	}
	if err := dst.Put(ctx, ConfigKey, strings.NewReader(string(CityYAML))); err != nil {
		return fmt.Errorf("install scale city: %w", err)
	}
	for i, f := range g.files() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := putStreaming(ctx, dst, f.key, func(w io.Writer) error { return f.write(g.rng(uint64(i)), w) }); err != nil {
			return fmt.Errorf("install scale city: %s: %w", f.key, err)
		}
	}
	return nil
}

// putStreaming puts what write writes, without holding it in memory.
func putStreaming(ctx context.Context, dst Putter, key string, write func(io.Writer) error) error {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 256<<10)
		err := write(bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	err := dst.Put(ctx, key, pr)
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if Put gave up early
	return err
}

type scaleFile struct {
	key   string
	write func(r *rand.Rand, w io.Writer) error
}

// scaleGen lays out a scale quarter: which file holds which posts and answers.
type scaleGen struct {
	seed    int64
	posts   int
	q       quarter
	p       *phrases
	authors int // size of the author pool

	postsPerFile, answersPerFile int
}

func newScaleGen(seed int64, posts, postsPerFile, answersPerFile int) *scaleGen {
	return &scaleGen{seed: seed, posts: posts, q: quarterAt(quarters - 1), p: newPhrases(),
		authors: max(420, posts/20), postsPerFile: postsPerFile, answersPerFile: answersPerFile}
}

// rng is file i's own random stream: files do not depend on each other.
func (g *scaleGen) rng(i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(g.seed), 0x5ca1e_0000_0000+i))
}

func (g *scaleGen) files() []scaleFile {
	var files []scaleFile
	span := days(g.q.start, g.q.end)
	var first int64 // index of the first post of the file: ids are unique across the quarter
	for d := range span {
		day := g.q.start.AddDate(0, 0, d)
		n := g.posts / span
		if d < g.posts%span {
			n++
		}
		for part := 0; part*g.postsPerFile < n; part++ {
			count, start := min(g.postsPerFile, n-part*g.postsPerFile), first
			files = append(files, scaleFile{
				key: fmt.Sprintf("inbox/twitter/scale-%s-p%03d.jsonl", day.Format("2006-01-02"), part+1),
				write: func(r *rand.Rand, w io.Writer) error {
					return g.writeTweets(r, w, day, start, count)
				},
			})
			first += int64(count)
		}
	}
	answers := max(1, g.posts/scaleSurveyShare)
	for part := 0; part*g.answersPerFile < answers; part++ {
		count, start := min(g.answersPerFile, answers-part*g.answersPerFile), int64(part*g.answersPerFile)
		files = append(files, scaleFile{
			key: fmt.Sprintf("inbox/resident_survey/springfield-resident-survey-%s-p%03d.csv", g.q.label(), part+1),
			write: func(r *rand.Rand, w io.Writer) error {
				return g.writeSurvey(r, w, start, count)
			},
		})
	}
	return files
}

// writeTweets writes count posts of one day as X API v2 search pages, one page a line.
func (g *scaleGen) writeTweets(r *rand.Rand, w io.Writer, day time.Time, first int64, count int) error {
	kinds, shares := tweetMix(g.q)
	var tones [numKinds][]float64
	for k := range numKinds {
		tones[k] = toneMix(k, g.q)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	escaper := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;") // as the API does
	var pg apiPage
	seen := map[int]bool{}
	for done := 0; done < count; {
		n := min(tweetsPerPage, count-done)
		pg.Data, pg.Includes.Users = pg.Data[:0], pg.Includes.Users[:0]
		clear(seen)
		for i := range n {
			k := kinds[weighted(r, shares)]
			t := tone(weighted(r, tones[k]))
			text := g.p.tweet(r, k, t)
			a := r.IntN(g.authors)
			if r.Float64() < 0.025 {
				text += " " + g.p.pii(r, scaleUsername(r.IntN(g.authors)))
			}
			utc := chicagoToUTC(localTime(r, day, 1))
			id := strconv.FormatInt(1_800_000_000_000_000_000+first+int64(done+i), 10)
			likes := int(r.ExpFloat64() * 3)
			pg.Data = append(pg.Data, apiTweet{
				ID: id, Text: escaper.Replace(text), AuthorID: scaleAuthorID(a),
				CreatedAt: utc.Format("2006-01-02T15:04:05.000Z"), Lang: "en",
				PublicMetrics:  apiMetrics{RetweetCount: int(r.ExpFloat64() * float64(likes) / 6), LikeCount: likes, ReplyCount: int(r.ExpFloat64() * 0.9)},
				ConversationID: id, EditHistoryTweetIDs: []string{id},
			})
			if !seen[a] {
				seen[a] = true
				pg.Includes.Users = append(pg.Includes.Users, apiUser{ID: scaleAuthorID(a), Name: "Resident " + strconv.Itoa(a), Username: scaleUsername(a)})
			}
		}
		slices.SortFunc(pg.Data, func(x, y apiTweet) int { return strings.Compare(y.CreatedAt, x.CreatedAt) })
		pg.Meta = apiMeta{NewestID: pg.Data[0].ID, OldestID: pg.Data[len(pg.Data)-1].ID, ResultCount: len(pg.Data), NextToken: ""}
		done += n
		if done < count {
			pg.Meta.NextToken = token(r, 45, alnumLower)
		}
		if err := enc.Encode(&pg); err != nil {
			return err
		}
	}
	return nil
}

func scaleAuthorID(a int) string    { return strconv.Itoa(3_000_000_000 + a) }
func scaleUsername(a int) string    { return "resident" + strconv.Itoa(a) }
func scaleRespondent(i int64) int64 { return 12_000_000_000 + 1000*i }

// writeSurvey writes count responses as a SurveyMonkey CSV export.
func (g *scaleGen) writeSurvey(r *rand.Rand, w io.Writer, first int64, count int) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	meta := []string{"RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address",
		"Email Address", "First Name", "Last Name", "Custom Data 1"}
	header1 := append(slices.Clone(meta), questionSatisfaction, questionRecommend, questionDistrict, questionImprove)
	header2 := append(make([]string, len(meta)), "Response", "Response", "Response", "Open-Ended Response")
	if err := cw.WriteAll([][]string{header1, header2}); err != nil {
		return err
	}
	labels := []string{"Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied",
		"Dissatisfied", "Very dissatisfied"}
	top := g.q.topTwoShare()
	ratingW := []float64{0.36 * top, 0.64 * top, 0.45 * (1 - top), 0.35 * (1 - top), 0.20 * (1 - top)}
	districts := []string{"Downtown", "Northside", "Riverside", "East End", "Westgate"}
	districtW := []float64{0.29, 0.25, 0.18, 0.16, 0.12}
	span := days(g.q.start, g.q.end)
	rec := make([]string, len(header1))
	for i := range count {
		rating := weighted(r, ratingW)
		start := localTime(r, g.q.start, span)
		end := start.Add(90*time.Second + time.Duration(r.ExpFloat64()*240)*time.Second)
		if !end.Before(g.q.end) {
			start, end = start.Add(-time.Hour), end.Add(-time.Hour)
		}
		rec = append(rec[:0], strconv.FormatInt(scaleRespondent(first+int64(i)), 10), "412873645",
			start.Format(surveyTimeLayout), end.Format(surveyTimeLayout), "", "", "", "", "",
			labels[rating], strconv.Itoa(10-2*rating-r.IntN(2)), districts[weighted(r, districtW)],
			surveyAnswer(r, g.p, g.q, rating, true))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
