package sample

import (
	"slices"
)

// PlantedPII returns the personal values that Generate(seed) plants, sorted and without
// repeats: the e-mail addresses, phone numbers, street addresses and private @handles (with
// the @) in residents' texts, and the respondents' e-mail addresses of the survey exports.
// None of them may leave raw/ unredacted; tests scan the pipeline's output for them.
func PlantedPII(seed int64) ([]string, error) {
	var values []string
	if _, err := generate(seed, func(v string) { values = append(values, v) }); err != nil {
		return nil, err
	}
	slices.Sort(values)
	return slices.Compact(values), nil
}
