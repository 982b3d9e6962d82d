package kpi_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/table"
)

// The tests' error rates are what they claim: over 2,000 simulated pairs of quarters with no
// true change, 5% ± 1% are flagged significant; over 2,000 simulated quarters, the 95%
// intervals cover the true value 95% ± 1.5%. Net sentiment is simulated as a multinomial of
// labels; weighted satisfaction as a survey whose sample over-represents some districts and
// age bands and is raked back to the population margins (unequal weights, Kish n_eff ≈ n/2).
func TestCalibration(t *testing.T) {
	c, err := config.Load(strings.NewReader(`
name: Simville
timezone: UTC
fiscal_year_start_month: 1
districts: [{id: north}, {id: south}, {id: east}]
survey_weighting:
  margins:
    - {variable: district, shares: {north: 0.5, south: 0.3, east: 0.2}}
    - {variable: age, shares: {young: 0.3, middle: 0.5, old: 0.2}}
kpis:
  - {id: net, label: Net, kind: net_sentiment, target: 0, direction: higher, owner: o}
  - {id: sat, label: Sat, kind: satisfaction, filter: {question: sat}, target: 0.5, direction: higher, owner: o}
`), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const sims = 2000
	const pPos, pNeg = 0.40, 0.25
	trueNet := pPos - pNeg
	districts, dPop, dSample := []string{"north", "south", "east"}, []float64{0.5, 0.3, 0.2}, []float64{0.2, 0.3, 0.5}
	ages, aPop, aSample := []string{"young", "middle", "old"}, []float64{0.3, 0.5, 0.2}, []float64{0.15, 0.45, 0.4}
	// Satisfaction varies by district and age, by a few points as in real surveys, so weighting
	// matters. (With much stronger dependence the Kish-based test turns conservative, about 4%
	// flagged: Kish n_eff ignores the variance raking removes.)
	pSat := func(d, a int) float64 { return 0.50 + 0.05*float64(d) - 0.03*float64(a) }
	trueSat := 0.0
	for d := range districts {
		for a := range ages {
			trueSat += dPop[d] * aPop[a] * pSat(d, a)
		}
	}
	draw := func(r *rand.Rand, p []float64) int {
		u := r.Float64()
		for i, x := range p {
			if u < x {
				return i
			}
			u -= x
		}
		return len(p) - 1
	}
	q := kpi.Quarter{FY: 2026, Q: 2}
	cal := kpi.Calendar{FiscalYearStartMonth: 1, Location: time.UTC}
	// One simulated pair of quarters: whether each KPI's change was flagged, whether its
	// interval covered the truth, and the satisfaction's n_eff. Each has its own seed, so the
	// result does not depend on how the simulations are spread over goroutines.
	type outcome struct {
		flagged, covered [2]bool
		neff             float64
	}
	simulate := func(sim int) outcome {
		r := rand.New(rand.NewPCG(2027, uint64(sim)))
		comp := kpi.NewComputer(c, q)
		var fb []table.ScoredFeedback
		var ans []table.SurveyAnswer
		for _, qq := range []kpi.Quarter{q, q.Add(-1)} {
			at, _ := cal.Bounds(qq)
			for i := range 400 {
				label := []string{"positive", "negative", "neutral"}[draw(r, []float64{pPos, pNeg, 1 - pPos - pNeg})]
				fb = append(fb, table.ScoredFeedback{ID: strconv.Itoa(qq.Q*1000 + i), CreatedAt: at, SentimentLabel: label})
			}
			for i := range 300 {
				d, a := draw(r, dSample), draw(r, aSample)
				v := 2.0
				if r.Float64() < pSat(d, a) {
					v = 5
				}
				id, dist := strconv.Itoa(qq.Q*1000+i), districts[d]
				ans = append(ans,
					table.SurveyAnswer{ResponseID: id, QuestionID: "sat", AnswerValue: &v, ScaleMin: ptr(1.0), ScaleMax: ptr(5.0), District: &dist, Weight: 1, SubmittedAt: at},
					table.SurveyAnswer{ResponseID: id, QuestionID: "age", AnswerText: ages[a], District: &dist, Weight: 1, SubmittedAt: at})
			}
		}
		comp.AddFeedback(fb)
		comp.AddAnswers(ans)
		doc := comp.Document(time.Unix(0, 0))
		var o outcome
		for i, truth := range []float64{trueNet, trueSat} {
			k := doc.KPIs[i]
			o.flagged[i] = k.ChangeSignificant
			o.covered[i] = *k.CILow <= truth && truth <= *k.CIHigh
		}
		o.neff = *doc.KPIs[1].NEff
		return o
	}
	outcomes := make([]outcome, sims)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for sim := w; sim < sims; sim += workers {
				outcomes[sim] = simulate(sim)
			}
		})
	}
	wg.Wait()
	var flagged, covered [2]int
	var neff float64
	for _, o := range outcomes {
		for i := range 2 {
			if o.flagged[i] {
				flagged[i]++
			}
			if o.covered[i] {
				covered[i]++
			}
		}
		neff += o.neff / sims
	}
	for i, name := range []string{"net sentiment", "weighted satisfaction"} {
		f, cv := float64(flagged[i])/sims, float64(covered[i])/sims
		t.Logf("%s: %.2f%% flagged with no true change; %.2f%% of intervals cover the truth", name, 100*f, 100*cv)
		if math.Abs(f-0.05) > 0.01 {
			t.Errorf("%s: %.3f of no-change quarters flagged significant; want 0.05 ± 0.01", name, f)
		}
		if math.Abs(cv-0.95) > 0.015 {
			t.Errorf("%s: intervals cover the truth %.3f of the time; want 0.95 ± 0.015", name, cv)
		}
	}
	t.Logf("mean Kish n_eff of 300 raked responses: %.0f", neff)
	if neff > 280 || neff < 100 {
		t.Errorf("mean n_eff %.0f: the simulated weights are not the unequal weights the test is about", neff)
	}
}
