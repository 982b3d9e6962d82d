package score_test

import (
	"fmt"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score"
)

func Example() {
	s := score.New(config.DefaultTopics())
	r := s.Score("Thank you for finally fixing the potholes on Maple Ave!")
	fmt.Println(r.SentimentLabel, r.Topics, r.PrimaryTopic)
	// Output: positive [roads] roads
}

func ExampleMatcher_Match() {
	m := score.NewMatcher(config.DefaultTopics())
	fmt.Println(m.Match("Loud construction noise at 6am, and the sidewalk is blocked"))
	fmt.Println(m.Match("Had a great afternoon"))
	// Output:
	// [roads noise] noise
	// []
}

func ExampleGazetteer_Places() {
	g := score.NewGazetteer("East End")
	fmt.Println(g.Places("Broken swings in Lincoln Park, and 5th St at Maple Ave. is flooded again (east end)"))
	// Output: [Lincoln Park 5th Street Maple Avenue East End]
}

func ExampleReadDistricts() {
	const geo = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"downtown"},
	 "geometry":{"type":"Polygon","coordinates":[[[-89.70,39.78],[-89.60,39.78],[-89.60,39.84],[-89.70,39.78]]]}}]}`
	d, err := score.ReadDistricts(strings.NewReader(geo), "id", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Locate(39.79, -89.62))
	fmt.Println(d.Locate(40.00, -89.62))
	// Output:
	// downtown true
	//  false
}
