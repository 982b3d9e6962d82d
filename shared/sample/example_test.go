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
