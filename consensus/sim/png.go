package sim

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// pngScale is the supersampling factor: shapes are drawn at this multiple of the final
// size and box-filtered down, which antialiases lines; text is drawn afterwards at the
// final size, where the bitmap font is crisp.
const pngScale = 2

// WritePNG draws the run's plot (see plot) as a PNG image with the same layout as WriteSVG.
func (r *Result) WritePNG(w io.Writer) error {
	c := &pngCanvas{img: image.NewRGBA(image.Rect(0, 0, plotW*pngScale, plotH*pngScale))}
	r.plot(c)
	out := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	for y := 0; y < plotH; y++ {
		for x := 0; x < plotW; x++ {
			var sum [4]int
			for dy := 0; dy < pngScale; dy++ {
				for dx := 0; dx < pngScale; dx++ {
					p := c.img.RGBAAt(x*pngScale+dx, y*pngScale+dy)
					sum[0], sum[1], sum[2], sum[3] = sum[0]+int(p.R), sum[1]+int(p.G), sum[2]+int(p.B), sum[3]+int(p.A)
				}
			}
			const n = pngScale * pngScale
			out.SetRGBA(x, y, color.RGBA{uint8(sum[0] / n), uint8(sum[1] / n), uint8(sum[2] / n), uint8(sum[3] / n)})
		}
	}
	for _, t := range c.texts {
		drawText(out, t.at, t.s, t.st)
	}
	return png.Encode(w, out)
}

type queuedText struct {
	at point
	s  string
	st textStyle
}

// pngCanvas rasterises shapes into a supersampled image and queues text for the final one.
type pngCanvas struct {
	img   *image.RGBA
	texts []queuedText
}

// rgb parses "#rrggbb" (the only form the layout uses); anything else is black.
func rgb(s string) color.RGBA {
	v, err := strconv.ParseUint(s[min(1, len(s)):], 16, 32)
	if err != nil || len(s) != 7 {
		return color.RGBA{A: 255}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

func (c *pngCanvas) fillRect(x0, y0, x1, y1 float64, col color.RGBA) {
	b := c.img.Bounds()
	for y := max(int(math.Round(y0*pngScale)), b.Min.Y); y < min(int(math.Round(y1*pngScale)), b.Max.Y); y++ {
		for x := max(int(math.Round(x0*pngScale)), b.Min.X); x < min(int(math.Round(x1*pngScale)), b.Max.X); x++ {
			c.img.SetRGBA(x, y, col)
		}
	}
}

func (c *pngCanvas) rect(x, y, w, h float64, fill, stroke string) {
	if fill != "" {
		c.fillRect(x, y, x+w, y+h, rgb(fill))
	}
	if stroke != "" {
		corners := []point{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}
		c.polyline(corners, stroke, 1, nil, "")
	}
}

func (c *pngCanvas) line(p, q point, color string, width float64, dash []float64) {
	c.polyline([]point{p, q}, color, width, dash, "")
}

// polyline stamps discs along the path (in supersampled pixels), skipping the off parts
// of the dash pattern, whose phase runs on across segments.
func (c *pngCanvas) polyline(pts []point, col string, width float64, dash []float64, _ string) {
	rc := rgb(col)
	radius := width * pngScale / 2
	const step = 0.5
	phase, k := 0.0, 0 // distance into dash element k
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		dx, dy := (q.x-p.x)*pngScale, (q.y-p.y)*pngScale
		l := math.Hypot(dx, dy)
		for t := 0.0; t <= l; t += step {
			if dash == nil || k%2 == 0 {
				f := 0.0
				if l > 0 {
					f = t / l
				}
				c.disc(p.x*pngScale+dx*f, p.y*pngScale+dy*f, radius, rc)
			}
			if dash != nil {
				if phase += step; phase >= dash[k]*pngScale {
					phase, k = 0, (k+1)%len(dash)
				}
			}
		}
	}
}

func (c *pngCanvas) circle(p point, r float64, fill string) {
	c.disc(p.x*pngScale, p.y*pngScale, r*pngScale, rgb(fill))
}

// disc fills the pixels whose centres lie within r of (cx, cy), in supersampled units.
func (c *pngCanvas) disc(cx, cy, r float64, col color.RGBA) {
	r = math.Max(r, 0.71) // always cover at least the pixel under the centre
	b := c.img.Bounds()
	for y := max(int(math.Floor(cy-r)), b.Min.Y); y <= min(int(math.Ceil(cy+r)), b.Max.Y-1); y++ {
		for x := max(int(math.Floor(cx-r)), b.Min.X); x <= min(int(math.Ceil(cx+r)), b.Max.X-1); x++ {
			if ddx, ddy := float64(x)+0.5-cx, float64(y)+0.5-cy; ddx*ddx+ddy*ddy <= r*r {
				c.img.SetRGBA(x, y, col)
			}
		}
	}
}

func (c *pngCanvas) text(at point, s string, st textStyle) {
	c.texts = append(c.texts, queuedText{at, s, st})
}

// drawText draws s with the 7x13 bitmap font; bold text is drawn twice, one pixel apart,
// and big text is drawn bold at double size.
func drawText(img *image.RGBA, at point, s string, st textStyle) {
	if st.big {
		drawBigText(img, at, s, st)
		return
	}
	face := basicfont.Face7x13
	col := rgb("#000000")
	if st.color != "" {
		col = rgb(st.color)
	}
	d := &font.Drawer{Dst: img, Src: image.NewUniform(col), Face: face}
	x := at.x
	switch st.anchor {
	case anchorMiddle:
		x -= float64(d.MeasureString(s).Round()) / 2
	case anchorEnd:
		x -= float64(d.MeasureString(s).Round())
	}
	y := at.y
	if st.middle {
		y += float64(face.Ascent-face.Descent) / 2
	}
	passes := 1
	if st.bold {
		passes = 2
	}
	for p := 0; p < passes; p++ {
		d.Dot = fixed.P(int(math.Round(x))+p, int(math.Round(y)))
		d.DrawString(s)
	}
}

// drawBigText renders s (bold, left-aligned) into a scratch image and composites it onto
// img at twice the size, with its baseline at at.y.
func drawBigText(img *image.RGBA, at point, s string, st textStyle) {
	face := basicfont.Face7x13
	st.big, st.anchor, st.middle = false, anchorStart, false
	w := font.MeasureString(face, s).Round() + 2
	scratch := image.NewRGBA(image.Rect(0, 0, w, face.Height))
	drawText(scratch, point{0, float64(face.Ascent)}, s, st)
	x0, y0 := int(math.Round(at.x)), int(math.Round(at.y))-2*face.Ascent
	for y := 0; y < face.Height; y++ {
		for x := 0; x < w; x++ {
			if p := scratch.RGBAAt(x, y); p.A != 0 {
				r := image.Rect(x0+2*x, y0+2*y, x0+2*x+2, y0+2*y+2)
				draw.Draw(img, r, image.NewUniform(p), image.Point{}, draw.Over)
			}
		}
	}
}
