package report

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/civicpulse/civicpulse/shared/kpi"
)

// Numbers are shown the way a city manager reads them: scores as signed points (x100), shares
// as percentages, counts with thousands separators. Every string the report shows comes from
// these functions, so the HTML, the text and the headline cannot disagree.

// formatValue shows a KPI value in its unit: "+12", "61%", "1,610".
func formatValue(unit string, v float64) string {
	switch unit {
	case kpi.UnitScore:
		return signed(math.Round(v * 100))
	case kpi.UnitShare:
		return formatInt(math.Round(v*100)) + "%"
	default:
		return formatInt(math.Round(v))
	}
}

// formatDelta shows a difference of two values in the KPI's unit: "+14 pts", "-3 pts", "+61".
func formatDelta(unit string, d float64) string {
	switch unit {
	case kpi.UnitScore, kpi.UnitShare:
		return signed(math.Round(d*100)) + " pts"
	default:
		return signed(math.Round(d))
	}
}

// formatMargin shows half the width of an interval: "±5 pts", "±4 pts", "±20".
func formatMargin(unit string, lo, hi float64) string {
	m := (hi - lo) / 2
	switch unit {
	case kpi.UnitScore, kpi.UnitShare:
		return "±" + formatInt(math.Round(m*100)) + " pts"
	default:
		return "±" + formatInt(math.Round(m))
	}
}

// unitWord names the unit after a number in prose ("-12 points"); empty when the value
// already says it.
func unitWord(unit string) string {
	if unit == kpi.UnitScore {
		return " points"
	}
	return ""
}

// signed writes a whole number with its sign; zero has none.
func signed(v float64) string {
	if v == 0 { // also turns -0 into 0
		return "0"
	}
	if v > 0 {
		return "+" + formatInt(v)
	}
	return formatInt(v)
}

// formatInt writes a whole number with comma thousands separators.
func formatInt(v float64) string {
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatCount writes a count with thousands separators.
func formatCount(n int64) string { return formatInt(float64(n)) }

// rawNumber writes a value as stored in kpis.json, for the CSV: the shortest form that reads
// back to the same float64.
func rawNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// quarterLabel turns "2026-Q4" into "Q4 FY2026"; a malformed quarter is shown as it is.
func quarterLabel(q string) string {
	p, err := kpi.ParseQuarter(q)
	if err != nil {
		return q
	}
	return p.Label()
}

// oneLine makes text from residents or config safe to show on one line: control characters
// (CR, LF, tab, NUL…), Unicode line separators and bidirectional overrides become spaces, and
// runs of spaces collapse. It is what keeps "\r\nBcc: x" out of a subject header.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isBidiControl reports the invisible characters that reorder text, which can make a quote
// display something other than what it contains.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// formatP writes a p-value to two significant digits: "p = 0.031", "p < 0.001".
func formatP(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return "p = " + strconv.FormatFloat(p, 'g', 2, 64)
}
