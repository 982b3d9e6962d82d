package sentiment_test

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/civicpulse/civicpulse/shared/score/sentiment"
)

// The examples of VADER's README, with the compound scores Python vaderSentiment 3.3 prints.
func TestVADERReadmeExamples(t *testing.T) {
	a := sentiment.New(sentiment.VADER)
	tests := []struct {
		rule, text string
		want       float64
	}{
		{"plain", "VADER is smart, handsome, and funny.", 0.8316},
		{"exclamation", "VADER is smart, handsome, and funny!", 0.8439},
		{"booster", "VADER is very smart, handsome, and funny.", 0.8545},
		{"caps", "VADER is VERY SMART, handsome, and FUNNY.", 0.9227},
		{"caps and exclamations", "VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342},
		{"caps boosters", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469},
		{"negation nor", "VADER is not smart, handsome, nor funny.", -0.7424},
		{"plain 2", "The book was good.", 0.4404},
		{"least and n't", "At least it isn't a horrible book.", 0.431},
		{"kind of", "The book was only kind of good.", 0.3832},
		{"but", "The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042},
		{"slang caps", "Today SUX!", -0.5461},
		{"kinda and but", "Today only kinda sux! But I'll get by, lol", 0.5249},
		{"emoticons", "Make sure you :) or :D today!", 0.8633},
		{"emoji", "Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875},
		{"not bad", "Not bad at all", 0.431},
		{"empty", "", 0},
		{"neutral", "The bus arrives at noon.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if got := a.Compound(tt.text); math.Abs(got-tt.want) > 1e-4 {
				t.Errorf("Compound(%q) = %.4f; want %.4f", tt.text, got, tt.want)
			}
		})
	}
}

// Each rule moves the score the way VADER says it should, in both modes.
func TestRules(t *testing.T) {
	tests := []struct {
		rule       string
		base, text string
		cmp        string // "<", ">", "-" (sign flips) or "=" (within 1e-9)
	}{
		{"negation", "the service is good", "the service is not good", "-"},
		{"n't negation", "the service is good", "the service isn't good", "-"},
		{"distant negation", "the service is good", "the service is not very good", "-"},
		{"never so", "this is good", "never so good", ">"},
		{"booster", "the park is nice", "the park is extremely nice", ">"},
		{"dampener", "the park is nice", "the park is slightly nice", "<"},
		{"caps booster", "the park is VERY nice today", "the park is very nice today", "<"},
		{"caps emphasis", "the park is great today", "the park is GREAT today", ">"},
		{"exclamation", "the park is great", "the park is great!", ">"},
		{"exclamations cap at 4", "the park is great!!!!", "the park is great!!!!!!", "="},
		{"question marks", "the park is great", "the park is great??", ">"},
		{"but shifts weight", "the food was good and the service was slow and rude", "the food was good but the service was slow and rude", "<"},
		{"least", "the helpful clerk", "the least helpful clerk", "<"},
		{"kind of", "the staff were helpful", "the staff were kind of helpful", "<"},
		{"emoji", "new bike lanes", "new bike lanes 😍", ">"},
		{"emoticon", "new bike lanes", "new bike lanes :(", "<"},
		{"idiom the bomb", "the new library is good", "the new library is the bomb", ">"},
		{"idiom kiss of death", "that zoning plan is the kiss of the", "that zoning plan is the kiss of death", "<"},
	}
	for _, mode := range []sentiment.Mode{sentiment.VADER, sentiment.Civic} {
		a := sentiment.New(mode)
		for _, tt := range tests {
			t.Run(mode.String()+"/"+tt.rule, func(t *testing.T) {
				base, got := a.Compound(tt.base), a.Compound(tt.text)
				ok := false
				switch tt.cmp {
				case "<":
					ok = got < base
				case ">":
					ok = got > base
				case "-":
					ok = math.Signbit(got) != math.Signbit(base) && got != 0
				case "=":
					ok = math.Abs(got-base) < 1e-9
				}
				if !ok {
					t.Errorf("Compound(%q) = %.4f; want %s Compound(%q) = %.4f", tt.text, got, tt.cmp, tt.base, base)
				}
			})
		}
	}
}

func TestCivicPhrases(t *testing.T) {
	vader, civic := sentiment.New(sentiment.VADER), sentiment.New(sentiment.Civic)
	tests := []struct {
		text string
		want sentiment.Label
	}{
		{"Still waiting for the streetlight repair.", sentiment.Negative},
		{"The swing at Elm Park is still broken.", sentiment.Negative},
		{"The pothole was finally fixed.", sentiment.Positive},
		{"I can't stand the noise from the depot.", sentiment.Negative},
		{"Called twice, no response.", sentiment.Negative},
		{"Nobody came to collect the bulk items.", sentiment.Negative},
		{"The permit took forever.", sentiment.Negative},
		{"The new fountain is a waste of taxpayer money.", sentiment.Negative},
		{"Traffic on 5th keeps getting worse.", sentiment.Negative},
		{"Thank you for fixing the crosswalk light.", sentiment.Positive},
		{"The drain has been clogged for months.", sentiment.Negative},
		{"I lived on this street for months.", sentiment.Neutral},
		{"The bins overflowed again.", sentiment.Negative},
		{"We walked to the park again.", sentiment.Neutral},
		{"There is a pothole on Birch Road.", sentiment.Neutral},
		{"There is a dangerous pothole on Birch Road.", sentiment.Negative},
		{"Great job on the road repairs... not", sentiment.Negative},
		{"Love waiting 50 minutes for the 7 bus.", sentiment.Negative},
		{"Waited 3 weeks for a callback.", sentiment.Negative},
		{"When will the pothole on Elm be fixed?", sentiment.Neutral},
		{"Where can I report a water leak?", sentiment.Neutral},
		{"Please add a bench at the bus stop.", sentiment.Neutral},
		{"They fixed the broken streetlight in a day.", sentiment.Positive},
		{"Trash pickup is on time.", sentiment.Positive},
		{"Is trash pickup delayed this week?", sentiment.Neutral},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := civic.Score(tt.text)
			if r.Label != tt.want {
				t.Errorf("Civic Score(%q) = %.4f %s %v; want %s (VADER mode: %.4f)",
					tt.text, r.Compound, r.Label, r.Terms, tt.want, vader.Compound(tt.text))
			}
		})
	}
}

