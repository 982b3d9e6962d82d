package score_test

import (
	"fmt"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score"
)

func Example() {
	s := score.New(config.DefaultTopics())
	r := s.Score("Thank you for finally fixing the potholes on Maple Ave!")
	fmt.Println(r.SentimentLabel, r.Topics, r.PrimaryTopic)
	// Output: positive [roads] roads
}
