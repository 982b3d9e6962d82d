package sentiment

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Civic mode: VADER plus what residents' feedback about city services needs. Valences are on
// VADER's scale (-4..4, a mild word about ±1, a strong one ±2.5).

// civicWords add domain words VADER's lexicon lacks or scores for another register.
var civicWords = map[string]float64{
	// Repairs and service, positive; neutral in "will be fixed" (see fFix).
	"fixed": 1.3, "repaired": 1.3, "resolved": 1.4, "repaved": 1.4, "patched": 1.0,
	"cleaned": 1.1, "restored": 1.2, "replaced": 0.6,
	"prompt": 1.3, "promptly": 1.5, "punctual": 1.6, "reliable": 1.6, "professional": 1.2,
	"helpful": 1.9, "responsive": 1.6,
	// Conditions and service failures, negative.
	"unsafe": -2.0, "hazard": -1.6, "hazardous": -1.9, "overflowing": -1.5, "overflowed": -1.4,
	"flooded": -1.6, "flooding": -1.6, "leaking": -1.2, "sewage": -1.0, "stench": -1.8,
	"stinks": -1.8, "rats": -1.3, "rodents": -1.3, "graffiti": -0.8, "litter": -1.0,
	"littered": -1.3, "filthy": -2.2, "unresponsive": -1.8, "unanswered": -1.5,
	"late": -0.9, "delays": -1.0, "delay": -0.9, "overdue": -1.2, "outage": -1.5,
	"outages": -1.5, "cracked": -1.0, "crumbling": -1.7, "gridlock": -1.5, "backlog": -1.0,
	"skipped": -1.0, "noisy": -1.0, "unlit": -0.9, "speeding": -1.1, "potholed": -1.2,
	"ridiculous": -1.8, "unacceptable": -2.2, "leak": -1.0, "leaks": -1.1, "crashes": -1.3,
	"crashed": -1.3, "unhelpful": -1.8, "dismissive": -1.5, "floods": -1.5, "clogged": -1.3,
	"enforced": 0.8, "cleaner": 1.3, "safer": 1.5, "smoother": 1.2, "swept": 0.8, "removed": 0.8,
	// Common civic nouns that VADER scores from other senses.
	"pothole": 0, "potholes": 0, "block": 0, "blocks": 0,
	// Politeness in requests, not praise.
	"please": 0,
}

var fixWords = []string{"fixed", "repaired", "resolved", "repaved", "patched", "cleaned", "restored", "replaced", "swept", "removed"}

var civicFunctionWords = map[string]uint8{
	"again": wAgain,
	"wait":  wWait, "waits": wWait, "waited": wWait, "waiting": wWait,
	"took": wTook, "takes": wTook, "taken": wTook, "taking": wTook,
	"minutes": wTimeUnit, "mins": wTimeUnit, "hours": wTimeUnit, "hrs": wTimeUnit, "days": wTimeUnit,
	"weeks": wTimeUnit, "months": wTimeUnit, "years": wTimeUnit, "forever": wTimeUnit,
	"hour": wTimeUnit, "week": wTimeUnit, "month": wTimeUnit, "year": wTimeUnit,
	"be": wIrrealis, "get": wIrrealis, "gets": wIrrealis, "getting": wIrrealis, "being": wIrrealis,
	"to": wIrrealis,
}

// phrase is a Civic multi-word term; it scores as one lexicon word at its first token.
type phrase struct {
	words []string
	val   float64
	ctx   bool // counts only when the text also complains (see civicRules)
}

