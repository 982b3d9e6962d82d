package pipeline

// SetWriterBudget sets the most rows an ingest's open month writers hold together, for a
// test, and returns what restores it.
func SetWriterBudget(n int) (restore func()) {
	old := writerBudget
	writerBudget = n
	return func() { writerBudget = old }
}
