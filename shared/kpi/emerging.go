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
		// An emerging phrase whose counts were spilled has no entry unless QuotePhrases made one.
		if a := c.phrases[out[i].Phrase]; a != nil && a.quotes != nil {
			out[i].Quotes = pickQuotes(*a.quotes)
		}
	}
	return out
}

// emergingPhrases is emerging without the quotes: it reads the counts only.
func (c *Computer) emergingPhrases() []EmergingTopic {
	pr := &c.phraseRuns
	if pr.runs != nil && pr.emerging != nil && pr.totals == c.totals {
		return slices.Clone(pr.emerging) // the caller sets their quotes
	}
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
	// Only the top phrases are kept as they come: the order is total (phrases are distinct),
	// so cutting to the top now and then leaves the same top in the end.
	var out []EmergingTopic
	order := func(x, y EmergingTopic) int {
		return cmp.Or(cmp.Compare(y.Lift, x.Lift), cmp.Compare(y.Count, x.Count), cmp.Compare(x.Phrase, y.Phrase))
	}
	c.eachPhraseCount(func(name string, text []byte, count *[baseline + 1]int64) {
		if count[0] < minCount {
			return
		}
		var before int64
		for _, x := range count[1:] {
			before += x
		}
		lift := ((float64(count[0]) + prior) / (n + prior)) / ((float64(before) + prior) / (b + prior))
		if !(lift > 1) || math.IsInf(lift, 0) {
			return
		}
		if name == "" {
			name = string(text)
		}
		e := EmergingTopic{Phrase: name, Count: count[0], Share: float64(count[0]) / n, Lift: lift}
		if b > 0 {
			e.BaselineShare = float64(before) / b
		}
		out = append(out, e)
		if len(out) >= 2*top+64 {
			slices.SortFunc(out, order)
			clear(out[top:])
			out = out[:top]
		}
	})
	slices.SortFunc(out, order)
	out = out[:min(len(out), top):min(len(out), top)]
	if pr.runs != nil && pr.runs.err == nil {
		pr.emerging, pr.totals = slices.Clone(out), c.totals
		if pr.emerging == nil {
			pr.emerging = []EmergingTopic{}
		}
	}
	return out
}
