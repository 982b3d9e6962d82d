package kpi

// PhraseSpills is the number of keyphrase records written out of memory and of temporary
// files they went to.
func (c *Computer) PhraseSpills() (records int64, files int) {
	if s := c.phraseRuns.sorter; s != nil {
		return s.Len(), s.Spilled()
	}
	return 0, 0
}
