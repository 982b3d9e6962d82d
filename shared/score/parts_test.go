package score

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
)

func TestMatcherRules(t *testing.T) {
	topics := []config.Topic{
		{ID: "roads", Keywords: []string{"pothole*", "street", "street light*", "parking"}, Weights: map[string]float64{"pothole*": 3, "street": 0.5}},
		{ID: "parks", Keywords: []string{"park", "tree"}, Exclude: []string{"park my car", "park avenue"}},
		{ID: "noise", Keywords: []string{"loud", "construction noise"}},
		{ID: "housing", Keywords: []string{"construction", "apartment"}},
	}
	m := NewMatcher(topics)
	tests := []struct {
		name, text, topics, primary string
	}{
		{"prefix", "Two POTHOLES here", "roads", "roads"},
		{"no match abstains", "What a lovely morning", "", ""},
		{"exclusion vetoes", "Nowhere to park my car", "", ""},
		{"exclusion leaves other hits", "Nowhere to park my car near the park", "parks", "parks"},
		{"exclusion as a street name", "Lights out on Park Avenue", "", ""},
		{"multi-label, heaviest primary", "The tree fell into a pothole", "roads parks", "roads"},
		{"tie goes to taxonomy order", "A tree and parking", "roads parks", "roads"},
		{"longer keyword of another topic wins", "Construction noise at 6am", "noise", "noise"},
		{"phrase stops at punctuation", "Construction. Noise!", "housing", "housing"},
		{"phrase shadows its word", "The street light is out", "roads", "roads"},
		{"light word listed only when primary", "Loud music on Elm street", "noise", "noise"},
		{"light word alone", "Elm street", "roads", "roads"},
		{"possessive", "The apartment's boiler", "housing", "housing"},
		{"word boundary", "parkingparking parked", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, primary := m.Match(tt.text)
			if strings.Join(got, " ") != tt.topics || primary != tt.primary {
				t.Errorf("Match(%q) = %v, %q; want [%s], %q", tt.text, got, primary, tt.topics, tt.primary)
			}
		})
	}
}

func TestKeyphrases(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Huge potholes on Maple Ave!", "huge pothole|maple ave"},
		{"The trash pickup was missed again. Trash pickups are a mess", "trash pickup|trash pickup|mess"},
		{"Thanks so much!!", ""},
		{"The playground is broken and dangerous", "playground"},
		{"Broken streetlights, overflowing bins and graffiti", "broken streetlight|overflowing bin|graffiti"},
		{"the new community garden benches by the library entrance", "community garden bench|library entrance"},
		{"I don't know 123", ""},
	}
	for _, tt := range tests {
		toks, lower := lowerTokens(tt.text, nil)
		newLexicon(nil, nil).annotate(toks)
		got := keyphrases(lower, toks)
		want := tt.want
		// Repeats count once per text.
		seen := map[string]bool{}
		var w []string
		for _, p := range strings.Split(want, "|") {
			if p != "" && !seen[p] {
				seen[p] = true
				w = append(w, p)
			}
		}
		if strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("keyphrases(%q) = %q; want %q", tt.text, got, w)
		}
	}
}

