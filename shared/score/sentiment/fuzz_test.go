package sentiment_test

import (
	"math"
	"testing"

	"github.com/civicpulse/civicpulse/shared/score/sentiment"
)

func FuzzCompound(f *testing.F) {
	for _, s := range []string{
		"", " ", "!!!???", "not", "but", "BUT BUT but", "no no no", "kind of", "the shit",
		"Still waiting... not", "Love waiting 50 minutes", ":) :( <3", "😀😀a😡", "\xff\xfe bad",
		"least least good", "never so this good", "at least very least bad", "ÉNORME bad",
		"waiting\u00a0forever\u2003again\x1cagain",
	} {
		f.Add(s)
	}
	analyzers := []*sentiment.Analyzer{sentiment.New(sentiment.VADER), sentiment.New(sentiment.Civic)}
	f.Fuzz(func(t *testing.T, text string) {
		for _, a := range analyzers {
			c := a.Compound(text)
			if math.IsNaN(c) || c < -1 || c > 1 {
				t.Fatalf("%v Compound(%q) = %v; want a number in [-1, 1]", a.Mode(), text, c)
			}
			r := a.Score(text)
			if r.Compound != c || r.Label != sentiment.LabelOf(c) || len(r.Terms) > sentiment.MaxTerms {
				t.Fatalf("%v Score(%q) = %+v; want Compound %v", a.Mode(), text, r, c)
			}
		}
	})
}
