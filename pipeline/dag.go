package pipeline

import (
	"container/heap"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrUnknownTask is returned by Subset for a name that is not a task.
var ErrUnknownTask = errors.New("unknown task")

// checkGraph runs the checks that need every task: needs that exist, model
// names registered once, distinct MLCD_IN_ names, and no cycles.
func (p *parser) checkGraph(tasks []*Task) {
	names := make([]string, len(tasks))
	known := make(map[string]bool, len(tasks))
	for i, t := range tasks {
		names[i] = t.Name
		known[t.Name] = true
	}
	byEnv := map[string]*taskPlace{}
	byModel := map[string]*taskPlace{}
	for _, tp := range p.places {
		t := tp.task
		for i, need := range t.Needs {
			switch {
			case need == t.Name:
				p.errorf(tp.needs[i], "task %q: needs itself", t.Name)
			case !known[need]:
				p.errorf(tp.needs[i], "task %q: needs unknown task %q%s", t.Name, need, didYouMean(need, names))
			}
		}
		env := taskEnvName(t.Name)
		if other, ok := byEnv[env]; ok {
			p.errorf(tp.at, "task %q: name clashes with task %q (line %d): both would be %s", t.Name, other.task.Name, other.task.Line, env)
		} else {
			byEnv[env] = tp
		}
		if t.Model != nil && t.Model.Name != "" {
			if other, ok := byModel[t.Model.Name]; ok {
				p.errorf(tp.model, "task %q: model %q is already registered by task %q (line %d)", t.Name, t.Model.Name, other.task.Name, other.task.Line)
			} else {
				byModel[t.Model.Name] = tp
			}
		}
	}
	for _, cycle := range findCycles(tasks) {
		for _, tp := range p.places {
			if tp.task.Name == cycle[0] {
				p.errorf(tp.at, "cycle: %s", strings.Join(cycle, " -> "))
			}
		}
	}
}

// graph is the DAG as indexes into a task list: needs[i] are the upstreams
// of task i, and downs[i] the tasks that need it. Unknown needs and
// self-needs are left out.
type graph struct {
	index map[string]int
	needs [][]int
	downs [][]int
}

func newGraph(tasks []*Task) *graph {
	g := &graph{index: make(map[string]int, len(tasks)), needs: make([][]int, len(tasks)), downs: make([][]int, len(tasks))}
	for i, t := range tasks {
		if _, dup := g.index[t.Name]; !dup {
			g.index[t.Name] = i
		}
	}
	for i, t := range tasks {
		for _, n := range t.Needs {
			j, ok := g.index[n]
			if !ok || j == i || slices.Contains(g.needs[i], j) {
				continue
			}
			g.needs[i] = append(g.needs[i], j)
			g.downs[j] = append(g.downs[j], i)
		}
	}
	return g
}

// findCycles returns one cycle per strongly connected component of more
// than one task, as names from the component's first task in file order
// back to it: "a needs b needs a" is [a b a].
func findCycles(tasks []*Task) [][]string {
	g := newGraph(tasks)
	var out [][]string
	for _, comp := range g.components() {
		if len(comp) < 2 {
			continue
		}
		out = append(out, g.cycleFrom(slices.Min(comp), comp, tasks))
	}
	slices.SortFunc(out, func(a, b []string) int { return g.index[a[0]] - g.index[b[0]] })
	return out
}

// components is Tarjan's algorithm, iterative so that long chains cannot
// exhaust the stack.
func (g *graph) components() [][]int {
	n := len(g.needs)
	index, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack, comps = []int{}, [][]int{}
	next := 0
	type frame struct{ v, edge int }
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.edge < len(g.needs[f.v]) {
				w := g.needs[f.v][f.edge]
				f.edge++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				comps = append(comps, comp)
			}
		}
	}
	return comps
}

