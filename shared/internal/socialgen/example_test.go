package socialgen_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/civicpulse/civicpulse/shared/internal/socialgen"
)

// An export of 250 posts is three pages of valid JSON, the posts numbered from FirstID.
func ExampleExport() {
	sc := bufio.NewScanner(bytes.NewReader(socialgen.Export(250)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(sc.Bytes(), &page); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(len(page.Data), page.Data[0].ID)
	}
	// Output:
	// 100 1000000000
	// 100 1000000100
	// 50 1000000200
}
