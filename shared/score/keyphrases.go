package score

import (
	"strings"

	"github.com/civicpulse/civicpulse/shared/score/internal/wordmap"
)

// maxPhraseWords is the longest keyphrase; longer runs keep their last words, where an
// English noun phrase has its head ("the broken traffic light" -> "broken traffic light").
const maxPhraseWords = 3

// maxKeyphrases bounds the keyphrases of one text; the kpi stage counts phrases, and a long
// rant should not weigh more than a short post.
const maxKeyphrases = 8

// keyphrases returns the normalized 1–3-word phrases of a text: runs of content words between
// stop words and punctuation, lower-cased, each word singular ("potholes" -> "pothole"), so
// that the same phrase counts the same however it was written. It is a chunker over a stop
// list rather than a part-of-speech tagger: it is two orders of magnitude faster, and for
// counting which phrases rise quarter to quarter it finds the same ones.
func keyphrases(lower string, toks []token) []string {
	var buf [maxKeyphrases]string
	return clone(appendKeyphrases(buf[:0], new([]byte), lower, toks))
}

// appendKeyphrases appends the keyphrases of a text to dst. Phrases not found as they are in
// lower are written to scratch, which the caller must not reuse while they are in use.
func appendKeyphrases(dst []string, scratch *[]byte, lower string, toks []token) []string {
	out := dst
	n0 := len(dst)
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		if end-start > maxPhraseWords {
			start = end - maxPhraseWords
		}
		if p, ok := phrase(scratch, lower, toks[start:end]); ok && len(out)-n0 < maxKeyphrases && !contains(out[n0:], p) {
			out = append(out, p)
		}
		start = -1
	}
	for i := range toks {
		tk := &toks[i]
		if tk.brk {
			flush(i)
		}
		if !contentWord(tk) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(toks))
	return out
}

// clone copies a list gathered in a stack buffer to the heap, in one allocation.
func clone(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return append(make([]string, 0, len(ss)), ss...)
}

func phrase(scratch *[]byte, lower string, toks []token) (string, bool) {
	// A phrase of one word must say something on its own: a noun-like word of 4+ letters.
	if len(toks) == 1 && (len(toks[0].lower) < 4 || toks[0].class&wordWeak != 0 || adjectiveLike(toks[0].lower)) {
		return "", false
	}
	if len(toks) == 1 {
		return singular(toks[0].lower), true
	}
	// Most phrases are written as they are counted: one space between words, the last one
	// singular already. Those are a slice of the text, with no copy.
	last := toks[len(toks)-1]
	plain := singular(last.lower) == last.lower
	for i := 0; plain && i < len(toks); i++ {
		tk := toks[i]
		plain = int(tk.end-tk.start) == len(tk.lower) && (i == 0 || tk.start == toks[i-1].end+1 && lower[tk.start-1] == ' ')
	}
	if plain {
		return lower[toks[0].start:last.end], true
	}
	b := *scratch
	start := len(b)
	for i, tk := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		if i == len(toks)-1 {
			b = append(b, singular(tk.lower)...)
		} else {
			b = append(b, tk.lower...)
		}
	}
	*scratch = b
	return bytesToString(b[start:]), true
}