// cycleFrom is the shortest path of needs from start back to start inside
// the component.
func (g *graph) cycleFrom(start int, comp []int, tasks []*Task) []string {
	inComp := make(map[int]bool, len(comp))
	for _, v := range comp {
		inComp[v] = true
	}
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.needs[v] {
			if w == start {
				path := []string{tasks[start].Name}
				for x := v; x != start; x = prev[x] {
					path = append(path, tasks[x].Name)
				}
				slices.Reverse(path[1:])
				return append(path, tasks[start].Name)
			}
			if _, seen := prev[w]; !seen && inComp[w] {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return []string{tasks[start].Name} // unreachable for a real component
}

// Order returns the tasks in a topological order: every task after the
// tasks it needs, ties broken by the order of the file. Tasks on a cycle
// are left out (Parse never returns such a pipeline).
func (p *Pipeline) Order() []*Task {
	g := newGraph(p.Tasks)
	pending := make([]int, len(p.Tasks))
	ready := &intHeap{}
	for i := range p.Tasks {
		pending[i] = len(g.needs[i])
		if pending[i] == 0 {
			heap.Push(ready, i)
		}
	}
	out := make([]*Task, 0, len(p.Tasks))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		out = append(out, p.Tasks[i])
		for _, d := range g.downs[i] {
			if pending[d]--; pending[d] == 0 {
				heap.Push(ready, d)
			}
		}
	}
	return out
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Upstream returns the names of every task that the named tasks need,
// directly or not, in Order; the given names are not included. Unknown
// names are ignored.
func (p *Pipeline) Upstream(names ...string) []string {
	g := newGraph(p.Tasks)
	return p.reach(g, names, g.needs)
}

// Downstream returns the names of every task that needs one of the named
// tasks, directly or not, in Order; the given names are not included.
func (p *Pipeline) Downstream(names ...string) []string {
	g := newGraph(p.Tasks)
	return p.reach(g, names, g.downs)
}

func (p *Pipeline) reach(g *graph, names []string, edges [][]int) []string {
	seen := make([]bool, len(p.Tasks))
	var stack []int
	for _, n := range names {
		if i, ok := g.index[n]; ok {
			stack = append(stack, i)
		}
	}
	given := slices.Clone(stack)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range edges[v] {
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	for _, i := range given {
		seen[i] = false
	}
	var out []string
	for _, t := range p.Order() {
		if seen[g.index[t.Name]] {
			out = append(out, t.Name)
		}
	}
	return out
}

// Subset returns a copy of the pipeline with the named tasks and everything
// they need, in file order: what `mlcd run --task X` runs.
func (p *Pipeline) Subset(names []string) (*Pipeline, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("subset: no task named (tasks: %s)", strings.Join(p.taskNames(), ", "))
	}
	keep := map[string]bool{}
	for _, n := range names {
		if p.Task(n) == nil {
			return nil, fmt.Errorf("%w %q%s (tasks: %s)", ErrUnknownTask, n, didYouMean(n, p.taskNames()), strings.Join(p.taskNames(), ", "))
		}
		keep[n] = true
	}
	for _, n := range p.Upstream(names...) {
		keep[n] = true
	}
	out := *p
	out.Params = maps.Clone(p.Params)
	out.OnPaths = slices.Clone(p.OnPaths)
	out.Tasks = nil
	for _, t := range p.Tasks {
		if keep[t.Name] {
			out.Tasks = append(out.Tasks, t.clone())
		}
	}
	if p.Promote != nil {
		pr := *p.Promote
		out.Promote = &pr
	}
	return &out, nil
}

func (p *Pipeline) taskNames() []string {
	names := make([]string, len(p.Tasks))
	for i, t := range p.Tasks {
		names[i] = t.Name
	}
	return names
}

func (t *Task) clone() *Task {
	c := *t
	c.Run = slices.Clone(t.Run)
	c.Needs = slices.Clone(t.Needs)
	c.Inputs = slices.Clone(t.Inputs)
	c.RunsOn = slices.Clone(t.RunsOn)
	c.Env = maps.Clone(t.Env)
	if t.Model != nil {
		m := *t.Model
		c.Model = &m
	}
	return &c
}
