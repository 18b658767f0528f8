package reports

import (
	"html/template"
	"math"
	"strconv"
)

// A run page holds up to a hundred line charts; drawing them through the
// "linechart" template cost more than the rest of the page (html/template
// calls its escapers by reflection for every attribute). So line charts
// are written here, with the escaping html/template would apply: every
// label goes through escapeHTML, the only place text from a record enters
// the SVG. Numbers are coordinates this file computed; colours come from
// the fixed palette.

// HTML draws the chart as an SVG figure.
func (c lineChart) HTML() template.HTML {
	return template.HTML(c.appendHTML(make([]byte, 0, c.size())))
}

// size estimates the bytes of the chart's HTML.
func (c lineChart) size() int {
	n := 1024 + len(c.Title)*2
	for _, s := range c.Series {
		n += len(s.Points) + 2*len(s.Label) + 160
	}
	return n
}

// chartList is the charts of a page, drawn in one piece.
type chartList []lineChart

// HTML draws every chart, one after the other.
func (cs chartList) HTML() template.HTML {
	n := 0
	for _, c := range cs {
		n += c.size()
	}
	b := make([]byte, 0, n)
	for _, c := range cs {
		b = c.appendHTML(b)
	}
	return template.HTML(b)
}

func (c lineChart) appendHTML(b []byte) []byte {
	b = append(b, `<figure><svg class="chart" width="`...)
	b = appendNum(b, c.W)
	b = append(b, `" height="`...)
	b = appendNum(b, c.H)
	b = append(b, `" viewBox="0 0 `...)
	b = appendNum(b, c.W)
	b = append(b, ' ')
	b = appendNum(b, c.H)
	b = append(b, `" role="img" aria-label="`...)
	b = escapeHTML(b, c.Title)
	b = append(b, `"><path class="ax" d="M`...)
	b = appendNum(b, c.L)
	b = append(b, ' ')
	b = appendNum(b, c.T)
	b = append(b, 'V')
	b = appendNum(b, c.Bottom)
	b = append(b, 'H')
	b = appendNum(b, c.Right)
	b = append(b, "\"/>\n<g class=\"mid\">"...)
	for _, t := range c.XTicks {
		b = appendText(b, t.X, t.Y, t.Label)
	}
	b = appendText(b, c.XLabelX, c.XLabelY, c.XLabel)
	b = append(b, `<text transform="translate(10 `...)
	b = appendNum(b, c.YLabelY)
	b = append(b, `) rotate(-90)">`...)
	b = escapeHTML(b, c.YLabel)
	b = append(b, "</text></g>\n<g class=\"end\">"...)
	for _, t := range c.YTicks {
		b = appendText(b, t.X, t.Y, t.Label)
	}
	b = append(b, "</g>\n"...)
	for _, s := range c.Series {
		b = append(b, `<path class="line" transform="scale(.1)" stroke="`...)
		b = escapeHTML(b, s.Color)
		b = append(b, `" d="`...)
		b = append(b, s.Points...) // path data newLineChart wrote
		b = append(b, `"><title>`...)
		b = escapeHTML(b, s.Label)
		b = append(b, "</title></path>"...)
	}
	b = append(b, "\n</svg><figcaption>"...)
	b = escapeHTML(b, c.Title)
	for _, s := range c.Series {
		b = append(b, ` <span style="color:`...)
		b = escapeHTML(b, s.Color)
		b = append(b, `">&#9632; `...)
		b = escapeHTML(b, s.Label)
		b = append(b, "</span>"...)
	}
	return append(b, "</figcaption></figure>"...)
}

func appendText(b []byte, x, y float64, label string) []byte {
	b = append(b, `<text x="`...)
	b = appendNum(b, x)
	b = append(b, `" y="`...)
	b = appendNum(b, y)
	b = append(b, `">`...)
	b = escapeHTML(b, label)
	return append(b, "</text>"...)
}

// appendNum writes v as html/template prints a float64 (fmt's %v). Chart
// geometry is in tenths of a pixel: those print from a table.
func appendNum(b []byte, v float64) []byte {
	if t := math.Round(v * 10); t >= 0 && t < float64(len(tenthsText)) && t/10 == v && !math.Signbit(v) {
		return append(b, tenthsText[int(t)]...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// escapeHTML appends s escaped for HTML text and quoted attribute values,
// as html/template escapes them: the five markup characters, '+' (which
// html/template also escapes, against UTF-7 sniffing) and NUL. Other
// bytes, invalid UTF-8 included, pass as html/template passes them.
func escapeHTML(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b = append(b, "\uFFFD"...)
		case '"':
			b = append(b, "&#34;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '\'':
			b = append(b, "&#39;"...)
		case '+':
			b = append(b, "&#43;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