// civicPhrases, as "words: valence"; a "~" suffix marks a complaint-context phrase.
var civicPhrases = []string{
	// Waiting, delays, nobody responding.
	"still waiting: -1.8", "still broken: -2.3", "still not fixed: -2.3", "still no: -1.6",
	"still not: -1.4", "still hasn't: -1.4", "still haven't: -1.4",
	"no response: -1.9", "no reply: -1.8", "no answer: -1.6", "no callback: -1.7",
	"no call back: -1.7", "no follow up: -1.6", "no follow-up: -1.6", "no update: -1.4",
	"no updates: -1.4", "no one came: -2.0", "nobody came: -2.0", "no one showed up: -2.0",
	"nobody showed up: -2.0", "never showed up: -2.0", "never showed: -1.9", "never came: -1.8",
	"never came back: -1.9", "never called back: -1.9", "never heard back: -1.9",
	"never got back: -1.8", "never responded: -1.9", "no one answered: -1.8",
	"nobody answered: -1.8", "nobody responded: -1.9", "no one responded: -1.9",
	"no one cares: -2.2", "nobody cares: -2.2", "hung up: -1.5", "on hold: -1.0",
	"took forever: -1.9", "takes forever: -1.9", "taking forever: -1.9", "take forever: -1.8",
	"nothing has been done: -2.0", "nothing was done: -2.0", "nothing gets done: -2.0",
	"nothing happened: -1.6", "nothing has changed: -1.6", "fell on deaf ears: -2.2",
	"run around: -1.4", "runaround: -1.5", "passing the buck: -1.5",
	"not working: -1.6", "doesn't work: -1.6", "does not work: -1.6", "didn't work: -1.4",
	"never works: -1.7", "never work: -1.7", "don't work: -1.6", "stopped working: -1.5", "out of service: -1.3", "out of order: -1.3",
	"no show: -1.5", "no-show: -1.5", "didn't show up: -1.8", "did not show up: -1.8",
	"didn't come: -1.5", "did not come: -1.5",
	// Exasperation.
	"can't stand: -2.2", "cannot stand: -2.2", "fed up: -2.2", "sick of: -2.0",
	"sick and tired: -2.5", "what a joke: -2.2", "is a joke: -1.9", "a joke: -1.5",
	"thanks for nothing: -2.3", "yeah right: -2.0", "oh great: -1.6", "just great: -1.5",
	"oh wonderful: -1.5", "oh joy: -1.5", "keeps getting worse: -2.5", "keep getting worse: -2.5",
	"getting worse: -2.1", "worse and worse: -2.5",
	"waste of taxpayer money: -2.7", "waste of taxpayers money: -2.7",
	"waste of taxpayers' money: -2.7", "waste of tax dollars: -2.7", "waste of money: -2.3",
	"waste of time: -2.1",
	// Hazards; a bare pothole is neutral.
	"dangerous pothole: -2.6", "dangerous potholes: -2.6", "huge pothole: -1.6",
	"huge potholes: -1.6", "massive pothole: -1.6", "massive potholes: -1.6",
	"giant pothole: -1.6", "giant potholes: -1.6", "deep pothole: -1.4", "deep potholes: -1.4",
	"missed pickup: -1.5", "missed collection: -1.5", "missed again: -1.7",
	// Services named with words VADER scores from another sense.
	"trash pickup: 0", "trash collection: 0", "trash can: 0", "trash cans: 0", "trash day: 0",
	"trash bins: 0", "garbage pickup: 0", "garbage collection: 0", "garbage truck: 0",
	"garbage day: 0", "garbage cans: 0", "garbage can: 0", "recycling pickup: 0",
	"block party: 0.8", "stop sign: 0", "stop signs: 0", "bus stop: 0", "bus stops: 0",
	"police report: 0", "fire department: 0", "emergency room: 0", "crime watch: 0",
	"fire hydrant: 0", "fire hydrants: 0", "fire station: 0", "fire truck: 0",
	"snow emergency: 0", "emergency alerts: 0", "emergency alert: 0", "emergency services: 0",
	"emergency dispatch: 0", "street sweeping: 0", "would like: 0", "i'd like: 0",
	// Praise for service.
	"quick fix: 1.8", "finally fixed: 2.3", "finally repaired: 2.2", "finally got fixed: 2.3",
	"finally been fixed: 2.3", "finally paved: 2.1", "finally repaved: 2.2",
	"finally cleaned: 2.0", "finally resolved: 2.2", "thank you for fixing: 2.9",
	"thanks for fixing: 2.9", "thank you for fixing: 2.9", "fixed quickly: 2.4",
	"fixed fast: 2.3", "fixed within: 1.8", "quick response: 2.2", "fast response: 2.2",
	"quickly responded: 2.2", "responded quickly: 2.2", "same day: 1.0", "on time: 1.3",
	"above and beyond: 2.6", "keep up the good work: 2.8", "well done: 2.2",
	"much better: 2.0", "so much better: 2.2", "way better: 2.0",
	// Complaint context: only in a text that complains.
	"for months: -0.9~", "for weeks: -0.8~", "for years: -0.8~", "for days: -0.6~",
	"in months: -0.9~", "in weeks: -0.8~", "in years: -0.8~", "yet again: -1.2~", "once again: -1.0~", "every single time: -0.8~", "every time: -0.5~",
	"still: -0.5~", "again: -0.9~",
}

// addCivic layers the Civic words and phrases on a's dictionary.
func (a *Analyzer) addCivic() error {
	for w, v := range civicWords {
		e := a.dict[w]
		e.val, e.flags = v, e.flags|fLex
		a.dict[w] = e
	}
	for _, w := range fixWords {
		e := a.dict[w]
		e.flags |= fFix
		a.dict[w] = e
	}
	for w, id := range civicFunctionWords {
		e := a.dict[w]
		if e.word == wNone {
			e.word = id
		}
		a.dict[w] = e
	}
	byFirst := map[string][]phrase{}
	for _, p := range civicPhrases {
		words, val, _ := strings.Cut(p, ": ")
		ctx := strings.HasSuffix(val, "~")
		v, err := strconv.ParseFloat(strings.TrimSuffix(val, "~"), 64)
		if err != nil {
			return fmt.Errorf("civic phrase %q: %w", p, err)
		}
		f := strings.Fields(words)
		byFirst[f[0]] = append(byFirst[f[0]], phrase{words: f, val: v, ctx: ctx})
	}
	for first, ps := range byFirst {
		// Longest first, so that "still not fixed" wins over "still not".
		slices.SortStableFunc(ps, func(x, y phrase) int { return cmp.Compare(len(y.words), len(x.words)) })
		a.phrases = append(a.phrases, ps)
		e := a.dict[first]
		e.phr = uint16(len(a.phrases))
		a.dict[first] = e
	}
	return nil
}

