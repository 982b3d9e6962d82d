package score_test

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/score"
)

// The goals of issue "Scoring that beats VADER on human-labelled data", enforced here so CI
// keeps them. `make eval` runs TestEval verbosely to print the figures.
const (
	goalMacroF1     = 0.85 // primary topic, over topics with at least minGoldRows gold rows
	goalAbstainRate = 0.10 // gold rows given no topic
	minGoldRows     = 20

	// floorMacroF1 is what the default taxonomy reaches today (0.856): CI holds it there, above
	// goalMacroF1.
	floorMacroF1 = 0.855
)

// dataDir holds the shared human-labelled data sets (see its README.md): the project's shared
// folder beside the repository, or CIVICPULSE_DATA. They are not copied into testdata/: their
// licences are their sources'. Missing data skips the test locally and fails it under CI.
func dataDir(t *testing.T) string {
	dir := os.Getenv("CIVICPULSE_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("labelled data not found in %s (set CIVICPULSE_DATA): %v", dir, err)
		}
		t.Skipf("labelled data not found in %s (set CIVICPULSE_DATA): %v", dir, err)
	}
	return dir
}

type topicCounts struct{ tp, fp, fn, gold int }

// TestEval measures topics on 311 requests labelled by request type and sentiment on the
// VADER study's human-rated sentences.
func TestEval(t *testing.T) {
	dir := dataDir(t)
	s := score.New(config.DefaultTopics())
	t.Run("topics", func(t *testing.T) {
		evalTopics(t, s, filepath.Join(dir, "topics", "us311_publicstuff_nyc_hoboken.csv"))
	})
	for _, name := range []string{"amazonReviewSnippets", "movieReviewSnippets"} {
		t.Run(name, func(t *testing.T) {
			evalSentiment(t, s, filepath.Join(dir, "sentiment", name+"_GroundTruth.txt"))
		})
	}
}

func evalTopics(t *testing.T, s *score.Scorer, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	counts := map[string]*topicCounts{}
	c := func(id string) *topicCounts {
		if counts[id] == nil {
			counts[id] = &topicCounts{}
		}
		return counts[id]
	}
	var gold, abstain, correct int
	var misses []string
	for _, r := range rows[1:] {
		want := r[col["topic10_proposed"]]
		if want == "ambiguous" || want == "unmapped" || want == "" {
			continue
		}
		gold++
		c(want).gold++
		got := s.Score(r[col["description"]]).PrimaryTopic
		switch {
		case got == "":
			abstain++
			c(want).fn++
		case got == want:
			correct++
			c(want).tp++
		default:
			c(want).fn++
			c(got).fp++
		}
		if got != want && os.Getenv("EVAL_MISSES") != "" {
			misses = append(misses, fmt.Sprintf("want %-13s got %-13s %s", want, got, r[col["description"]]))
		}
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return counts[ids[i]].gold > counts[ids[j]].gold || counts[ids[i]].gold == counts[ids[j]].gold && ids[i] < ids[j]
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-14s %5s %9s %7s %5s\n", "topic", "gold", "precision", "recall", "F1")
	var sumF1 float64
	var n int
	for _, id := range ids {
		k := counts[id]
		p, r := ratio(k.tp, k.tp+k.fp), ratio(k.tp, k.tp+k.fn)
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		mark := ""
		if k.gold >= minGoldRows {
			sumF1 += f1
			n++
			mark = " *"
		}
		fmt.Fprintf(&sb, "%-14s %5d %9.3f %7.3f %5.3f%s\n", id, k.gold, p, r, f1, mark)
	}
	macro, abst := sumF1/float64(n), ratio(abstain, gold)
	fmt.Fprintf(&sb, "macro-F1 over the %d topics with >= %d gold rows (*): %.3f (goal >= %.2f)\n", n, minGoldRows, macro, goalMacroF1)
	fmt.Fprintf(&sb, "abstain rate: %d/%d = %.3f (goal <= %.2f); accuracy %.3f", abstain, gold, abst, goalAbstainRate, ratio(correct, gold))
	t.Log("\n" + sb.String())
	for _, m := range misses {
		t.Log(m)
	}
	if macro < floorMacroF1 || macro < goalMacroF1 {
		t.Errorf("topic macro-F1 = %.3f; want >= %.3f (goal %.2f)", macro, floorMacroF1, goalMacroF1)
	}
	if abst > goalAbstainRate {
		t.Errorf("abstain rate = %.3f; want <= %.2f", abst, goalAbstainRate)
	}
}

// Sentiment floors: the reference VADER's figures on these sets (data/README.md); our scorer
// must do at least as well.
var sentimentFloor = map[string]struct{ r, f1 float64 }{
	"amazonReviewSnippets": {0.590, 0.626},
	"movieReviewSnippets":  {0.428, 0.590},
}

func evalSentiment(t *testing.T, s *score.Scorer, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var xs, ys []float64
	var gold, pred []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		parts := strings.SplitN(strings.TrimRight(sc.Text(), "\r"), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		mean, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			t.Fatalf("%s:%d: MEAN_RATING: %v", path, line, err)
		}
		c := s.Score(parts[2]).Sentiment
		xs, ys = append(xs, c), append(ys, mean)
		gold, pred = append(gold, signLabel(mean)), append(pred, score.Label(c))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	r, f1 := pearson(xs, ys), weightedF1(gold, pred)
	name := strings.TrimSuffix(filepath.Base(path), "_GroundTruth.txt")
	floor := sentimentFloor[name]
	t.Logf("%s: n=%d Pearson r=%.3f (VADER 3.3.1 %.3f), weighted F1=%.3f (VADER %.3f)", name, len(xs), r, floor.r, f1, floor.f1)
	// Rounding slack only: the civic scorer must match the reference on its own ground.
	const slack = 0.002
	if r < floor.r-slack || f1 < floor.f1-slack {
		t.Errorf("%s: r=%.3f F1=%.3f; want at least VADER's %.3f and %.3f", name, r, f1, floor.r, floor.f1)
	}
}

// signLabel is the gold class of a human mean rating: its sign (data/README.md).
func signLabel(mean float64) string {
	switch {
	case mean > 0:
		return score.Positive
	case mean < 0:
		return score.Negative
	}
	return score.Neutral
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

// weightedF1 is the support-weighted F1 over the gold classes.
func weightedF1(gold, pred []string) float64 {
	support, tp, predicted := map[string]int{}, map[string]int{}, map[string]int{}
	for i := range gold {
		support[gold[i]]++
		predicted[pred[i]]++
		if gold[i] == pred[i] {
			tp[gold[i]]++
		}
	}
	var sum float64
	for c, n := range support {
		p, r := ratio(tp[c], predicted[c]), ratio(tp[c], n)
		if p+r > 0 {
			sum += float64(n) * 2 * p * r / (p + r)
		}
	}
	return sum / float64(len(gold))
}
