//go:build race

package score_test

// raceEnabled: the race detector makes sync.Pool drop items, so pooled code allocates.
const raceEnabled = true
