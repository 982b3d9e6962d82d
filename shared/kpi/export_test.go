package kpi

// SurveyLimit sets the bytes of survey responses a computer keeps in memory before they go to
// temporary files: tests make it tiny to spill small inputs.
func SurveyLimit(bytes int) Option { return func(c *Computer) { c.sv.limit = bytes } }

// SurveySpills is the number of temporary files the survey responses went to.
func (c *Computer) SurveySpills() int {
	if c.sv.runs == nil {
		return 0
	}
	return c.sv.runs.s.Spilled()
}
