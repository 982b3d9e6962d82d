// Package socialgen writes synthetic X (Twitter) API v2 exports for the ingest tests and
// benchmarks: JSON Lines pages of 100 posts with realistic text (most posts plain, some with
// numbers and handles, a few with personal data to redact), the same bytes for the same n.
// The demo city's generator (shared/sample) makes richer data; this one is small and fast,
// for measuring the parser and the ingest stage on inputs of any size.
package socialgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

var texts = []string{
	"The bus was late again this morning, third time this week",
	"Love the new bike lanes downtown! Great job everyone #BikeSpringfield",
	"Why does it take so long to fix a streetlight? Reported it weeks ago",
	"Route %d skipped my stop at %d:%02d, @SpringfieldCity please look into it",
	"Pothole at %d Maple Ave is swallowing cars, call me %03d-555-%04d",
	"Trash pickup missed on our block again. Who do I talk to?",
	"@neighbor_%d thanks for shoveling the sidewalk!",
	"Email me at resident%d@example.com about the permit, paid $%d already",
	"Parks department did an amazing job with the summer concerts",
	"Noise from the construction site starts at 6am every day, this is ridiculous",
}

// Start is the time of the first post; posts are 7 seconds apart, so a million span about
// three months.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FirstID is the id of the first post; the i-th post (from 0) has FirstID+i.
const FirstID = 1_000_000_000

// WriteExport writes an export of n posts to w, 100 a page, without holding it in memory.
func WriteExport(w io.Writer, n int) error {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	bw := bufio.NewWriter(w)
	for p := 0; p < n; p += 100 {
		bw.WriteString(`{"data":[`)
		for i := p; i < min(p+100, n); i++ {
			text := texts[r.IntN(len(texts))]
			switch text {
			case texts[3]:
				text = fmt.Sprintf(text, 1+r.IntN(99), 1+r.IntN(12), r.IntN(60))
			case texts[4]:
				text = fmt.Sprintf(text, 1+r.IntN(9999), 200+r.IntN(700), r.IntN(10000))
			case texts[6]:
				text = fmt.Sprintf(text, r.IntN(1000))
			case texts[7]:
				text = fmt.Sprintf(text, r.IntN(1000), 10+r.IntN(500))
			}
			if i > p {
				bw.WriteByte(',')
			}
			fmt.Fprintf(bw, `{"id":"%d","text":%q,"author_id":"%d","created_at":%q}`, FirstID+i, text, r.IntN(50000),
				Start.Add(time.Duration(i)*7*time.Second).Format("2006-01-02T15:04:05.000Z"))
		}
		bw.WriteString("]}\n")
	}
	return bw.Flush()
}

// Export is WriteExport into memory.
func Export(n int) []byte {
	var b bytes.Buffer
	WriteExport(&b, n) // writing to memory does not fail
	return b.Bytes()
}
