package kpi

import "errors"

// Close releases the temporary files of what the computer spilled to disk (survey
// responses, keyphrase counts, author hashes and close times past their memory limits); a
// computer that never spilled holds none. The computer must not be used afterwards. A
// computer merged into another (Merge) has handed its files over: closing it is harmless.
func (c *Computer) Close() error {
	var errs []error
	errs = append(errs, c.sv.runs.close(), c.phraseRuns.runs.close())
	for _, m := range c.partials {
		for _, p := range m {
			errs = append(errs, p.authors.close(), p.days.disk.close())
		}
	}
	return errors.Join(errs...)
}
