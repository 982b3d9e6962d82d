package kpi

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/civicpulse/civicpulse/shared/spill"
	"github.com/civicpulse/civicpulse/shared/table"
)

// Keyphrases are counted for the reported quarter and the four before it. Their vocabulary
// grows with the input (about 45 MB of counts on ten million posts), and only the few that
// can emerge are read in the end, so a computer that defers phrase quotes keeps the counts
// in bounded memory: Computer.phrases is a combiner, and once its entries pass a limit they
// are written, one record of phrase and counts each, to a spill.Sorter (sorted runs in
// temporary files) and the map is cleared. A phrase's counts are the sum of its records and
// its entry. Reading them (emergingPhrases) merges the runs in phrase order, summing equal
// phrases as they pass, and keeps only the top of the phrases that can emerge (minimum
// support, a lift above 1): the figures are exactly those of one map.

// phraseLimit is the default estimated memory, in bytes, of the entries of Computer.phrases
// before they are spilled. The counts' memory is about three times the limit (the map's
// table, which a spill keeps, records not yet written, and reading the runs back): at 4 MB
// a vocabulary of a million posts took more than in one map, and 1 MB costs no CPU time
// that shows on ten million posts.
const phraseLimit = 1 << 20

// phraseEntryBytes is the estimated memory of one entry of Computer.phrases besides the text
// of its phrase: the phraseAgg (48 bytes), the key's string header and the map's slot with its
// slack.
const phraseEntryBytes = 112

// phraseAgg counts the records mentioning a keyphrase in the quarter (0) and the previous
// four (1..4).
type phraseAgg struct {
	count  [baseline + 1]int64
	quotes *quoteList // made by the first candidate: most phrases never get one
}

// list returns the phrase's quote candidates, made if need be.
func (a *phraseAgg) list() *quoteList {
	if a.quotes == nil {
		a.quotes = &quoteList{}
	}
	return a.quotes
}

// mayTake is quoteList.mayTake of the phrase's candidates.
func (a *phraseAgg) mayTake(r *table.ScoredFeedback) bool {
	return a.quotes == nil || a.quotes.mayTake(r)
}

// phraseRuns is the part of the keyphrase counts written out of Computer.phrases.
type phraseRuns struct {
	runs  *spilled // records of spilled entries (appendPhraseRecord); nil until the first spill
	bytes int      // estimated memory of the entries of Computer.phrases added since the last spill
	limit int      // spill above this many bytes; 0 means phraseLimit
	// emergingPhrases of the runs, read when c.totals were totals: every row folded or merged
	// adds to those, so the second reading (QuotePhrases, then Document) is free.
	emerging []EmergingTopic
	totals   [Trend]int64
	rec      []byte   // scratch: a record
	norm     []string // scratch: the distinct keyphrases of a row
}

// PhraseMemory sets the estimated memory, in bytes, of the keyphrase counts a computer made
// with DeferPhraseQuotes keeps before it writes them to temporary files (1 MB by default). A
// computer that keeps the quote candidates of every phrase keeps its counts in memory.
func PhraseMemory(bytes int) Option { return func(c *Computer) { c.phraseRuns.limit = max(bytes, 1) } }

// DeferPhraseQuotes tells the computer to count keyphrases without keeping their quote
// candidates: the caller offers the rows of the reported quarter again, once every row is
// folded, to the phrases that emerge (QuotePhrases). Each keyphrase kept up to a hundred
// candidates, text included, and the phrases seen once or twice, which never emerge, grow
// with the input: on a million rows they were most of the stage's memory. The second pass
// offers each emerging phrase every row of the quarter, so its candidates are those of the
// single pass and the Document is the same. Such a computer also keeps its keyphrase counts
// in bounded memory (PhraseMemory).
func DeferPhraseQuotes() Option { return func(c *Computer) { c.deferPhrases = true } }

