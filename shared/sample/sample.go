package sample

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// DefaultSeed is the seed of the demo city.
const DefaultSeed int64 = 2026

// ConfigKey is where the city config goes in the store; the pipeline reads it there.
const ConfigKey = "config/city.yaml"

// File is one generated object: its key in the city's store (ConfigKey, or inbox/<source>/…)
// and its bytes.
type File struct {
	Key  string
	Data []byte
}

// quarters is the number of fiscal quarters generated, FY2025 Q2 to FY2027 Q1.
const quarters = 8

// Independent random streams, so that changing one part of the generator leaves the others'
// output as it was.
const (
	streamAuthors uint64 = 0xa7_0f5e_11d0_0001
	streamTweets  uint64 = 0x7e_e7_5e_11d0_0002
	streamSurvey  uint64 = 0x5a_57e7_11d0_0003
)

// Generate returns the sample city: its config and eight quarters of resident feedback under
// inbox/, sorted by key. The same seed always gives the same bytes; Generate does no I/O.
func Generate(seed int64) ([]File, error) { return generate(seed, nil) }

// generate is Generate, calling plant (when not nil) with each planted personal value.
func generate(seed int64, plant func(string)) ([]File, error) {
	p := newPhrases()
	p.plant = plant
	rng := func(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), stream)) }
	authors := newAuthors(rng(streamAuthors), p)

	files := []File{{Key: ConfigKey, Data: slices.Clone(CityYAML)}}
	tr, sr := rng(streamTweets), rng(streamSurvey)
	var nextRespondent int64 = 11_402_000_000 + sr.Int64N(5_000_000)
	for i := range quarters {
		q := quarterAt(i)
		tw, err := tweetFiles(tr, p, authors, q)
		if err != nil {
			return nil, fmt.Errorf("sample: twitter %s: %w", q.label(), err)
		}
		files = append(files, tw...)
		sv, err := surveyFile(sr, p, q, &nextRespondent)
		if err != nil {
			return nil, fmt.Errorf("sample: survey %s: %w", q.label(), err)
		}
		files = append(files, sv)
	}
	slices.SortFunc(files, func(a, b File) int { return cmp.Compare(a.Key, b.Key) })
	return files, nil
}

// quarter is one fiscal quarter as local dates in Springfield: [start, end).
type quarter struct {
	index      int // 0 for the first generated quarter
	fy, fq     int // fiscal year and quarter (the year starts in July)
	start, end time.Time
}

// quarterAt returns the i-th generated quarter; the first begins on 2024-10-01. Dates are wall
// clock times in Springfield, carried in time.UTC.
func quarterAt(i int) quarter {
	start := time.Date(2024, time.October+time.Month(3*i), 1, 0, 0, 0, 0, time.UTC)
	fy := start.Year()
	if start.Month() >= time.July {
		fy++
	}
	return quarter{index: i, fy: fy, fq: (int(start.Month())-7+12)%12/3 + 1,
		start: start, end: start.AddDate(0, 3, 0)}
}

func (q quarter) label() string { return fmt.Sprintf("FY%d-Q%d", q.fy, q.fq) }

// progress runs from 0 in the first quarter to 1 in the last: the trends are linear in it.
func (q quarter) progress() float64 { return float64(q.index) / (quarters - 1) }

// winter is true for the quarters that have snow: October–December and January–March.
func (q quarter) winter() bool { return q.fq == 2 || q.fq == 3 }

// potholeSpike is the quarter of the pothole spike: FY2026 Q3, January to March 2026.
func (q quarter) potholeSpike() bool { return q.fy == 2026 && q.fq == 3 }

// homelessNegShare is the share of homelessness texts written negatively: ~75% to ~35%.
func (q quarter) homelessNegShare() float64 { return 0.75 - 0.40*q.progress() }

// topTwoShare is the survey's "Very satisfied" + "Satisfied" share: ~52% to ~63%.
func (q quarter) topTwoShare() float64 { return 0.52 + 0.11*q.progress() }

// days returns the number of days in [from, to).
func days(from, to time.Time) int { return int(to.Sub(from).Hours()/24 + 0.5) }

// chicagoToUTC converts a Springfield wall clock time to UTC with the US daylight saving rules
// in force since 2007 (CDT from the second Sunday of March, 2:00, to the first Sunday of
// November, 2:00), so that Generate needs no time zone database. The tests check it against
// America/Chicago.
func chicagoToUTC(wall time.Time) time.Time {
	y := wall.Year()
	dstStart := nthSunday(y, time.March, 2).Add(2 * time.Hour)
	dstEnd := nthSunday(y, time.November, 1).Add(2 * time.Hour)
	if !wall.Before(dstStart) && wall.Before(dstEnd) {
		return wall.Add(5 * time.Hour)
	}
	return wall.Add(6 * time.Hour)
}

func nthSunday(year int, month time.Month, n int) time.Time {
	d := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	d = d.AddDate(0, 0, (7-int(d.Weekday()))%7)
	return d.AddDate(0, 0, 7*(n-1))
}

// localTime draws a wall clock time on a day in [from, from+span days), at the hours residents
// write: little at night, peaks in the morning, at lunch and in the evening.
func localTime(r *rand.Rand, from time.Time, span int) time.Time {
	hourWeights := [24]float64{2, 1, 1, 0.5, 0.5, 1, 3, 6, 8, 7, 6, 6, 8, 7, 6, 6, 7, 8, 9, 10, 10, 9, 7, 4}
	day := from.AddDate(0, 0, r.IntN(span))
	h := weighted(r, hourWeights[:])
	return day.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
}

// weighted returns an index drawn with the given weights.
func weighted(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	x := r.Float64() * sum
	for i, wi := range w {
		if x < wi {
			return i
		}
		x -= wi
	}
	return len(w) - 1
}

// quota returns n labels laid out by shares (rounded, the last label taking the rest) in a
// random order: a quarter's mix is then exactly the designed one, not a noisy draw of it.
func quota[T any](r *rand.Rand, n int, labels []T, shares []float64) []T {
	out := make([]T, 0, n)
	for i, l := range labels {
		c := int(math.Round(float64(n) * shares[i]))
		if i == len(labels)-1 || len(out)+c > n {
			c = n - len(out)
		}
		for range c {
			out = append(out, l)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// jitter returns x moved by up to ±d, so that quarters do not sit exactly on the design line.
func jitter(r *rand.Rand, x, d float64) float64 { return x + (2*r.Float64()-1)*d }
