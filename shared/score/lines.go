package score

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// LineIn is one input line of ScoreLines.
type LineIn struct {
	ID   json.RawMessage `json:"id"`
	Text string          `json:"text"`
}

// LineOut is one output line of ScoreLines.
type LineOut struct {
	ID             json.RawMessage `json:"id"`
	Sentiment      float64         `json:"sentiment"`
	SentimentLabel string          `json:"sentiment_label"`
	Topics         []string        `json:"topics"`
	PrimaryTopic   *string         `json:"primary_topic"`
}

// ScoreLines reads JSON Lines {"id","text"} and writes one line of scores per input line, in
// input order. A line that is not such an object stops the run with an error naming the line:
// its output would not line up with its input.
func ScoreLines(r io.Reader, w io.Writer, s *Scorer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var in LineIn
		if err := json.Unmarshal(b, &in); err != nil {
			return fmt.Errorf("stdin:%d: %w", line, err)
		}
		if len(in.ID) == 0 {
			return fmt.Errorf("stdin:%d: field \"id\": missing", line)
		}
		res := s.Score(in.Text)
		out := LineOut{ID: in.ID, Sentiment: res.Sentiment, SentimentLabel: res.SentimentLabel, Topics: res.Topics}
		if out.Topics == nil {
			out.Topics = []string{}
		}
		if res.PrimaryTopic != "" {
			out.PrimaryTopic = &res.PrimaryTopic
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write scores: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return bw.Flush()
}