// matchPhrases rewrites each phrase's first token into one lexicon word with the phrase's
// valence and neutralises the rest of the phrase.
func (a *Analyzer) matchPhrases(s *scratch) {
	for i := 0; i < len(s.toks); i++ {
		t := &s.toks[i]
		if t.e.phr == 0 {
			continue
		}
		for _, p := range a.phrases[t.e.phr-1] {
			if !s.seq(i, p.words) {
				continue
			}
			t.e = entry{val: p.val, flags: fLex}
			t.negated, t.span, t.ctx = false, uint8(len(p.words)), p.ctx
			for k := 1; k < len(p.words); k++ {
				s.toks[i+k] = token{lo: s.toks[i+k].lo, hi: s.toks[i+k].hi, upper: s.toks[i+k].upper, key: -1}
			}
			i += len(p.words) - 1
			break
		}
	}
}

// civicRules adjusts the VADER valences in s.sent for complaint patterns and sarcasm.
func (a *Analyzer) civicRules(s *scratch, text string) {
	n := len(s.toks)
	within := func(i, k int, id uint8) bool {
		for j := i + 1; j <= i+k && j < n; j++ {
			if s.toks[j].e.word == id {
				return true
			}
		}
		return false
	}
	for i := range s.toks {
		t := &s.toks[i]
		if t.ctx {
			// "not ... in months" is still a complaint: negation does not turn these.
			s.sent[i] = -math.Abs(s.sent[i])
		}
		switch {
		case t.e.word == wWait && s.sent[i] == 0 && within(i, 3, wTimeUnit):
			s.sent[i] = -1.5 // "waited 3 weeks"
		case t.e.word == wTook && s.sent[i] == 0 && within(i, 3, wTimeUnit):
			s.sent[i], t.ctx = -1.2, true // "took 6 months", a complaint only among complaints
		case s.sent[i] > 0 && t.span == 1 && within(i, 2, wWait):
			s.sent[i] = -s.sent[i] // "love waiting 50 minutes": praise of a wait is sarcasm
		case s.sent[i] > 0 && t.e.flags&fFix != 0 && i > 0 &&
			(s.toks[i-1].e.word == wIrrealis || (i > 1 && s.toks[i-2].e.word == wIrrealis)):
			s.sent[i] = 0 // "when will it be fixed": a request, not praise
		}
	}
	// What was fixed was bad: "fixed the broken light", "the dead animal was removed".
	for i := range s.toks {
		if s.toks[i].e.flags&fFix == 0 || s.sent[i] <= 0 {
			continue
		}
		for j := max(i-5, 0); j < min(i+5, n); j++ {
			if s.sent[j] < 0 && s.toks[j].span == 1 && !s.toks[j].ctx {
				s.sent[j] = 0
			}
		}
	}
	// A resident's question ("Where can I report a water leak?") asks for information; only
	// strong words in it carry sentiment.
	if isQuestion(s, text) {
		for i, v := range s.sent {
			if math.Abs(v) < 2 && s.toks[i].span == 1 {
				s.sent[i] = 0
			}
		}
	}
	// "great job... not": a trailing "not" turns the praise before it.
	if n >= 3 && s.toks[n-1].e.word == wNot && s.toks[n-2].e.word != wOr {
		for i := range n - 1 {
			if s.sent[i] > 0 {
				s.sent[i] = -s.sent[i]
			}
		}
	}
	complains := false
	for i, v := range s.sent {
		if v < 0 && !s.toks[i].ctx {
			complains = true
			break
		}
	}
	if !complains {
		for i := range s.toks {
			if s.toks[i].ctx {
				s.sent[i] = 0
			}
		}
	}
}

// isQuestion reports whether text is one question opening with a question word other than
// "why" (which usually complains).
func isQuestion(s *scratch, text string) bool {
	t := strings.TrimRight(text, " \t\r\n")
	if len(s.toks) == 0 || !strings.HasSuffix(t, "?") || strings.ContainsAny(strings.TrimRight(t, "?"), ".!?") {
		return false
	}
	switch string(s.word(0)) {
	case "when", "what", "how", "where", "who", "which", "is", "are", "does", "do", "can",
		"could", "will", "would", "should", "may", "did", "has", "have", "was", "were":
		return true
	}
	return false
}
