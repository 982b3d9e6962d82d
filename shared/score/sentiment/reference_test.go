package sentiment

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dataDir holds VADER's human-labelled sets and the reference scores, outside the module.
const dataDir = "../../../../shared/data/sentiment"

// snippet is one human-labelled text with the reference Python VADER's score.
type snippet struct {
	dataset, id string
	mean        float64 // human mean rating, -4..4
	text        string
	ref         float64 // compound of Python vaderSentiment 3.3.1
}

// openData opens a file under dataDir, skipping the test when it is absent outside CI.
func openData(t testing.TB, name string) *os.File {
	t.Helper()
	path := filepath.Join(dataDir, name)
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) && os.Getenv("CI") == "" {
			t.Skipf("skip: %s absent (set CI to make this a failure)", path)
		}
		t.Fatalf("open reference data: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// loadSnippets reads the amazon and movie snippet sets joined with the reference scores.
func loadSnippets(t testing.TB) []snippet {
	t.Helper()
	texts := map[string]snippet{}
	for _, ds := range []string{"amazonReviewSnippets", "movieReviewSnippets"} {
		name := ds + "_GroundTruth.txt"
		sc := bufio.NewScanner(openData(t, name))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimRight(sc.Text(), "\r")
			if line == "" {
				continue
			}
			f := strings.SplitN(line, "\t", 3)
			if len(f) != 3 {
				t.Fatalf("%s:%d: got %d tab-separated fields; want 3", name, n, len(f))
			}
			mean, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatalf("%s:%d: mean: %v", name, n, err)
			}
			texts[ds+"\t"+f[0]] = snippet{dataset: ds, id: f[0], mean: mean, text: f[2]}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
	}
	const name = "vader_reference_scores.tsv"
	sc := bufio.NewScanner(openData(t, name))
	var out []snippet
	col := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		f := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if n == 1 {
			for i, h := range f {
				col[h] = i
			}
			for _, h := range []string{"dataset", "id", "compound_v3.3.1"} {
				if _, ok := col[h]; !ok {
					t.Fatalf("%s: header lacks column %q", name, h)
				}
			}
			continue
		}
		key := f[col["dataset"]] + "\t" + f[col["id"]]
		s, ok := texts[key]
		if !ok {
			t.Fatalf("%s:%d: no text for %s %s", name, n, f[col["dataset"]], f[col["id"]])
		}
		ref, err := strconv.ParseFloat(f[col["compound_v3.3.1"]], 64)
		if err != nil {
			t.Fatalf("%s:%d: compound_v3.3.1: %v", name, n, err)
		}
		s.ref = ref
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rows", name)
	}
	return out
}

func TestReproducesPythonVADER(t *testing.T) {
	rows := loadSnippets(t)
	a := New(VADER)
	match := 0
	shown := 0
	for _, r := range rows {
		got := a.Compound(r.text)
		if math.Abs(got-r.ref) <= 1e-4+1e-9 {
			match++
			continue
		}
		if shown < 20 {
			shown++
			t.Logf("mismatch %s %s: got %.4f; want %.4f: %q", r.dataset, r.id, got, r.ref, r.text)
		}
	}
	rate := float64(match) / float64(len(rows))
	t.Logf("VADER mode matches Python vaderSentiment 3.3.1 within 1e-4 on %d/%d rows (%.3f%%)", match, len(rows), 100*rate)
	if rate < 0.999 {
		t.Errorf("match rate %.4f; want >= 0.999", rate)
	}
}
