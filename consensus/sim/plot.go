package sim

import (
	"fmt"
	"math"
	"strings"
)

// Plot geometry, in SVG user units (PNG pixels).
const (
	plotW, plotH     = 1000, 720
	marginL, marginR = 70, 230
	marginT, marginB = 76, 44
	panelGap         = 56
	maxLegendEntries = 32
	legendRow        = 18
	panelW           = plotW - marginL - marginR
	panelH           = (plotH - marginT - marginB - panelGap) / 2
)

// palette holds distinguishable line colours; uids beyond it reuse them dashed.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939"}

// dashes are on/off lengths; nil is a solid line.
var dashes = [][]float64{nil, {6, 3}, {2, 3}, {8, 3, 2, 3}}

type point struct{ x, y float64 }

// anchor is a text's horizontal alignment at its x coordinate.
type anchor int

const (
	anchorStart anchor = iota
	anchorMiddle
	anchorEnd
)

// textStyle describes a label.
type textStyle struct {
	anchor anchor
	bold   bool
	big    bool   // title size
	color  string // "" is black
	middle bool   // vertically centred on y instead of sitting on it
}

// canvas is what the plot layout draws on; the SVG and PNG writers implement it, so both
// formats share one layout. Colours are "#rrggbb".
type canvas interface {
	rect(x, y, w, h float64, fill, stroke string)
	line(p, q point, color string, width float64, dash []float64)
	polyline(pts []point, color string, width float64, dash []float64, title string)
	circle(c point, r float64, fill string)
	text(at point, s string, st textStyle)
}

// plot lays out the run on c: a title, two panels (dividends on top, incentive below)
// with a line per uid over the epochs, and a legend of the uids drawn (uids at zero
// throughout are left out).
func (r *Result) plot(c canvas) {
	n := len(r.Scenario.Neurons)
	series := func(get func(ep EpochRecord) []uint16) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			out[i] = make([]float64, len(r.Epochs))
			for k, ep := range r.Epochs {
				out[i][k] = prop(get(ep)[i])
			}
		}
		return out
	}
	div := series(func(ep EpochRecord) []uint16 { return ep.Out.Dividends })
	inc := series(func(ep EpochRecord) []uint16 { return ep.Out.Incentive })
	var shown []int // uids in the legend: non-zero in either panel
	for i := range n {
		if nonZero(div[i]) || nonZero(inc[i]) {
			shown = append(shown, i)
		}
	}
	c.rect(0, 0, plotW, plotH, "#ffffff", "")
	c.text(point{marginL, 24}, title(r.Scenario), textStyle{bold: true, big: true})
	c.text(point{marginL, 42}, fmt.Sprintf("%s, %d epochs of %d blocks", mode(r.Scenario), len(r.Epochs), r.Scenario.Tempo), textStyle{color: "#555555"})
	r.panel(c, "Dividends", marginT, div)
	r.panel(c, "Incentive", marginT+panelH+panelGap, inc)
	r.legend(c, shown)
}

func nonZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}

// panel draws one chart with its axes, grid and lines at vertical offset top.
func (r *Result) panel(c canvas, name string, top float64, data [][]float64) {
	ymax := 0.0
	for _, v := range data {
		for _, x := range v {
			ymax = math.Max(ymax, x)
		}
	}
	ystep := niceStep(ymax, 5)
	ytop := math.Max(ystep, math.Ceil(ymax/ystep-1e-9)*ystep)
	epochs := len(r.Epochs)
	xspan := float64(max(epochs-1, 1))
	x := func(k int) float64 { return marginL + float64(k)/xspan*panelW }
	y := func(v float64) float64 { return top + panelH - v/ytop*panelH }

	c.text(point{marginL, top - 6}, name, textStyle{bold: true})
	if wu := r.Scenario.WarmupEpochs; wu > 0 {
		// Shade the warm-up, which the summary leaves out.
		c.rect(marginL, top, x(wu)-marginL, panelH, "#f2f2f2", "")
		c.text(point{marginL + 6, top + 14}, "warm-up (not in summary)", textStyle{color: "#888888"})
	}
	for v := 0.0; v <= ytop+ystep/2; v += ystep {
		c.line(point{marginL, y(v)}, point{marginL + panelW, y(v)}, "#e5e5e5", 1, nil)
		c.text(point{marginL - 6, y(v)}, trimFloat(v), textStyle{anchor: anchorEnd, middle: true})
	}
	c.rect(marginL, top, panelW, panelH, "", "#999999")
	xstep := int(math.Max(1, niceStep(xspan, 10)))
	for k := 0; k < epochs; k += xstep {
		c.line(point{x(k), top + panelH}, point{x(k), top + panelH + 4}, "#999999", 1, nil)
		c.text(point{x(k), top + panelH + 16}, fmt.Sprint(k), textStyle{anchor: anchorMiddle})
	}
	c.text(point{marginL + panelW, top + panelH + 32}, "epoch", textStyle{anchor: anchorEnd, color: "#555555"})
	for i, v := range data {
		if !nonZero(v) {
			continue
		}
		color, dash := style(i)
		if epochs == 1 {
			c.circle(point{x(0), y(v[0])}, 3, color)
			continue
		}
		pts := make([]point, len(v))
		for k, val := range v {
			pts[k] = point{x(k), y(val)}
		}
		c.polyline(pts, color, 2, dash, r.Scenario.Neurons[i].Name)
	}
}

// legend lists the drawn uids with their line style, name and role.
func (r *Result) legend(c canvas, shown []int) {
	lx := float64(plotW - marginR + 16)
	c.text(point{lx, marginT}, "uid  name (role)", textStyle{bold: true})
	for k, i := range shown {
		yy := float64(marginT + 20 + k*legendRow)
		if k == maxLegendEntries {
			c.text(point{lx, yy}, fmt.Sprintf("+%d more", len(shown)-k), textStyle{color: "#555555"})
			break
		}
		color, dash := style(i)
		c.line(point{lx, yy - 4}, point{lx + 22, yy - 4}, color, 2.5, dash)
		ns := r.Scenario.Neurons[i]
		c.text(point{lx + 28, yy}, fmt.Sprintf("%d %s (%s)", i, ns.Name, role(ns)), textStyle{})
	}
}

func style(uid int) (color string, dash []float64) {
	return palette[uid%len(palette)], dashes[(uid/len(palette))%len(dashes)]
}

// niceStep returns a 1, 2 or 5 times a power of ten step giving at most about `ticks`
// intervals over span.
func niceStep(span float64, ticks int) float64 {
	if span <= 0 {
		return 0.1
	}
	raw := span / float64(ticks)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}