func TestSingular(t *testing.T) {
	for in, want := range map[string]string{"potholes": "pothole", "streetlights": "streetlight", "libraries": "library",
		"buses": "bus", "benches": "bench", "grass": "grass", "bus": "bus", "police": "police", "boxes": "box", "status": "status"} {
		if got := singular(in); got != want {
			t.Errorf("singular(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestPlaces(t *testing.T) {
	g := NewGazetteer("Northside", "East End", "Riverside")
	tests := []struct{ text, want string }{
		{"Pothole on Maple Ave near Lincoln Park", "Maple Avenue|Lincoln Park"},
		{"5th St and Third Avenue", "5th Street|Third Avenue"},
		{"Lights out on Martin Luther King Jr Blvd.", "Martin Luther King Jr Boulevard"},
		{"Trash all over the east end and in NORTHSIDE", "East End|Northside"},
		{"St Mary's hosts a fair; the park is nice", ""},
		{"Went to the park on a street", ""},
		{"Benches at Union Square are broken", "Union Square"},
		{"maple ave", ""},
		{"Riverside Park is a mess, like all of Riverside", "Riverside Park|Riverside"},
	}
	for _, tt := range tests {
		got := strings.Join(g.Places(tt.text), "|")
		if got != tt.want {
			t.Errorf("Places(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	var got []string
	for _, tk := range tokenize("Don’t PARK here—it's Maple's café, #1!", nil) {
		got = append(got, tk.lower)
	}
	if want := "don’t park here it maple café 1"; strings.Join(got, " ") != want {
		t.Errorf("tokenize = %q; want %q", strings.Join(got, " "), want)
	}
}

func TestDistricts(t *testing.T) {
	f, err := os.Open("testdata/districts.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ReadDistricts(f, "district", func(s string) (string, bool) {
		id, ok := map[string]string{"Downtown": "downtown", "Riverside": "riverside", "Pin": "pin"}[s]
		return id, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"inside", 39.79, -89.69, "downtown"},
		{"in the hole, which a later feature covers", 39.81, -89.65, "riverside"},
		{"multipolygon", 39.79, -89.55, "riverside"},
		{"outside every bounding box", 40.5, -89.65, ""},
		{"inside a bounding box, outside the triangle", 39.835, -89.51, ""},
		{"a point feature bounds nothing", 39.0, -89.0, ""},
	}
	for _, tt := range tests {
		got, ok := d.Locate(tt.lat, tt.lon)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: Locate(%v, %v) = %q, %v; want %q", tt.name, tt.lat, tt.lon, got, ok, tt.want)
		}
	}
	for _, bad := range []struct{ doc, want string }{
		{`{"type":"Feature"}`, "want FeatureCollection"},
		{`{"type":"FeatureCollection","features":[]}`, ErrNoDistricts.Error()},
		{`{"type":"FeatureCollection","features":[{"properties":{}}]}`, "features[0]: no district"},
		{`{"type":"FeatureCollection","features":[{"id":"x","geometry":{"type":"Polygon","coordinates":[1]}}]}`, "features[0].geometry.coordinates"},
	} {
		if _, err := ReadDistricts(strings.NewReader(bad.doc), "district", nil); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ReadDistricts(%s) error = %v; want %q", bad.doc, err, bad.want)
		}
	}
	if _, err := ReadDistricts(strings.NewReader(`{"type":"FeatureCollection","features":[{"id":"x","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`), "", func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "not a configured district") {
		t.Errorf("unknown district: error = %v; want not a configured district", err)
	}
}

// Output lines come back in input order whatever the number of workers and however batches
// finish.
func TestScoreLinesOrderParallel(t *testing.T) {
	s := New(config.DefaultTopics())
	var in strings.Builder
	texts := []string{"Huge pothole on Oak St", "Loud music all night", "great park", "ok", "trash everywhere, awful"}
	const n = 3*linesBatch + 17
	for i := range n {
		fmt.Fprintf(&in, "{\"id\":%d,\"text\":%q}\n", i, texts[i%len(texts)])
	}
	for _, workers := range []int{1, 3, 8} {
		var out bytes.Buffer
		if err := scoreLines(strings.NewReader(in.String()), &out, s, workers); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(&out)
		for i := range n {
			var l LineOut
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("workers=%d line %d: %v", workers, i, err)
			}
			want := lineOut(s, LineIn{Text: texts[i%len(texts)]})
			if string(l.ID) != fmt.Sprint(i) || l.Sentiment != want.Sentiment || fmt.Sprint(l.Topics) != fmt.Sprint(want.Topics) {
				t.Fatalf("workers=%d line %d = %+v; want id %d and %+v", workers, i, l, i, want)
			}
		}
		if dec.More() {
			t.Errorf("workers=%d: more than %d lines", workers, n)
		}
	}
	// A bad line stops the run, names its line, and what came before it is written.
	var out bytes.Buffer
	err := scoreLines(strings.NewReader("{\"id\":1,\"text\":\"a\"}\n{\"text\":\"no id\"}\n{\"id\":3}\n"), &out, s, 4)
	if err == nil || !strings.Contains(err.Error(), "stdin:2") {
		t.Errorf("error = %v; want it to name stdin:2", err)
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("output before the bad line = %q; want its one line", out.String())
	}
}

// A huge text stays cheap: overlaps are resolved over a bounded number of hits.
func TestMatchHugeText(t *testing.T) {
	m := NewMatcher(config.DefaultTopics())
	text := strings.Repeat("pothole on the street light near trash and loud music ", 20000)
	start := time.Now()
	topics, primary := m.Match(text)
	if primary != "roads" || len(topics) < 3 {
		t.Errorf("Match(huge) = %v, %q; want roads first among several", topics, primary)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Match(huge) took %v", d)
	}
}

func TestLowerSameLenASCII(t *testing.T) {
	for c := range 128 {
		for _, n := range []int{1, 7, 8, 9, 17} {
			b := []byte(strings.Repeat("aZ", n))
			for i := range b {
				s := string(b[:i]) + string(rune(c)) + string(b[i:])
				if got, want := lowerSameLen(s), strings.ToLower(s); got != want {
					t.Fatalf("lowerSameLen(%q) = %q; want %q", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"ÀB CD EFGH IJ", "Straße ÉCOLE 12345678", "\xffABCDEFGH"} {
		if got := lowerSameLen(s); len(got) != len(s) {
			t.Errorf("lowerSameLen(%q) = %q; want the same length", s, got)
		}
	}
}