// QuotePhrases starts the second pass of DeferPhraseQuotes, once every row is folded and
// merged: from then on MayQuote and AddQuotes offer rows to the emerging phrases only (the
// topics have their candidates). It reports whether any phrase emerges: if none, the second
// pass has nothing to do.
func (c *Computer) QuotePhrases() bool {
	c.wanted = map[string]bool{}
	for _, e := range c.emergingPhrases() {
		c.wanted[e.Phrase] = true
		if c.phrases[e.Phrase] == nil {
			// Its counts are in the runs; the entry, of zero counts, holds its candidates.
			c.phrases[e.Phrase] = &phraseAgg{}
		}
	}
	return len(c.wanted) > 0
}

// rowPhrases returns the distinct normalized keyphrases of r, in their order, in a slice
// reused by the next call.
func (c *Computer) rowPhrases(r *table.ScoredFeedback) []string {
	ps := c.phraseRuns.norm[:0]
	for _, kp := range r.Keyphrases {
		// Normalized once each, compared normalized: a record counts once per phrase.
		if p := normPhrase(kp); p != "" && !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	c.phraseRuns.norm = ps
	return ps
}

// eachPhrase calls f with the aggregate of each distinct keyphrase of r that has one.
func (c *Computer) eachPhrase(r *table.ScoredFeedback, f func(string, *phraseAgg)) {
	for _, p := range c.rowPhrases(r) {
		if a := c.phrases[p]; a != nil {
			f(p, a)
		}
	}
}

// normPhrase is the form keyphrases are counted in.
func normPhrase(s string) string {
	// Most phrases are already in that form: lower-case ASCII words joined by single spaces.
	// They are returned as they are, without the three copies of the general case.
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 0x80, 'A' <= b && b <= 'Z', '\t' <= b && b <= '\r':
			return normPhraseSlow(s)
		case b == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return normPhraseSlow(s)
		}
	}
	return s
}