// adjectiveLike reports a word that by its ending is a participle or adjective ("covered",
// "dangerous", "helpful"): part of a noun phrase, but no phrase alone.
func adjectiveLike(w string) bool {
	n := len(w)
	if n < 5 {
		return false // every suffix needs three letters before it
	}
	var suf string
	switch w[n-1] { // the suffixes' last letters tell them apart
	case 'd':
		suf = "ed"
	case 's':
		suf = "ous"
		if w[n-2] == 's' {
			suf = "less"
		}
	case 'l':
		suf = "ful"
	case 'e':
		suf = "ive"
		if w[n-2] == 'l' {
			suf = "able"
			if w[n-4] == 'i' {
				suf = "ible"
			}
		}
	default:
		return false
	}
	if !strings.HasSuffix(w, suf) || n <= len(suf)+2 {
		return false
	}
	return !strings.HasSuffix(w, "eed") // speed, need
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// contentWord reports whether a word can be part of a keyphrase: not a stop word, not a
// number, not an adverb in -ly, not a link or hashtag fragment.
func contentWord(tk *token) bool {
	w := tk.lower
	if len(w) < 2 || tk.class&wordStop != 0 || tk.apos {
		return false
	}
	if w[0] >= '0' && w[0] <= '9' {
		// "5th" is part of a street name (a place), not a phrase of its own.
		return false
	}
	if len(w) > 4 && strings.HasSuffix(w, "ly") && notAdverb.Index(w) < 0 {
		return false
	}
	return true
}

// singular turns a regular English plural into its singular; irregular and
// singular-in-s words are listed.
func singular(w string) string {
	n := len(w)
	if n == 0 || w[n-1] != 's' {
		switch w { // the irregular plurals not in -s
		case "children":
			return "child"
		case "men":
			return "man"
		case "women":
			return "woman"
		case "feet":
			return "foot"
		}
		return w
	}
	if i := irregular.Index(w); i >= 0 {
		return irregularSingular[i]
	}
	switch {
	case n < 4 || w[n-1] != 's':
		return w
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zzes"):
		return w[:n-2]
	default:
		return w[:n-1]
	}
}

var irregular, irregularSingular = func() (*wordmap.Table, []string) {
	var plurals, singulars []string
	for p, s := range irregularPlurals {
		plurals, singulars = append(plurals, p), append(singulars, s)
	}
	return wordmap.New(plurals), singulars
}()

var irregularPlurals = map[string]string{
	"people": "people", "children": "child", "men": "man", "women": "woman", "feet": "foot",
	"news": "news", "series": "series", "species": "species", "police": "police",
	"leaves": "leaf", "lives": "life", "knives": "knife", "wolves": "wolf", "shelves": "shelf",
	"buses": "bus", "busses": "bus", "gas": "gas", "lens": "lens", "always": "always",
	"tires": "tire", "fires": "fire", "lines": "line", "homes": "home", "houses": "house",
	"garages": "garage", "bridges": "bridge", "fences": "fence", "services": "service",
	"sidewalks": "sidewalk", "permits": "permit", "taxes": "tax", "fees": "fee", "trees": "tree",
	"sirens": "siren", "brakes": "brake", "vehicles": "vehicle", "bicycles": "bicycle",
	"spaces": "space", "places": "place", "offices": "office", "cars": "car",
}

// notAdverb are words in -ly that are nouns or names.
var notAdverb = wordmap.New([]string{"family", "assembly", "supply", "rally", "italy", "july", "ally", "anomaly", "butterfly", "belly", "bully", "jelly"})

// weakAlone are words that are content words in a phrase but say nothing alone.
var weakAlone = map[string]bool{
	"thing": true, "things": true, "time": true, "times": true, "today": true, "yesterday": true,
	"tomorrow": true, "week": true, "weeks": true, "year": true, "years": true, "month": true,
	"months": true, "day": true, "days": true, "night": true, "morning": true, "people": true,
	"someone": true, "anyone": true, "everyone": true, "lot": true, "lots": true, "area": true,
	"place": true, "issue": true, "issues": true, "problem": true, "problems": true, "city": true,
	"please": true, "thank": true, "thanks": true, "great": true, "good": true, "best": true,
	"love": true, "like": true, "need": true, "needs": true, "help": true, "work": true,
	"still": true, "again": true, "really": true, "every": true, "front": true, "side": true,
	"corner": true, "hours": true, "hour": true, "minutes": true, "new": true, "same": true,
	"last": true, "next": true, "since": true, "long": true, "made": true, "make": true,
	"broken": true, "missing": true, "open": true, "dark": true, "dirty": true, "clean": true,
	"full": true, "empty": true, "late": true, "slow": true, "safe": true, "unsafe": true,
	"huge": true, "small": true, "large": true, "little": true, "whole": true, "entire": true,
}

// stopWords are function words, auxiliaries, pronouns and the commonest verbs and
// evaluative words: what separates one noun phrase from the next in short posts.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but nor so yet if then than that this these those there here
	is are was were be been being am do does did doing done have has had having will would shall should can could may
	might must ought i me my mine we us our ours you your yours he him his she her hers it its they them their theirs
	who whom whose which what when where why how all any both each few more most other some such no not only own same
	too very just also even ever still again already about above across after against along among around at before
	behind below beneath beside between beyond by down during except for from in inside into near of off on onto out
	outside over past per since through throughout till to toward towards under until up upon via with within without
	get gets got getting gotten go goes went going gone come comes came coming make makes made making take takes took
	taken see sees saw seen say says said tell told know knew known think thought want wants wanted need needs needed
	please thank thanks thx pls lol omg yes yeah ok okay hey hi hello really actually literally finally anyone someone
	everyone nobody something anything everything nothing let lets keep keeps kept put puts look looks looked seem seems
	seemed feel feels felt try tries tried use used using call called calling ask asked asking fix fixed fixing
	great good bad terrible awful horrible amazing awesome nice love loved loving hate hated like liked best worst better
	worse happy sad angry thankful grateful glad sorry disappointed frustrated annoyed ridiculous unacceptable
	much many lot lots every always never often sometimes usually now today tonight yesterday tomorrow week weeks day
	days year years month months time times hour hours minute minutes ago soon later last next first second one two three
	im ive dont doesnt didnt cant wont isnt arent wasnt werent couldnt shouldnt wouldnt youre theyre thats whats theres
	via amp rt http https www com org gov`) {
		m[w] = true
	}
	return m
}()
