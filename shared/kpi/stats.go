package kpi

import "math"

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// Partial is the mergeable aggregate of one KPI over one quarter: sums only, so partials from
// any split of the data merge into exactly the single-pass aggregate.
type Partial struct {
	N     int64   `json:"n"`      // records (or answers) that match the KPI's filter
	Pos   int64   `json:"pos"`    // positive records
	Neg   int64   `json:"neg"`    // negative records
	SumW  float64 `json:"sum_w"`  // survey weights
	SumW2 float64 `json:"sum_w2"` // squared survey weights
	SumWY float64 `json:"sum_wy"` // weights of answers in the top two boxes
}

// Merge adds another partial of the same KPI and quarter.
func (p *Partial) Merge(o Partial) {
	p.N += o.N
	p.Pos += o.Pos
	p.Neg += o.Neg
	p.SumW += o.SumW
	p.SumW2 += o.SumW2
	p.SumWY += o.SumWY
}

// estimate is a KPI value with its standard error.
type estimate struct {
	value, se float64
	n         int64
	ok        bool
}

func estimateOf(kind string, p Partial) estimate {
	if p.N == 0 {
		return estimate{}
	}
	n := float64(p.N)
	switch kind {
	case "net_sentiment":
		pos, neg := float64(p.Pos)/n, float64(p.Neg)/n
		v := pos - neg
		// Variance of the mean of a variable that is +1, 0 or -1.
		return estimate{value: v, se: math.Sqrt(math.Max(pos+neg-v*v, 0) / n), n: p.N, ok: true}
	case "volume":
		return estimate{value: n, se: math.Sqrt(n), n: p.N, ok: true}
	case "satisfaction":
		if p.SumW <= 0 {
			return estimate{}
		}
		v := p.SumWY / p.SumW
		neff := p.SumW * p.SumW / p.SumW2 // Kish effective sample size
		return estimate{value: v, se: math.Sqrt(math.Max(v*(1-v), 0) / neff), n: p.N, ok: true}
	}
	return estimate{}
}

// interval is the 95% interval, clamped to the range the kind can take.
func (e estimate) interval(kind string) (lo, hi float64) {
	lo, hi = e.value-z95*e.se, e.value+z95*e.se
	switch kind {
	case "net_sentiment":
		lo, hi = math.Max(lo, -1), math.Min(hi, 1)
	case "satisfaction":
		lo, hi = math.Max(lo, 0), math.Min(hi, 1)
	case "volume":
		lo = math.Max(lo, 0)
	}
	return lo, hi
}

// changeTest is the two-sided z test of the difference of two independent estimates: for
// net sentiment and weighted satisfaction the difference of means with their standard errors,
// for volume the conditional test of two Poisson counts (se² = n). It returns the p-value,
// or false when the test cannot be made (no variance at all).
func changeTest(cur, prev estimate) (p float64, ok bool) {
	v := cur.se*cur.se + prev.se*prev.se
	if !cur.ok || !prev.ok || v <= 0 {
		return 0, false
	}
	z := (cur.value - prev.value) / math.Sqrt(v)
	return math.Erfc(math.Abs(z) / math.Sqrt2), true
}