func TestScoreTerms(t *testing.T) {
	a := sentiment.New(sentiment.Civic)
	r := a.Score("The bus driver was rude, but the new shelter is lovely and the 311 app is great")
	if len(r.Terms) == 0 || len(r.Terms) > sentiment.MaxTerms {
		t.Fatalf("Terms = %v; want 1..%d terms", r.Terms, sentiment.MaxTerms)
	}
	for k := 1; k < len(r.Terms); k++ {
		if math.Abs(r.Terms[k].Contribution) > math.Abs(r.Terms[k-1].Contribution) {
			t.Errorf("Terms = %v; want largest |Contribution| first", r.Terms)
		}
	}
	if r.Terms[0].Text != "lovely" && r.Terms[0].Text != "great" {
		t.Errorf("Terms[0] = %v; want lovely or great", r.Terms[0])
	}
	if got := a.Score("still waiting").Terms; len(got) != 1 || got[0].Text != "still waiting" || got[0].Contribution >= 0 {
		t.Errorf("Score(still waiting).Terms = %v; want [{still waiting <0}]", got)
	}
	if got := a.Score("the bus arrives at noon").Terms; got != nil {
		t.Errorf("Score(neutral).Terms = %v; want nil", got)
	}
	if r.Compound != a.Compound("The bus driver was rude, but the new shelter is lovely and the 311 app is great") {
		t.Error("Score and Compound disagree")
	}
}

func TestCompoundTerms(t *testing.T) {
	for _, mode := range []sentiment.Mode{sentiment.VADER, sentiment.Civic} {
		a := sentiment.New(mode)
		for _, text := range []string{
			"The bus driver was rude, but the new shelter is lovely and the 311 app is great",
			"still waiting", "Still waiting for the streetlight repair, no response!!", "the bus arrives at noon",
			"GREAT job... NOT", "I can't stand the noise 😩", "Nobody came to collect the bulk items.",
		} {
			r := a.Score(text)
			c, terms := a.CompoundTerms(text)
			want := make([]string, len(r.Terms))
			for i, tm := range r.Terms {
				want[i] = tm.Text
			}
			if c != r.Compound || strings.Join(terms, "|") != strings.Join(want, "|") || (terms == nil) != (r.Terms == nil) {
				t.Errorf("%s CompoundTerms(%q) = %v, %q; want %v, %q", mode, text, c, terms, r.Compound, want)
			}
		}
	}
}