func normPhraseSlow(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func (c *Computer) addPhrases(rc *rowCandidate, back int) (mayQuote bool) {
	r := rc.r
	for _, p := range c.rowPhrases(r) {
		a := c.phrases[p]
		if a == nil {
			a = c.newPhrase(strings.Clone(p))
		}
		a.count[back]++
		if back == 0 && !c.deferPhrases {
			a.list().add(rc)
			mayQuote = mayQuote || a.mayTake(r)
		}
	}
	return mayQuote
}

// newPhrase adds an entry for p, which the map does not hold, spilling the others first if
// they pass the limit.
func (c *Computer) newPhrase(p string) *phraseAgg {
	pr := &c.phraseRuns
	if pr.bytes > cmp.Or(pr.limit, phraseLimit) && c.deferPhrases && c.wanted == nil {
		c.spillPhrases()
	}
	a := &phraseAgg{}
	c.phrases[p] = a
	pr.bytes += len(p) + phraseEntryBytes
	return a
}

// spillPhrases writes the entries of c.phrases without quote candidates to the runs and
// removes them from the map.
func (c *Computer) spillPhrases() {
	pr := &c.phraseRuns
	if pr.runs.error() != nil {
		return // counts are lost already: keep them in memory
	}
	if pr.runs == nil {
		// Records take about a quarter of the memory of entries.
		pr.runs = newSpilled("keyphrase counts", comparePhraseRecords, spill.Options{Limit: max(cmp.Or(pr.limit, phraseLimit)/4, 1)})
	}
	quoted := false
	for p, a := range c.phrases {
		if a.quotes != nil { // not in a computer that defers them; merged from one that does not
			quoted = true
			continue
		}
		pr.rec = appendPhraseRecord(pr.rec[:0], p, &a.count)
		if pr.runs.add(pr.rec); pr.runs.err != nil {
			return
		}
	}
	if quoted {
		maps.DeleteFunc(c.phrases, func(_ string, a *phraseAgg) bool { return a.quotes == nil })
	} else {
		clear(c.phrases) // keeps the table for the next entries, without the tombstones of deletes
	}
	pr.bytes = 0 // entries with candidates stay, and do not count: they would spill on every new phrase
}

// A phrase record is the phrase, its counts as uvarints, and the length of the counts in
// one byte: the phrase is what precedes them, whatever bytes it holds.
func appendPhraseRecord(dst []byte, p string, count *[baseline + 1]int64) []byte {
	dst = append(dst, p...)
	n := len(dst)
	for _, x := range count {
		dst = binary.AppendUvarint(dst, uint64(x))
	}
	return append(dst, byte(len(dst)-n))
}

// recordPhrase returns the phrase of a record.
func recordPhrase(rec []byte) []byte { return rec[:len(rec)-1-int(rec[len(rec)-1])] }

func comparePhraseRecords(a, b []byte) int { return bytes.Compare(recordPhrase(a), recordPhrase(b)) }

var errPhraseRecord = errors.New("kpi: corrupt keyphrase record")

// addRecordCounts adds the counts of a record to count.
func addRecordCounts(count *[baseline + 1]int64, rec []byte) error {
	if len(rec) == 0 || int(rec[len(rec)-1]) >= len(rec) {
		return errPhraseRecord
	}
	rest := rec[len(rec)-1-int(rec[len(rec)-1]) : len(rec)-1]
	for i := range count {
		x, n := binary.Uvarint(rest)
		if n <= 0 {
			return errPhraseRecord
		}
		count[i] += int64(x)
		rest = rest[n:]
	}
	if len(rest) != 0 {
		return errPhraseRecord
	}
	return nil
}

// mergePhrases folds o's keyphrase counts and candidates into c's.
func (c *Computer) mergePhrases(o *Computer) error {
	takeSpilled(&c.phraseRuns.runs, &o.phraseRuns.runs)
	if err := c.phraseRuns.runs.error(); err != nil {
		return err
	}
	for p, a := range o.phrases {
		d := c.phrases[p]
		if d == nil {
			d = c.newPhrase(p) // o's key: o is not used after the merge
		}
		for i := range a.count {
			d.count[i] += a.count[i]
		}
		if a.quotes != nil {
			d.list().merge(*a.quotes)
		}
	}
	return c.phraseRuns.runs.error()
}

// eachPhraseCount calls f with the counts of every keyphrase, in no particular order, each
// once. The phrase is either name or, if name is "", text, valid during the call only. f
// must not change the counts.
func (c *Computer) eachPhraseCount(f func(name string, text []byte, count *[baseline + 1]int64)) {
	pr := &c.phraseRuns
	if pr.runs == nil {
		for p, a := range c.phrases {
			f(p, nil, &a.count)
		}
		return
	}
	if pr.runs.err != nil {
		return
	}
	// The runs are in phrase order; the map's keys, sorted, join them.
	keys := slices.Sorted(maps.Keys(c.phrases))
	var (
		cur   []byte
		sum   [baseline + 1]int64
		have  bool
		onMap = func(k string) { f(k, nil, &c.phrases[k].count) }
	)
	emit := func() {
		for len(keys) > 0 && keys[0] < string(cur) {
			onMap(keys[0])
			keys = keys[1:]
		}
		if len(keys) > 0 && keys[0] == string(cur) {
			for i, x := range c.phrases[keys[0]].count {
				sum[i] += x
			}
			f(keys[0], nil, &sum)
			keys = keys[1:]
			return
		}
		f("", cur, &sum)
	}
	for rec, err := range pr.runs.s.All() {
		if err != nil {
			pr.runs.fail(fmt.Errorf("kpi: read keyphrase counts: %w", err))
			return
		}
		p := recordPhrase(rec)
		if !have || !bytes.Equal(p, cur) {
			if have {
				emit()
			}
			cur, sum, have = append(cur[:0], p...), [baseline + 1]int64{}, true
		}
		if err := addRecordCounts(&sum, rec); err != nil {
			pr.runs.fail(err)
			return
		}
	}
	if have {
		emit()
	}
	for _, k := range keys {
		onMap(k)
	}
}
