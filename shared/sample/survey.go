package sample

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// The survey questions, in export order.
const (
	questionSatisfaction = "Overall, how satisfied are you with the quality of services provided by the City of Springfield?"
	questionRecommend    = "How likely are you to recommend Springfield as a place to live to a friend or colleague?"
	questionDistrict     = "Which district do you live in?"
	questionImprove      = "What one thing should the City improve? Please tell us in your own words."
)

// The planted bad survey rows, counted among data rows from 1 (the file line is two more: no
// answer before them spans lines).
const (
	badSurveyKey  = "inbox/resident_survey/springfield-resident-survey-FY2025-Q3.csv"
	badRaggedRow  = 17 // cut after the district answer: 12 fields of 13
	badSurveyDate = 42 // StartDate and EndDate on February 30
)

const surveyTimeLayout = "01/02/2006 03:04:05 PM"

// respondent is one survey response before it is written out.
type respondent struct {
	id         int64
	start, end time.Time // wall clock
	rating     int       // index into the satisfaction labels, 0 = Very satisfied
}

// surveyFile returns a quarter's SurveyMonkey CSV export, newest response first, as
// SurveyMonkey writes it. next is the next RespondentID; ids grow with time across files.
func surveyFile(r *rand.Rand, p *phrases, q quarter, next *int64) (File, error) {
	key := fmt.Sprintf("inbox/resident_survey/springfield-resident-survey-%s.csv", q.label())
	n := int(math.Round(jitter(r, 262+9*float64(q.index), 8)))
	labels := []string{"Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied",
		"Dissatisfied", "Very dissatisfied"}
	top := jitter(r, q.topTwoShare(), 0.01)
	ratings := quota(r, n, []int{0, 1, 2, 3, 4},
		[]float64{0.36 * top, 0.64 * top, 0.45 * (1 - top), 0.35 * (1 - top), 0.20 * (1 - top)})
	// Likelihood to recommend (0..10) by satisfaction: the two answers move together.
	nps := [5][11]float64{
		{0, 0, 0, 0, 0, 0, 0, 0.03, 0.2, 0.35, 0.42},
		{0, 0, 0, 0, 0, 0.02, 0.08, 0.3, 0.35, 0.17, 0.08},
		{0, 0, 0.02, 0.05, 0.1, 0.25, 0.23, 0.2, 0.12, 0.03, 0},
		{0.05, 0.05, 0.12, 0.18, 0.2, 0.2, 0.12, 0.08, 0, 0, 0},
		{0.35, 0.2, 0.18, 0.12, 0.08, 0.07, 0, 0, 0, 0, 0},
	}
	districts := []string{"Downtown", "Northside", "Riverside", "East End", "Westgate"}
	districtWeights := []float64{0.29, 0.25, 0.18, 0.16, 0.12}

	span := days(q.start, q.end)
	resp := make([]respondent, n)
	for i := range resp {
		var start time.Time
		if r.Float64() < 0.55 { // the invitation wave, then a trickle all quarter
			start = localTime(r, q.start, 21)
		} else {
			start = localTime(r, q.start, span)
		}
		end := start.Add(90*time.Second + time.Duration(r.ExpFloat64()*240)*time.Second)
		if !end.Before(q.end) {
			start, end = start.Add(-time.Hour), end.Add(-time.Hour)
		}
		resp[i] = respondent{start: start, end: end, rating: ratings[i]}
	}
	slices.SortFunc(resp, func(a, b respondent) int { return a.start.Compare(b.start) })
	for i := range resp {
		*next += 100_000 + r.Int64N(1_400_000)
		resp[i].id = *next
	}
	slices.Reverse(resp) // SurveyMonkey exports the newest response first

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	meta := []string{"RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address",
		"Email Address", "First Name", "Last Name", "Custom Data 1"}
	header1 := append(slices.Clone(meta), questionSatisfaction, questionRecommend, questionDistrict, questionImprove)
	header2 := append(make([]string, len(meta)), "Response", "Response", "Response", "Open-Ended Response")
	if err := w.WriteAll([][]string{header1, header2}); err != nil {
		return File{}, err
	}
	for i, rs := range resp {
		row := i + 1
		collector, email, first, last := "412873645", "", "", ""
		if r.IntN(100) < 8 { // the e-mail invitation collector knows who answered
			collector = "412873702"
			f, l := pick(r, p.first), pick(r, p.last)
			first, last = capitalize(f), capitalize(l)
			email = p.planted(f + "." + l + "@" + pick(r, p.mailDomains))
		}
		start, end := rs.start.Format(surveyTimeLayout), rs.end.Format(surveyTimeLayout)
		if key == badSurveyKey && row == badSurveyDate {
			start = "02/30/2025" + start[10:]
			end = "02/30/2025" + end[10:]
		}
		rec := []string{strconv.FormatInt(rs.id, 10), collector, start, end, "", email, first, last, "",
			labels[rs.rating], strconv.Itoa(weighted(r, nps[rs.rating][:])),
			districts[weighted(r, districtWeights)],
			surveyAnswer(r, p, q, rs.rating, key != badSurveyKey || row > badSurveyDate)}
		if key == badSurveyKey && row == badRaggedRow {
			rec = rec[:12]
		}
		if err := w.Write(rec); err != nil {
			return File{}, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return File{}, err
	}
	return File{Key: key, Data: buf.Bytes()}, nil
}

// surveyAnswer returns the open-ended answer of a respondent with the given satisfaction, or ""
// for one who skipped it.
func surveyAnswer(r *rand.Rand, p *phrases, q quarter, rating int, multiline bool) string {
	if r.Float64() < 0.22 {
		return ""
	}
	w := [numKinds]float64{
		kindRoads: 0.09, kindPothole: 0.09, kindSanitation: 0.07, kindParks: 0.07, kindSafety: 0.10,
		kindHomeless: 0.12, kindHousing: 0.10, kindTransit: 0.08, kindWater: 0.05, kindNoise: 0.03,
		kindServices: 0.09, kindGeneral: 0.11,
	}
	if q.winter() {
		w[kindSnow], w[kindGeneral], w[kindParks] = 0.07, 0.07, 0.04
	}
	if q.potholeSpike() {
		w[kindPothole] = 0.30
	}
	k := kind(weighted(r, w[:]))
	var toneW []float64 // negative, neutral, positive
	switch {
	case k == kindHomeless:
		neg := q.homelessNegShare()
		toneW = []float64{neg, 0.1 * (1 - neg), 0.9 * (1 - neg)}
	case rating <= 1:
		toneW = []float64{0.12, 0.45, 0.43}
	case rating == 2:
		toneW = []float64{0.35, 0.5, 0.15}
	default:
		toneW = []float64{0.72, 0.25, 0.03}
	}
	t := tone(weighted(r, toneW))
	text := p.answer(r, k, t, multiline)
	if r.Float64() < 0.03 {
		text += " " + p.pii(r, "")
	}
	return text
}
