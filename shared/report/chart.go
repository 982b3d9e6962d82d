package report

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/civicpulse/civicpulse/shared/kpi"
)

// Chart size: shown at ChartWidth x ChartHeight CSS pixels, drawn at twice that so it stays
// sharp on high-density screens (a chart is still 2–4 KB).
const (
	ChartWidth  = 240
	ChartHeight = 60
	chartScale  = 2
)

var (
	chartLine   = color.RGBA{0x1d, 0x4e, 0xd8, 0xff} // blue 700
	chartTarget = color.RGBA{0x6b, 0x72, 0x80, 0xff} // gray 500
	chartLast   = color.RGBA{0x11, 0x18, 0x27, 0xff} // gray 900
)

// WriteChart draws a KPI's eight-quarter trend as a small PNG: the values as a line (broken
// where a quarter has no data), the target as a dashed line, this quarter as a dot. No text is
// drawn; the alt text (KPI.Trend) says the same in words. The bytes depend only on the input.
func WriteChart(w io.Writer, res kpi.Result) error {
	p := plot.New()
	p.HideAxes()
	p.BackgroundColor = color.White

	lo, hi := res.Target, res.Target
	var segment plotter.XYs
	flush := func() error {
		if len(segment) == 0 {
			return nil
		}
		if len(segment) == 1 { // a lone quarter between gaps: a dot, not an invisible line
			s, err := plotter.NewScatter(segment)
			if err != nil {
				return err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: chartLine, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
			p.Add(s)
		} else {
			l, err := plotter.NewLine(segment)
			if err != nil {
				return err
			}
			l.LineStyle = draw.LineStyle{Color: chartLine, Width: vg.Points(1.5)}
			p.Add(l)
		}
		segment = nil
		return nil
	}
	for i, pt := range res.Trend {
		if pt.Value == nil || math.IsNaN(*pt.Value) || math.IsInf(*pt.Value, 0) {
			if err := flush(); err != nil {
				return fmt.Errorf("chart %s: %w", res.ID, err)
			}
			continue
		}
		v := *pt.Value
		lo, hi = min(lo, v), max(hi, v)
		segment = append(segment, plotter.XY{X: float64(i), Y: v})
	}
	if err := flush(); err != nil {
		return fmt.Errorf("chart %s: %w", res.ID, err)
	}

	n := max(len(res.Trend), 2)
	target, err := plotter.NewLine(plotter.XYs{{X: 0, Y: res.Target}, {X: float64(n - 1), Y: res.Target}})
	if err != nil {
		return fmt.Errorf("chart %s: %w", res.ID, err)
	}
	target.LineStyle = draw.LineStyle{Color: chartTarget, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	p.Add(target)

	if last := len(res.Trend) - 1; last >= 0 && res.Trend[last].Value != nil {
		dot, err := plotter.NewScatter(plotter.XYs{{X: float64(last), Y: *res.Trend[last].Value}})
		if err != nil {
			return fmt.Errorf("chart %s: %w", res.ID, err)
		}
		dot.GlyphStyle = draw.GlyphStyle{Color: chartLast, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(dot)
	}

	// Pad the ranges so the line and dots never touch the edge.
	pad := (hi - lo) * 0.15
	if pad == 0 {
		pad = math.Max(math.Abs(hi)*0.1, 0.01)
	}
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	p.X.Min, p.X.Max = -0.3, float64(n-1)+0.3

	// A point is a CSS pixel; 144 dpi draws two image pixels for each.
	c := vgimg.NewWith(vgimg.UseWH(ChartWidth, ChartHeight), vgimg.UseDPI(72*chartScale))
	p.Draw(draw.New(c))
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("chart %s: write png: %w", res.ID, err)
	}
	return nil
}
