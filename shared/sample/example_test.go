package sample_test

import (
	"fmt"
	"strings"

	"github.com/civicpulse/civicpulse/shared/sample"
)

func Example() {
	files, err := sample.Generate(sample.DefaultSeed)
	if err != nil {
		fmt.Println(err)
		return
	}
	var surveys, pages int
	for _, f := range files {
		switch {
		case strings.HasPrefix(f.Key, "inbox/resident_survey/"):
			surveys++
		case strings.HasPrefix(f.Key, "inbox/twitter/"):
			pages++
		}
	}
	fmt.Printf("%d files: city.yaml, %d survey exports, %d search pages\n", len(files), surveys, pages)
	for _, f := range files[:4] {
		fmt.Println(f.Key)
	}
	// Output:
	// 120 files: city.yaml, 8 survey exports, 111 search pages
	// config/city.yaml
	// inbox/resident_survey/springfield-resident-survey-FY2025-Q2.csv
	// inbox/resident_survey/springfield-resident-survey-FY2025-Q3.csv
	// inbox/resident_survey/springfield-resident-survey-FY2025-Q4.csv
}

func ExamplePlantedPII() {
	values, err := sample.PlantedPII(sample.DefaultSeed)
	if err != nil {
		fmt.Println(err)
		return
	}
	kinds := map[string]int{}
	for _, v := range values {
		switch {
		case strings.HasPrefix(v, "@"):
			kinds["handle"]++
		case strings.Contains(v, "@"):
			kinds["email"]++
		case strings.Contains(v, "555-0") || strings.Contains(v, "555.0"):
			kinds["phone"]++
		default:
			kinds["address"]++
		}
	}
	fmt.Println(kinds["handle"] > 20, kinds["email"] > 20, kinds["phone"] > 20, kinds["address"] > 20)
	// Output:
	// true true true true
}
