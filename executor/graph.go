package executor

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// node is a task and its scheduling state. The scheduling goroutine owns
// every field except restore*, which workers share through the Once.
type node struct {
	idx     int
	task    *pipeline.Task
	rec     *pipeline.TaskRecord
	up      []*node
	down    []*node
	waiting int    // upstreams not finished yet
	attempt int    // the last attempt started
	key     string // cache key, once computed
	outDir  string // output folder of the successful attempt; "" when cached

	restoreOnce sync.Once
	restoreDir  string
	restoreErr  error
}

// plan builds the nodes of p and rejects what the parser should already
// have rejected (duplicate names, unknown needs, cycles), so that a
// Pipeline built in Go cannot hang the scheduler.
func plan(p *pipeline.Pipeline) ([]*node, error) {
	if p == nil || len(p.Tasks) == 0 {
		return nil, errors.New("pipeline has no tasks")
	}
	byName := make(map[string]*node, len(p.Tasks))
	nodes := make([]*node, 0, len(p.Tasks))
	for i, t := range p.Tasks {
		if _, dup := byName[t.Name]; dup {
			return nil, fmt.Errorf("task %q defined twice", t.Name)
		}
		if len(t.Run) == 0 || t.Run[0] == "" {
			return nil, fmt.Errorf("task %q has no command", t.Name)
		}
		n := &node{idx: i, task: t, rec: &pipeline.TaskRecord{
			Name: t.Name, Needs: t.Needs, Status: pipeline.StatusQueued, Model: t.Model,
		}}
		byName[t.Name] = n
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		for _, need := range n.task.Needs {
			u, ok := byName[need]
			if !ok {
				return nil, fmt.Errorf("task %q needs unknown task %q", n.task.Name, need)
			}
			n.up = append(n.up, u)
			u.down = append(u.down, n)
		}
		n.waiting = len(n.up)
	}
	if cyc := findCycle(nodes); cyc != nil {
		return nil, fmt.Errorf("cycle: %s", strings.Join(cyc, " -> "))
	}
	return nodes, nil
}

// findCycle returns the names along a cycle, first name repeated at the
// end, or nil.
func findCycle(nodes []*node) []string {
	const (
		unseen = iota
		onPath
		finished
	)
	state := make([]int, len(nodes))
	var path []*node
	var visit func(n *node) []string
	visit = func(n *node) []string {
		state[n.idx] = onPath
		path = append(path, n)
		for _, d := range n.down {
			switch state[d.idx] {
			case onPath:
				var names []string
				for i := len(path) - 1; i >= 0; i-- {
					if path[i] == d {
						for _, p := range path[i:] {
							names = append(names, p.task.Name)
						}
						break
					}
				}
				return append(names, d.task.Name)
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n.idx] = finished
		return nil
	}
	for _, n := range nodes {
		if state[n.idx] == unseen {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}
