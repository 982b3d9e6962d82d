package ingest_test

import (
	"fmt"
	"strings"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest"
)

func Example() {
	page := `{"data":[{"id":"1","author_id":"9","created_at":"2026-08-01T15:00:00.000Z",
	  "text":"@neighbor_bob the pothole at 1423 Maple Ave is back, call 217-555-0143"}]}`
	b, err := ingest.Parse(strings.NewReader(page), "page.json", ingest.Options{
		Source: config.Source{ID: "twitter", Format: "twitter"}})
	if err != nil {
		panic(err)
	}
	r := &ingest.Redactor{Key: []byte("city secret")}
	rows := r.Apply(b)
	fmt.Println(rows[0].Month, rows[0].Text)
	// Output: 2026-08 @[user] the pothole at [address] is back, call [phone]
}