func TestLabelOf(t *testing.T) {
	tests := []struct {
		c    float64
		want sentiment.Label
	}{{0.05, sentiment.Positive}, {0.0499, sentiment.Neutral}, {0, sentiment.Neutral}, {-0.0499, sentiment.Neutral}, {-0.05, sentiment.Negative}, {1, sentiment.Positive}, {-1, sentiment.Negative}}
	for _, tt := range tests {
		if got := sentiment.LabelOf(tt.c); got != tt.want {
			t.Errorf("LabelOf(%v) = %s; want %s", tt.c, got, tt.want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	a := sentiment.Default()
	texts := []string{"Still waiting for the pothole repair!!", "Thank you for fixing the light 😊", "When is trash day?", "NOT good, but not bad either"}
	want := make([]float64, len(texts))
	for i, s := range texts {
		want[i] = a.Compound(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				i := (g + k) % len(texts)
				if got := a.Score(texts[i]).Compound; got != want[i] {
					t.Errorf("concurrent Score(%q) = %v; want %v", texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCompoundDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("skip: sync.Pool drops items at random under the race detector")
	}
	a := sentiment.New(sentiment.Civic)
	text := "The bus was late AGAIN!!! Still waiting 40 minutes, not great 😡 but the driver was kind."
	a.Compound(text)
	if n := testing.AllocsPerRun(100, func() { a.Compound(text) }); n > 0 {
		t.Errorf("Compound allocates %v times per call; want 0", n)
	}
}

func TestModeString(t *testing.T) {
	if sentiment.Civic.String() != "civic" || sentiment.VADER.String() != "vader" || sentiment.Mode(9).String() != "Mode(9)" {
		t.Errorf("Mode strings: %v %v %v", sentiment.Civic, sentiment.VADER, sentiment.Mode(9))
	}
	if sentiment.New(sentiment.VADER).Mode() != sentiment.VADER || sentiment.Default().Mode() != sentiment.Civic {
		t.Error("Mode() does not report the mode an Analyzer was built with")
	}
}

func TestLongTextIsLinear(t *testing.T) {
	a := sentiment.New(sentiment.Civic)
	text := strings.Repeat("good bad great awful but nice ", 50000) // 300k tokens
	c := a.Compound(text)
	if math.IsNaN(c) || c < -1 || c > 1 {
		t.Errorf("Compound(long text) = %v; want a number in [-1, 1]", c)
	}
}

// Scan scores as CompoundTerms does and gives the plain words of the text (ASCII letters and
// digits, punctuation around them stripped) at their offsets in the text, emoji or not.
func TestScanWords(t *testing.T) {
	a := sentiment.New(sentiment.Civic, sentiment.WithWords("maple", "zebra"))
	tests := []struct {
		text  string
		words string // the plain words, as text[Start:End]
	}{
		{"Potholes on Maple Ave. again!!", "Potholes on Maple Ave again"},
		{"don't park (here) 5th St.", "park here 5th"},
		{"great😡job 👍 zebra!", "great zebra"}, // "job" follows the emoji's description
		{"Love it 😊 the park is clean… café", "Love it the park is"},
		{"ok\u00a0fine", "ok fine"},
		{"", ""},
	}
	var sc sentiment.Scan
	for _, tt := range tests {
		a.Scan(tt.text, &sc)
		if c, terms := a.CompoundTerms(tt.text); c != sc.Compound || strings.Join(terms, "|") != strings.Join(sc.Terms, "|") {
			t.Errorf("Scan(%q) = %v %q; want CompoundTerms's %v %q", tt.text, sc.Compound, sc.Terms, c, terms)
		}
		var got []string
		for _, w := range sc.Words {
			got = append(got, tt.text[w.Start:w.End])
			lower := strings.ToLower(tt.text[w.Start:w.End])
			if want := a.Words().Index(lower); int(w.Key) != want {
				t.Errorf("Scan(%q): word %q has key %d; want %d", tt.text, lower, w.Key, want)
			}
		}
		if strings.Join(got, " ") != tt.words {
			t.Errorf("Scan(%q) words = %q; want %q", tt.text, strings.Join(got, " "), tt.words)
		}
	}
	if a.Words().Index("zebra") < 0 || sentiment.New(sentiment.Civic).Words().Index("zebra") >= 0 {
		t.Error("WithWords does not add its words to the word table, or adds them to other analyzers'")
	}
}
