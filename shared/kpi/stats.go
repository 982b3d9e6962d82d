package kpi

import (
	"math"

	"github.com/civicpulse/civicpulse/shared/config"
)

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// estimate is a KPI value with its standard error and what the kind's change test needs.
type estimate struct {
	value, se float64
	n         int64
	ok        bool

	p90   float64   // time_to_close: 90th percentile
	neff  float64   // survey kinds: Kish effective sample size
	lo    float64   // an interval not of the form value ± z·se (time_to_close); set with hasCI
	hi    float64   //
	hasCI bool      //
	days  durations // time_to_close: sorted, for the median test
	x, m  int64     // share_of_voice: matching records and all records
}

// quantileCont is DuckDB's quantile_cont of sorted values: linear interpolation between the
// order statistics around position (n-1)·q, computed as DuckDB computes it (lo + d·(hi-lo)),
// so that the figure is recomputable by SQL to the last bit or nearly.
func quantileCont(n int, sorted func(i int) float64, q float64) float64 {
	pos := float64(n-1) * q
	lo, hi := math.Floor(pos), math.Ceil(pos)
	if lo == hi {
		return sorted(int(lo))
	}
	a, b := sorted(int(lo)), sorted(int(hi))
	return a + (pos-lo)*(b-a)
}

// medianInterval is the distribution-free 95% interval of a median: the order statistics
// whose ranks bracket n/2 by z95·√n/2 (the normal approximation of the binomial).
func medianInterval(count int, sorted func(i int) float64) (lo, hi float64) {
	n := float64(count)
	d := z95 * math.Sqrt(n) / 2
	l := int(math.Floor(n/2 - d))  // 0-based rank of the lower bound
	h := int(math.Ceil(n/2+d)) - 1 // 0-based rank of the upper bound
	l = max(l, 0)
	h = min(max(h, 0), count-1)
	return sorted(l), sorted(h)
}

// meanOfThree is the estimate of the mean of a variable that is +1, 0 or -1 (net sentiment,
// NPS) from the shares of +1 and -1 and an effective sample size.
func meanOfThree(pos, neg, neff float64, n int64) estimate {
	v := pos - neg
	return estimate{value: v, se: math.Sqrt(math.Max(pos+neg-v*v, 0) / neff), n: n, ok: true, neff: neff}
}

// interval is the 95% interval, clamped to the range the kind can take.
func (e estimate) interval(kind string) (lo, hi float64) {
	if e.hasCI {
		return e.lo, e.hi
	}
	lo, hi = e.value-z95*e.se, e.value+z95*e.se
	switch kind {
	case config.KindNetSentiment, config.KindNPS:
		lo, hi = math.Max(lo, -1), math.Min(hi, 1)
	case config.KindSatisfaction, config.KindShareOfVoice:
		lo, hi = math.Max(lo, 0), math.Min(hi, 1)
	default:
		lo = math.Max(lo, 0)
	}
	return lo, hi
}

// changeTest returns the two-sided p-value of the change from prev to cur, or false when the
// test cannot be made. The test of each kind is named by testName.
func changeTest(kind string, cur, prev estimate) (p float64, ok bool) {
	if !cur.ok || !prev.ok {
		return 0, false
	}
	switch kind {
	case config.KindShareOfVoice:
		// Two-proportion z test with the pooled proportion under the null.
		if cur.m == 0 || prev.m == 0 {
			return 0, false
		}
		pool := float64(cur.x+prev.x) / float64(cur.m+prev.m)
		v := pool * (1 - pool) * (1/float64(cur.m) + 1/float64(prev.m))
		if v <= 0 {
			return 0, false
		}
		return twoSided((cur.value - prev.value) / math.Sqrt(v)), true
	case config.KindVolume, config.KindUniqueContributors:
		// Conditional test of two Poisson counts: given the total, cur ~ Binomial(total, 1/2)
		// under equal rates; its normal approximation is (a-b)/√(a+b).
		a, b := cur.value, prev.value
		if a+b == 0 {
			return 0, false
		}
		return twoSided((a - b) / math.Sqrt(a+b)), true
	case config.KindTimeToClose:
		return moodMedianTest(cur.days, prev.days)
	}
	// Difference of two independent means (net sentiment; weighted satisfaction and NPS with
	// their Kish effective sample sizes).
	v := cur.se*cur.se + prev.se*prev.se
	if v <= 0 {
		return 0, false
	}
	return twoSided((cur.value - prev.value) / math.Sqrt(v)), true
}

func twoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// moodMedianTest is Mood's median test: the 2×2 table of each sample's values above and not
// above the pooled median, tested by Pearson's chi-square with one degree of freedom. An
// error reading spilled close times is kept for Computer.Err, and the test not made.
func moodMedianTest(a, b durations) (float64, bool) {
	if a.len() == 0 || b.len() == 0 {
		return 0, false
	}
	// The pooled median, from the sorted lists and runs of both: pooling them would copy both.
	var med float64
	err := orderStats([]durations{a, b}, func(at func(int) float64) { med = quantileCont(a.len()+b.len(), at, 0.5) })
	if err != nil {
		keepErr(err, a, b)
		return 0, false
	}
	na, nb := float64(a.len()), float64(b.len())
	ca, err := a.countAbove(med)
	if err != nil {
		keepErr(err, a)
		return 0, false
	}
	cb, err := b.countAbove(med)
	if err != nil {
		keepErr(err, b)
		return 0, false
	}
	aa, ab := float64(ca), float64(cb)
	n, up := na+nb, aa+ab
	if up == 0 || up == n {
		return 0, false
	}
	chi := 0.0
	for _, c := range [][3]float64{{aa, na, up}, {na - aa, na, n - up}, {ab, nb, up}, {nb - ab, nb, n - up}} {
		e := c[1] * c[2] / n
		chi += (c[0] - e) * (c[0] - e) / e
	}
	return math.Erfc(math.Sqrt(chi / 2)), true
}

// testName states the change test of each kind, as the report prints it.
func testName(kind string) string {
	switch kind {
	case config.KindVolume:
		return "conditional binomial test of two Poisson counts (normal approximation), two-sided"
	case config.KindUniqueContributors:
		return "Poisson approximation: conditional binomial test of two counts, two-sided"
	case config.KindShareOfVoice:
		return "two-proportion z test (pooled), two-sided"
	case config.KindSatisfaction:
		return "z test of two weighted proportions (Kish effective n), two-sided"
	case config.KindNPS:
		return "z test of two weighted multinomial estimates of promoters minus detractors (Kish effective n), two-sided"
	case config.KindTimeToClose:
		return "Mood's median test (chi-square, 1 df), two-sided"
	}
	return "z test of the difference of means of a -1/0/+1 variable, two-sided"
}

func sqrt(x float64) float64 { return math.Sqrt(math.Max(x, 0)) }
