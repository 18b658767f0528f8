package archtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
)

// Graph maps each package's import path to the packages it imports.
type Graph map[string][]string

// Load lists the module in dir with every package it depends on
// (`go list -deps`), without tests.
func Load(ctx context.Context, dir string) (Graph, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-json=ImportPath,Imports", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		g[p.ImportPath] = p.Imports
	}
	return g, nil
}

// Match says whether path matches pattern: the path itself, or with a
// "/..." suffix the path and every package under it.
func Match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

func (r Rule) applies(path string) bool {
	in := false
	for _, p := range r.From {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if Match(neg, path) {
				return false
			}
		} else if Match(p, path) {
			in = true
		}
	}
	return in
}

func (r Rule) forbids(path string) bool { return matchAny(r.To, path) }

// owns says whether path may reach what the rule forbids.
func (r Rule) owns(path string) bool { return matchAny(r.Through, path) }

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if Match(p, path) {
			return true
		}
	}
	return false
}

// Check returns one line per package of g that breaks a rule, naming the
// forbidden package and the chain of imports that reaches it
// (a -> b -> c), sorted; none when g keeps every rule.
func Check(g Graph, rules []Rule) []string {
	var broken []string
	for from := range g {
		for _, r := range rules {
			if !r.applies(from) {
				continue
			}
			if chain := r.path(g, from); chain != nil {
				broken = append(broken, fmt.Sprintf("%s must not depend on %s (%s): %s",
					from, chain[len(chain)-1], r.Why, strings.Join(chain, " -> ")))
			}
		}
	}
	sort.Strings(broken)
	return broken
}

// path is the shortest chain of imports from one package to a package the
// rule forbids, not passing through a package the rule lets reach it; nil
// when there is none.
func (r Rule) path(g Graph, from string) []string {
	if r.Direct {
		imports := append([]string(nil), g[from]...)
		sort.Strings(imports)
		for _, q := range imports {
			if r.forbids(q) {
				return []string{from, q}
			}
		}
		return nil
	}
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p != from && r.forbids(p) {
			var chain []string
			for q := p; q != ""; q = prev[q] {
				chain = append(chain, q)
			}
			for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
				chain[i], chain[j] = chain[j], chain[i]
			}
			return chain
		}
		if p != from && r.owns(p) {
			continue
		}
		imports := append([]string(nil), g[p]...)
		sort.Strings(imports)
		for _, q := range imports {
			if _, seen := prev[q]; !seen {
				prev[q] = p
				queue = append(queue, q)
			}
		}
	}
	return nil
}
