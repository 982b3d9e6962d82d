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
// they match the margins exactly (to 1e-12) whenever no weight needed trimming. base[i] is respondent i's weight before raking (≤ 0 counts
// as 1); cats[i][m] is its category on margins[m], "" when unknown.
//
// Respondents whose category is unknown, or not listed in the margin, keep their observed
// share of the total; the listed categories share the rest in the margin's proportions,
// renormalized over the categories that have respondents. The weights sum to the total base
// weight, so their mean is the mean base weight. The KPI stage rakes each survey apart in each
// quarter; the ingest stage may call Rake too.
func Rake(base []float64, cats [][]string, margins []config.Margin, trim float64) []float64 {
	n := len(base)
	w := make([]float64, n)
	total := 0.0
	for i, b := range base {
		if b <= 0 {
			b = 1
		}
		w[i] = b
		total += b
	}
	if n == 0 {
		return w
	}
	// idx[m][i] is respondent i's category on margin m, 0 for unknown; target[m][c] is the
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
			obs[idx[m][i]] += w[i]
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
					f[idx[m][i]] += w[i]
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
	cap := trim * total / float64(n)
	for range 20 {
		if len(margins) > 0 {
			rake()
		}
		if slices.Max(w) <= cap*(1+1e-9) {
			return w
		}
		trimTo(w, cap, total)
	}
	return w
}

// trimTo caps weights at cap and spreads the excess over the uncapped weights in proportion,
// repeating until no weight is above the cap; the total is kept.
func trimTo(w []float64, cap, total float64) {
	for range len(w) {
		capped, free := 0.0, 0.0
		for i := range w {
			if w[i] >= cap {
				w[i] = cap
				capped += cap
			} else {
				free += w[i]
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
