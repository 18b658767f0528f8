package reports

import (
	"sort"
	"strconv"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// statusFill colours a DAG node by its task's status.
var statusFill = map[pipeline.Status]string{
	pipeline.StatusSuccess:        "#dafbe1",
	pipeline.StatusFailed:         "#ffebe9",
	pipeline.StatusUpstreamFailed: "#ffd8b5",
	pipeline.StatusInterrupted:    "#ffebe9",
	pipeline.StatusRunning:        "#ddf4ff",
	pipeline.StatusQueued:         "#eaeef2",
	pipeline.StatusCancelled:      "#eaeef2",
	pipeline.StatusSkipped:        "#f6f8fa",
}

type dagNode struct {
	X, Y, W, H, TX, TY float64
	Name, Label, Fill  string
	Status             string
}

type dagEdge struct{ D string }

type dagView struct {
	W, H  float64
	Nodes []dagNode
	Edges []dagEdge
}

// layers puts each task one layer right of its deepest need (longest
// path from a root). Unknown needs are ignored; a cycle, which a valid
// record cannot hold, is cut after len(tasks) rounds.
func layers(tasks []*pipeline.TaskRecord) map[string]int {
	layer := make(map[string]int, len(tasks))
	for _, t := range tasks {
		layer[t.Name] = 0
	}
	for round := 0; round < len(tasks); round++ {
		changed := false
		for _, t := range tasks {
			for _, n := range t.Needs {
				l, ok := layer[n]
				if ok && n != t.Name && l+1 > layer[t.Name] && l+1 <= len(tasks) {
					layer[t.Name] = l + 1
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	return layer
}

// newDAG lays the tasks out in layers from left to right, ordering each
// layer by the mean position of its needs (one barycentre pass).
func newDAG(tasks []*pipeline.TaskRecord) dagView {
	const nodeW, nodeH, gapX, gapY, pad = 150.0, 30.0, 50.0, 14.0, 10.0
	layer := layers(tasks)
	byLayer := map[int][]*pipeline.TaskRecord{}
	maxLayer := 0
	for _, t := range tasks {
		l := layer[t.Name]
		byLayer[l] = append(byLayer[l], t)
		maxLayer = max(maxLayer, l)
	}
	pos := map[string]float64{}
	rows := 0
	for l := 0; l <= maxLayer; l++ {
		ts := byLayer[l]
		bary := func(t *pipeline.TaskRecord) float64 {
			sum, n := 0.0, 0
			for _, need := range t.Needs {
				if p, ok := pos[need]; ok {
					sum, n = sum+p, n+1
				}
			}
			if n == 0 {
				return 0
			}
			return sum / float64(n)
		}
		sort.SliceStable(ts, func(i, j int) bool { return bary(ts[i]) < bary(ts[j]) })
		for i, t := range ts {
			pos[t.Name] = float64(i)
		}
		rows = max(rows, len(ts))
	}
	v := dagView{W: pad*2 + float64(maxLayer+1)*(nodeW+gapX) - gapX, H: pad*2 + float64(rows)*(nodeH+gapY) - gapY}
	at := map[string]dagNode{}
	for _, t := range tasks {
		x := pad + float64(layer[t.Name])*(nodeW+gapX)
		y := pad + pos[t.Name]*(nodeH+gapY)
		fill, ok := statusFill[t.Status]
		if !ok {
			fill = "#ffffff"
		}
		n := dagNode{X: x, Y: y, W: nodeW, H: nodeH, TX: x + nodeW/2, TY: y + nodeH/2 + 4,
			Name: t.Name, Label: truncate(t.Name, 22), Fill: fill, Status: string(t.Status)}
		at[t.Name] = n
		v.Nodes = append(v.Nodes, n)
	}
	for _, t := range tasks {
		to := at[t.Name]
		for _, need := range t.Needs {
			from, ok := at[need]
			if !ok || need == t.Name {
				continue
			}
			x1, y1 := from.X+from.W, from.Y+from.H/2
			x2, y2 := to.X, to.Y+to.H/2
			mx := (x1 + x2) / 2
			v.Edges = append(v.Edges, dagEdge{D: "M" + fnum(x1) + "," + fnum(y1) + " C" + fnum(mx) + "," + fnum(y1) +
				" " + fnum(mx) + "," + fnum(y2) + " " + fnum(x2) + "," + fnum(y2)})
		}
	}
	return v
}

func fnum(v float64) string { return strconv.FormatFloat(round1(v), 'f', -1, 64) }

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type ganttBar struct {
	X, Y, W, H   float64
	Color, Title string
}

type ganttRow struct {
	TextY float64
	Name  string
	Bars  []ganttBar
}

type ganttView struct {
	W, H, L, Right, Bottom float64
	XLabelX, XLabelY       float64
	Rows                   []ganttRow
	Ticks                  []tick
}

// newGantt draws one row per task and one bar per attempt, on a time axis
// from the run's start. Cache hits and tasks without attempts get a bar
// from the task's own start and end when it has them.
func newGantt(run *pipeline.Run) ganttView {
	const left, width, rowH = 170.0, 760.0, 22.0
	origin, end := run.Start, run.End
	for _, t := range run.Tasks {
		if origin.IsZero() || (!t.Start.IsZero() && t.Start.Before(origin)) {
			origin = t.Start
		}
		end = later(end, t.End)
		for _, a := range t.Attempts {
			end = later(end, a.End)
		}
	}
	total := seconds(origin, end)
	if total <= 0 {
		total = 1
	}
	g := ganttView{W: width, L: left, Right: width - 10}
	sx := func(t time.Time) float64 {
		if t.IsZero() || origin.IsZero() {
			return left
		}
		return round1(left + t.Sub(origin).Seconds()/total*(g.Right-left))
	}
	for i, t := range run.Tasks {
		y := 6 + rowH*float64(i)
		row := ganttRow{TextY: y + 13, Name: truncate(t.Name, 26)}
		for _, a := range t.Attempts {
			c := "#1a7f37"
			if a.ExitCode != 0 || a.Error != "" {
				c = "#cf222e"
			}
			x1, x2 := sx(a.Start), sx(later(a.End, a.Start))
			row.Bars = append(row.Bars, ganttBar{X: x1, Y: y, W: max(round1(x2-x1), 1), H: rowH - 6, Color: c,
				Title: t.Name + " attempt " + strconv.Itoa(a.Number) + ": " + formatDuration(a.Start, a.End)})
		}
		if len(t.Attempts) == 0 && !t.Start.IsZero() {
			x1, x2 := sx(t.Start), sx(later(t.End, t.Start))
			title := t.Name + ": " + string(t.Status)
			if t.CacheHit {
				title = t.Name + ": cache hit"
			}
			row.Bars = append(row.Bars, ganttBar{X: x1, Y: y, W: max(round1(x2-x1), 2), H: rowH - 6, Color: "#8c959f", Title: title})
		}
		g.Rows = append(g.Rows, row)
	}
	g.Bottom = 10 + rowH*float64(len(run.Tasks))
	secs, step := niceTicks(0, total, 5, 0)
	for _, s := range secs {
		g.Ticks = append(g.Ticks, tick{X: round1(left + s/total*(g.Right-left)), Y: g.Bottom + 14, Label: formatNice(s, step)})
	}
	g.XLabelX, g.XLabelY, g.H = round1((left+g.Right)/2), g.Bottom+30, g.Bottom+36
	return g
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
