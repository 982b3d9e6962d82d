package kpi

import "testing"

// SpillAggregates sets, for one test, the memory limits of the author sets (table slots) and
// the close times (values) of unique_contributors and time_to_close, and the bytes their
// sorters keep before writing a file: tiny limits spill a small input.
func SpillAggregates(t testing.TB, slots, durations, sorterBytes int) {
	withSpillLimits(t, slots, durations, sorterBytes)
}

// AggregateSpills is how many author hashes and close times c wrote out of memory, and the
// number of temporary files they are in.
func (c *Computer) AggregateSpills() (records, files int) {
	for _, m := range c.partials {
		for _, p := range m {
			hashes, hashFiles := p.authors.spillCounts()
			records += hashes
			files += hashFiles
			if sp := p.days.disk; sp != nil {
				records += sp.len()
				files += sp.s.Spilled()
			}
		}
	}
	return records, files
}
