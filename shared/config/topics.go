package config

import (
	"bytes"
	_ "embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

//go:embed topics.yaml
var defaultTopicsYAML []byte

// DefaultTopics returns the municipal taxonomy that ships with CivicPulse (ids roads,
// sanitation, parks, public_safety, homelessness, housing, transit, water, noise,
// city_services). A city edits, adds and removes topics in its own config.
func DefaultTopics() []Topic {
	var doc struct {
		Topics []Topic `yaml:"topics"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(defaultTopicsYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		// The file is embedded at build time and covered by tests.
		panic(fmt.Sprintf("config: embedded topics.yaml: %v", err))
	}
	return doc.Topics
}
