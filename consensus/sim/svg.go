package sim

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteSVG draws the run's plot (see plot) as a standalone SVG document, written by hand
// without dependencies.
func (r *Result) WriteSVG(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		plotW, plotH, plotW, plotH)
	r.plot(svgCanvas{b})
	fmt.Fprintln(b, "</svg>")
	return b.Flush()
}

// svgCanvas writes each drawing call as one SVG element; write errors surface at Flush.
type svgCanvas struct{ b *bufio.Writer }

func paint(fill, stroke string) string {
	if fill == "" {
		fill = "none"
	}
	s := fmt.Sprintf(`fill="%s"`, fill)
	if stroke != "" {
		s += fmt.Sprintf(` stroke="%s"`, stroke)
	}
	return s
}

func dashAttr(dash []float64) string {
	if dash == nil {
		return ""
	}
	parts := make([]string, len(dash))
	for i, d := range dash {
		parts[i] = trimFloat(d)
	}
	return fmt.Sprintf(` stroke-dasharray="%s"`, strings.Join(parts, " "))
}

func (c svgCanvas) rect(x, y, w, h float64, fill, stroke string) {
	fmt.Fprintf(c.b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" %s/>`+"\n", x, y, w, h, paint(fill, stroke))
}

func (c svgCanvas) line(p, q point, color string, width float64, dash []float64) {
	fmt.Fprintf(c.b, `<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="%s" stroke-width="%s"%s/>`+"\n",
		p.x, p.y, q.x, q.y, color, trimFloat(width), dashAttr(dash))
}

func (c svgCanvas) polyline(pts []point, color string, width float64, dash []float64, title string) {
	var s strings.Builder
	for i, p := range pts {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%.2f,%.2f", p.x, p.y)
	}
	fmt.Fprintf(c.b, `<polyline fill="none" stroke="%s" stroke-width="%s"%s points="%s"><title>%s</title></polyline>`+"\n",
		color, trimFloat(width), dashAttr(dash), s.String(), esc(title))
}

func (c svgCanvas) circle(p point, r float64, fill string) {
	fmt.Fprintf(c.b, `<circle cx="%.2f" cy="%.2f" r="%s" fill="%s"/>`+"\n", p.x, p.y, trimFloat(r), fill)
}

func (c svgCanvas) text(at point, s string, st textStyle) {
	attrs := []string{fmt.Sprintf(`x="%.2f" y="%.2f"`, at.x, at.y)}
	switch st.anchor {
	case anchorMiddle:
		attrs = append(attrs, `text-anchor="middle"`)
	case anchorEnd:
		attrs = append(attrs, `text-anchor="end"`)
	}
	if st.middle {
		attrs = append(attrs, `dominant-baseline="middle"`)
	}
	if st.bold {
		attrs = append(attrs, `font-weight="bold"`)
	}
	if st.big {
		attrs = append(attrs, `font-size="16"`)
	}
	if st.color != "" {
		attrs = append(attrs, fmt.Sprintf(`fill="%s"`, st.color))
	}
	fmt.Fprintf(c.b, "<text %s>%s</text>\n", strings.Join(attrs, " "), esc(s))
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder cannot fail
	return b.String()
}
