package score

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"
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
	SentimentTerms []string        `json:"sentiment_terms"`
}

// linesBatch is how many lines a worker scores at a time: enough to pay for the hand-off.
const linesBatch = 256

type batch struct {
	ins  []LineIn
	outs []LineOut
	done chan struct{}
}

// ScoreLines reads JSON Lines {"id","text"} and writes one line of scores per input line, in
// input order, scoring on every CPU. A line that is not such an object stops the run with an
// error naming the line: its output would not line up with its input.
func ScoreLines(r io.Reader, w io.Writer, s *Scorer) error {
	return scoreLines(r, w, s, runtime.GOMAXPROCS(0))
}

func scoreLines(r io.Reader, w io.Writer, s *Scorer, workers int) error {
	work := make(chan *batch, workers)
	ordered := make(chan *batch, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.outs = make([]LineOut, len(b.ins))
				for i, in := range b.ins {
					b.outs[i] = lineOut(s, in)
				}
				close(b.done)
			}
		}()
	}
	// The writer takes batches in the order they were read and waits for each in turn.
	werr := make(chan error, 1)
	go func() {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		var err error
		for b := range ordered {
			<-b.done
			for i := range b.outs {
				if err == nil {
					if e := enc.Encode(b.outs[i]); e != nil {
						err = fmt.Errorf("write scores: %w", e)
					}
				}
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		werr <- err
	}()

	rerr := readBatches(r, func(b *batch) {
		ordered <- b
		work <- b
	})
	close(work)
	close(ordered)
	wg.Wait()
	if err := <-werr; rerr == nil {
		rerr = err
	}
	return rerr
}

func readBatches(r io.Reader, emit func(*batch)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	cur := &batch{done: make(chan struct{})}
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var in LineIn
		if err := json.Unmarshal(b, &in); err != nil {
			emit(cur)
			return fmt.Errorf("stdin:%d: %w", line, err)
		}
		if len(in.ID) == 0 {
			emit(cur)
			return fmt.Errorf("stdin:%d: field \"id\": missing", line)
		}
		cur.ins = append(cur.ins, in)
		if len(cur.ins) == linesBatch {
			emit(cur)
			cur = &batch{done: make(chan struct{})}
		}
	}
	emit(cur)
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

func lineOut(s *Scorer, in LineIn) LineOut {
	res := s.Score(in.Text)
	out := LineOut{ID: in.ID, Sentiment: res.Sentiment, SentimentLabel: res.SentimentLabel,
		Topics: res.Topics, SentimentTerms: res.SentimentTerms}
	if out.Topics == nil {
		out.Topics = []string{}
	}
	if out.SentimentTerms == nil {
		out.SentimentTerms = []string{}
	}
	if res.PrimaryTopic != "" {
		out.PrimaryTopic = &res.PrimaryTopic
	}
	return out
}
