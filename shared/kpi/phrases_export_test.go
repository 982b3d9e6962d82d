package kpi

// PhraseSpills is the number of keyphrase records written out of memory and of temporary
// files they went to.
func (c *Computer) PhraseSpills() (records int64, files int) {
	if r := c.phraseRuns.runs; r != nil {
		return r.s.Len(), r.s.Spilled()
	}
	return 0, 0
}
