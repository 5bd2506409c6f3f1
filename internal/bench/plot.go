package bench

import (
	"fmt"
	"math"
	"strings"
)

// Series is one line of a sweep plot: committed tx/s and p50/p99 commit
// latency against the number of clients.
type Series struct {
	Label  string
	Points []*Point
}

// PlotSVG draws throughput (top panel) and p50 and p99 latency (bottom
// panel, log scale) against offered load (clients, log scale), one
// colour per series, as a self-contained SVG.
func PlotSVG(title string, series []Series) []byte {
	const w, h, left, right, top, panel, gap = 760, 560, 70, 170, 40, 210, 50
	colours := []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}
	var minC, maxC, maxT, minL, maxL float64 = math.Inf(1), 1, 1, math.Inf(1), 1
	for _, s := range series {
		for _, p := range s.Points {
			c := float64(p.Clients)
			minC, maxC, maxT = math.Min(minC, c), math.Max(maxC, c), math.Max(maxT, p.TxPerSec)
			if p.P50ms > 0 {
				minL = math.Min(minL, p.P50ms)
			}
			maxL = math.Max(maxL, p.P99ms)
		}
	}
	if math.IsInf(minC, 1) || minC == maxC {
		minC, maxC = 1, math.Max(maxC, 2)
	}
	if math.IsInf(minL, 1) || minL >= maxL {
		minL = maxL / 10
	}
	minL, maxL = math.Pow(10, math.Floor(math.Log10(minL))), math.Pow(10, math.Ceil(math.Log10(maxL)))
	maxT = niceCeil(maxT)
	pw := float64(w - left - right)
	x := func(c float64) float64 {
		return left + pw*(math.Log(c)-math.Log(minC))/(math.Log(maxC)-math.Log(minC))
	}
	yT := func(t float64) float64 { return top + panel*(1-t/maxT) }
	top2 := float64(top + panel + gap)
	yL := func(l float64) float64 {
		l = math.Max(l, minL)
		return top2 + panel*(1-(math.Log(l)-math.Log(minL))/(math.Log(maxL)-math.Log(minL)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", left, esc(title))
	for _, pan := range []struct {
		y0    float64
		label string
	}{{top, "committed tx/s"}, {top2, "commit latency, ms (log)"}} {
		fmt.Fprintf(&b, `<rect x="%d" y="%g" width="%g" height="%d" fill="none" stroke="#888"/>`+"\n", left, pan.y0, pw, panel)
		fmt.Fprintf(&b, `<text x="14" y="%g" transform="rotate(-90 14 %g)" text-anchor="middle">%s</text>`+"\n", pan.y0+panel/2, pan.y0+panel/2, pan.label)
	}
	// x ticks at the sweep's client counts (powers of 4) on both panels.
	for c := minC; c <= maxC*1.0001; c *= 4 {
		for _, y0 := range []float64{top, top2} {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#eee"/>`+"\n", x(c), y0, x(c), y0+panel)
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%g</text>`+"\n", x(c), y0+panel+15, c)
		}
	}
	fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="middle">concurrent clients (offered load, log scale)</text>`+"\n", left+pw/2, h-8)
	for i := 0; i <= 4; i++ {
		t := maxT * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%g" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%g</text>`+"\n", left, yT(t), left+pw, yT(t), left-5, yT(t)+4, t)
	}
	for l := minL; l <= maxL*1.0001; l *= 10 {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%g" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%g</text>`+"\n", left, yL(l), left+pw, yL(l), left-5, yL(l)+4, l)
	}
	legendY := top + 10
	for i, s := range series {
		col := colours[i%len(colours)]
		var tp, p50, p99 []string
		for _, p := range s.Points {
			c := float64(p.Clients)
			tp = append(tp, fmt.Sprintf("%.1f,%.1f", x(c), yT(p.TxPerSec)))
			p50 = append(p50, fmt.Sprintf("%.1f,%.1f", x(c), yL(p.P50ms)))
			p99 = append(p99, fmt.Sprintf("%.1f,%.1f", x(c), yL(p.P99ms)))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(tp, " "), col)
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(p50, " "), col)
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="5,4"/>`+"\n", strings.Join(p99, " "), col)
		for _, pts := range [][]string{tp, p50, p99} {
			for _, xy := range pts {
				var px, py float64
				fmt.Sscanf(xy, "%g,%g", &px, &py)
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px, py, col)
			}
		}
		lx := w - right + 12
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/><text x="%d" y="%d">%s</text>`+"\n", lx, legendY, lx+20, legendY, col, lx+25, legendY+4, esc(s.Label))
		legendY += 20
	}
	lx := w - right + 12
	fmt.Fprintf(&b, `<text x="%d" y="%g">latency: solid p50,</text><text x="%d" y="%g">dashed p99</text>`+"\n", lx, top2+14, lx, top2+30)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
