package kpi

import (
	"cmp"
	"math"
	"slices"
)

// emerging lists keyphrases whose share of feedback rose most this quarter against the
// previous four. The lift is smoothed with a pseudo-count α on both sides,
// ((c+α)/(N+α)) / ((b+α)/(B+α)) for c of N records this quarter and b of B before, so that a
// phrase new this quarter gets a finite lift that grows with its support, and a rare phrase
// cannot top the list by chance. Phrases need MinCount records this quarter and a lift above 1.
func (c *Computer) emerging() []EmergingTopic {
	out := c.emergingPhrases()
	for i := range out {
		if l := c.phrases[out[i].Phrase].quotes; l != nil {
			out[i].Quotes = pickQuotes(*l)
		}
	}
	return out
}

// emergingPhrases is emerging without the quotes: it reads the counts only.
func (c *Computer) emergingPhrases() []EmergingTopic {
	cfg := c.city.Emerging
	minCount, top, prior := int64(max(cfg.MinCount, 1)), max(cfg.Top, 1), cfg.Prior
	if prior <= 0 {
		prior = 1
	}
	n := float64(c.total(c.quarter))
	var b float64
	for i := 1; i <= baseline; i++ {
		b += float64(c.total(c.quarter.Add(-i)))
	}
	var out []EmergingTopic
	for p, a := range c.phrases {
		if a.count[0] < minCount {
			continue
		}
		var before int64
		for _, x := range a.count[1:] {
			before += x
		}
		lift := ((float64(a.count[0]) + prior) / (n + prior)) / ((float64(before) + prior) / (b + prior))
		if !(lift > 1) || math.IsInf(lift, 0) {
			continue
		}
		e := EmergingTopic{Phrase: p, Count: a.count[0], Share: float64(a.count[0]) / n, Lift: lift}
		if b > 0 {
			e.BaselineShare = float64(before) / b
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(x, y EmergingTopic) int {
		return cmp.Or(cmp.Compare(y.Lift, x.Lift), cmp.Compare(y.Count, x.Count), cmp.Compare(x.Phrase, y.Phrase))
	})
	return out[:min(len(out), top)]
}
