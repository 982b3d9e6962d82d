package kpi

import "github.com/civicpulse/civicpulse/shared/table"

// TightenQuotes cuts the quote candidates of each topic of r, folded and offered as a quote
// before, to the best maxQuoteCandidates now rather than when the list doubles. A list turns
// a row away (MayQuote) only if the row sorts after its worst kept candidate, and a list cut
// only when it doubles keeps that bar where its last cut left it: a reader that reads the
// text of the rows MayQuote lets through, as the pipeline's column fold does, read about
// twice the rows it needed to, and most text pages of a large quarter. The candidates kept
// are the same either way: a candidate cut sorts after fifty that stay, and can never be
// among the final ones.
func (c *Computer) TightenQuotes(r *table.ScoredFeedback) {
	for _, t := range r.Topics {
		if a := c.topics[t]; a != nil && len(a.quotes.qs) > maxQuoteCandidates {
			a.quotes.cut()
		}
	}
}
