// Package sample generates Springfield, the sample city of the demo: its city.yaml and eight
// quarters of resident feedback as vendors export it (SurveyMonkey CSV and X API v2 search
// pages), deterministically from a seed, with trends built in.
package sample

import _ "embed"

// CityYAML is the sample city's config.
//
//go:embed city.yaml
var CityYAML []byte
