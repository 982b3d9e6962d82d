package sentiment_test

import (
	"fmt"

	"github.com/civicpulse/civicpulse/shared/score/sentiment"
)

func Example() {
	a := sentiment.New(sentiment.Civic) // once per process; safe for concurrent use
	for _, text := range []string{
		"Still waiting for someone to fix the pothole on Elm Street.",
		"Thank you for fixing the streetlight so quickly!",
		"When is trash pickup on Maple Avenue?",
	} {
		r := a.Score(text)
		fmt.Printf("%+.2f %-8s", r.Compound, r.Label)
		for _, t := range r.Terms {
			fmt.Printf(" [%s %+.2f]", t.Text, t.Contribution)
		}
		fmt.Println()
	}
	// Output:
	// -0.42 negative [still waiting -0.42]
	// +0.64 positive [thank you for fixing +0.64]
	// +0.00 neutral
}

func ExampleAnalyzer_Compound() {
	vader := sentiment.New(sentiment.VADER)
	fmt.Printf("%.4f\n", vader.Compound("VADER is smart, handsome, and funny."))
	// Output: 0.8316
}
