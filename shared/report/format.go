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

// notANumber is what the report shows for a value that is NaN or infinite: kpis.json should
// never hold one, but a bad figure must not print as "NaN" or break the layout.
const notANumber = "n/a"

// formatValue shows a KPI value in its unit: "+12", "61%", "1,610", "4.5 days". A unit the
// report does not know is shown as a plain number with up to two decimals.
func formatValue(unit string, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return notANumber
	}
	switch unit {
	case kpi.UnitScore:
		return signed(math.Round(v * 100))
	case kpi.UnitShare:
		return formatInt(math.Round(v*100)) + "%"
	case kpi.UnitCount:
		return formatInt(math.Round(v))
	case kpi.UnitDays:
		return formatDecimal(v, 1) + " " + plural(v, "day", "days")
	default:
		return formatDecimal(v, 2)
	}
}

// formatDelta shows a difference of two values in the KPI's unit: "+14 pts", "-3 pts", "+61",
// "-1.5 days".
func formatDelta(unit string, d float64) string {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return notANumber
	}
	switch unit {
	case kpi.UnitScore, kpi.UnitShare:
		return signed(math.Round(d*100)) + " pts"
	case kpi.UnitCount:
		return signed(math.Round(d))
	case kpi.UnitDays:
		s := formatDecimal(d, 1)
		if d > 0 && s != "0" {
			s = "+" + s
		}
		return s + " " + plural(d, "day", "days")
	default:
		s := formatDecimal(d, 2)
		if d > 0 && s != "0" {
			s = "+" + s
		}
		return s
	}
}

// formatMargin shows half the width of an interval: "±5 pts", "±4 pts", "±20", "±0.8 days".
func formatMargin(unit string, lo, hi float64) string {
	m := (hi - lo) / 2
	if math.IsNaN(m) || math.IsInf(m, 0) {
		return notANumber
	}
	m = math.Abs(m)
	switch unit {
	case kpi.UnitScore, kpi.UnitShare:
		return "±" + formatInt(math.Round(m*100)) + " pts"
	case kpi.UnitCount:
		return "±" + formatInt(math.Round(m))
	case kpi.UnitDays:
		return "±" + formatDecimal(m, 1) + " " + plural(m, "day", "days")
	default:
		return "±" + formatDecimal(m, 2)
	}
}

// formatDecimal writes v with at most digits decimals, trailing zeros dropped, and comma
// thousands separators: "1,234.5", "3", "-0.25".
func formatDecimal(v float64, digits int) string {
	scale := math.Pow(10, float64(digits))
	v = math.Round(v*scale) / scale
	if v == 0 {
		return "0"
	}
	whole, frac := math.Modf(math.Abs(v))
	s := formatInt(whole)
	if v < 0 {
		s = "-" + s
	}
	if f := strconv.FormatFloat(frac, 'f', digits, 64); strings.Trim(f, "0.") != "" {
		s += "." + strings.TrimRight(f[2:], "0")
	}
	return s
}

// plural picks the word for a number: "1 day", "1.5 days".
func plural(v float64, one, many string) string {
	if math.Abs(v) == 1 {
		return one
	}
	return many
}

// formatLift writes how many times a share rose: "3.2×".
func formatLift(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return notANumber
	}
	return formatDecimal(v, 1) + "×"
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
