package kpi

import (
	"math/rand/v2"
	"testing"
)

// TestNormPhraseFastPath checks that the fast path of normPhrase, which returns phrases
// already in normal form as they are, agrees with the general form on every input.
func TestNormPhraseFastPath(t *testing.T) {
	cases := []string{"", " ", "pothole", "pot hole", "Pot Hole", "pot  hole", " pot", "pot ", "pot\thole",
		"pot\nhole", "pot\u00a0hole", "café crème", "CAFÉ", "a", "a b c", "x\u0085y", "road-works 24/7"}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', 'b', 'Z', ' ', ' ', '\t', '\r', 'é', 'É', '\u00a0', '\u2003', '-'}
	for range 5000 {
		rs := make([]rune, r.IntN(8))
		for i := range rs {
			rs[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(rs))
	}
	for _, s := range cases {
		if got, want := normPhrase(s), normPhraseSlow(s); got != want {
			t.Errorf("normPhrase(%q) = %q, want %q", s, got, want)
		}
	}
}
