package spill_test

import (
	"bytes"
	"fmt"

	"github.com/civicpulse/civicpulse/shared/spill"
)

// Counting distinct values exactly in bounded memory: sort, then count the changes.
func Example() {
	s := spill.New(bytes.Compare, spill.Options{Limit: 16}) // a tiny limit: every few records go to a file
	defer s.Close()
	for _, author := range []string{"ana", "bo", "ana", "cy", "bo", "ana"} {
		if err := s.Add([]byte(author)); err != nil {
			panic(err)
		}
	}
	var last []byte
	distinct := 0
	for rec, err := range s.All() {
		if err != nil {
			panic(err)
		}
		if distinct == 0 || !bytes.Equal(rec, last) {
			distinct++
			last = append(last[:0], rec...)
		}
	}
	fmt.Println(distinct, "distinct of", s.Len(), "records;", s.Spilled() > 0)
	// Output: 3 distinct of 6 records; true
}
