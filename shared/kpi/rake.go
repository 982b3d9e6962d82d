package kpi

import (
	"maps"
	"math"
	"slices"

	"github.com/civicpulse/civicpulse/shared/config"
)

// Rake returns survey weights raked to population margins by iterative proportional fitting
// and trimmed at trim times the mean weight (≤ 1 means 5): rake, cap, spread the excess over
// the other weights, and rake again, for up to 20 rounds. The weights never exceed the cap;
// they match the margins exactly (to 1e-12) whenever no weight needed trimming. base[i] is
// respondent i's weight before raking (≤ 0 counts as 1); cats[i][m] is its category on
// margins[m], "" when unknown.
//
// Respondents whose category is unknown, or not listed in the margin, keep their observed
// share of the total; the listed categories share the rest in the margin's proportions,
// renormalized over the categories that have respondents. The weights sum to the total base
// weight, so their mean is the mean base weight. The KPI stage rakes each survey apart in each
// quarter (RakeCells); the ingest stage may call Rake too.
func Rake(base []float64, cats [][]string, margins []config.Margin, trim float64) []float64 {
	count := make([]int64, len(base))
	for i := range count {
		count[i] = 1
	}
	return RakeCells(base, count, cats, margins, trim)
}

// RakeCells is Rake of respondents grouped in cells: count[i] respondents have the base weight
// base[i] and the categories cats[i]. It returns the weight of one respondent of each cell,
// the weight Rake gives each of them (up to rounding: sums are taken over cells, a cell of n
// respondents adding n times its weight); the cap applies to that weight. A cell of no
// respondents (count ≤ 0) weighs nothing, and its weight means nothing.
func RakeCells(base []float64, count []int64, cats [][]string, margins []config.Margin, trim float64) []float64 {
	n := len(base)
	w := make([]float64, n)
	cnt := make([]float64, n)
	total, people := 0.0, int64(0)
	for i, b := range base {
		if b <= 0 {
			b = 1
		}
		w[i] = b
		if count[i] > 0 {
			cnt[i] = float64(count[i])
			people += count[i]
		}
		total += cnt[i] * b
	}
	if people == 0 {
		return w
	}
	// idx[m][i] is cell i's category on margin m, 0 for unknown; target[m][c] is the
	// weight sum category c should reach (0: the unknown rest keeps its observed sum).
	idx := make([][]int, len(margins))
	target := make([][]float64, len(margins))
	for m, mg := range margins {
		names := slices.Sorted(maps.Keys(mg.Shares))
		pos := make(map[string]int, len(names))
		for c, name := range names {
			pos[name] = c + 1
		}
		idx[m] = make([]int, n)
		obs := make([]float64, len(names)+1)
		for i := range w {
			idx[m][i] = pos[cats[i][m]]
			obs[idx[m][i]] += cnt[i] * w[i]
		}
		listed := 0.0
		for c, name := range names {
			if obs[c+1] > 0 {
				listed += mg.Shares[name]
			}
		}
		target[m] = make([]float64, len(names)+1)
		target[m][0] = obs[0]
		for c, name := range names {
			if obs[c+1] > 0 {
				target[m][c+1] = mg.Shares[name] / listed * (total - obs[0])
			}
		}
	}
	rake := func() {
		for range 500 {
			converged := true
			for m := range margins {
				f := make([]float64, len(target[m]))
				for i := range w {
					f[idx[m][i]] += cnt[i] * w[i]
				}
				for c, s := range f {
					if s > 0 {
						f[c] = target[m][c] / s
						converged = converged && math.Abs(f[c]-1) <= 1e-12
					}
				}
				for i := range w {
					w[i] *= f[idx[m][i]]
				}
			}
			if converged {
				return
			}
		}
	}
	if trim <= 1 {
		trim = 5
	}
	cap := trim * total / float64(people)
	for range 20 {
		if len(margins) > 0 {
			rake()
		}
		if maxWeight(w, cnt) <= cap*(1+1e-9) {
			return w
		}
		trimTo(w, cnt, cap, total)
	}
	return w
}

// maxWeight is the largest weight of a cell with respondents.
func maxWeight(w, cnt []float64) float64 {
	m := math.Inf(-1)
	for i, x := range w {
		if cnt[i] > 0 {
			m = max(m, x)
		}
	}
	return m
}

// trimTo caps weights at cap and spreads the excess over the uncapped weights in proportion,
// repeating until no weight is above the cap; the total (of cnt[i] times w[i]) is kept.
func trimTo(w, cnt []float64, cap, total float64) {
	for range len(w) {
		capped, free := 0.0, 0.0
		for i := range w {
			if w[i] >= cap {
				w[i] = cap
				capped += cnt[i] * cap
			} else {
				free += cnt[i] * w[i]
			}
		}
		if free == 0 {
			return
		}
		f := (total - capped) / free
		over := false
		for i := range w {
			if w[i] < cap {
				w[i] *= f
				over = over || w[i] > cap
			}
		}
		if !over {
			return
		}
	}
}

// kish is the effective sample size of weights: (Σw)² / Σw².
func kish(sw, sw2 float64) float64 { return sw * sw / sw2 }
