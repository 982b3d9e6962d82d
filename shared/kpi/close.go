package kpi

import "errors"

// Close releases the temporary files of what the computer spilled to disk (survey
// responses, keyphrase counts, author hashes and close times past their memory limits); a
// computer that never spilled holds none. The computer must not be used afterwards. A
// computer merged into another (Merge) has handed its files over: closing it is harmless.
func (c *Computer) Close() error {
	var errs []error
	if c.sv.runs != nil {
		errs = append(errs, c.sv.runs.Close())
	}
	if c.phraseRuns.sorter != nil {
		errs = append(errs, c.phraseRuns.sorter.Close())
	}
	for _, m := range c.partials {
		for _, p := range m {
			errs = append(errs, p.authors.close())
			if sp := p.days.disk; sp != nil && sp.s != nil {
				errs = append(errs, sp.s.Close())
			}
		}
	}
	return errors.Join(errs...)
}
