package pipeline

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/goccy/go-yaml/ast"
)

// DefaultRunsOn is the runner a task's job asks for when neither the task
// nor defaults: set runs_on: GitHub's hosted Linux runner.
const DefaultRunsOn = "ubuntu-latest"

// maxRunnerLabel bounds one runner label; GitHub's own are far shorter.
const maxRunnerLabel = 100

// runsOn reads runs_on: the labels of the machine that runs a task when
// its tasks are jobs of a CI engine (`mlcd export github`): one label, or
// a list of labels that the runner must all carry.
func (p *parser) runsOn(f field, label string) ([]string, bool) {
	switch v := p.resolve(f.value).(type) {
	case *ast.StringNode:
		if err := checkRunnerLabel(v.Value); err != nil {
			p.errorf(f.value, "%s: %v", label, err)
			return nil, false
		}
		return []string{v.Value}, true
	case *ast.SequenceNode, *ast.NullNode:
	case nil:
		return nil, false // an unknown alias, already reported
	default:
		p.errorf(valueNode(f), "%s: must be a runner label or a list of labels, got %s", label, kind(v))
		return nil, false
	}
	labels, ok := p.strList(f, label, checkRunnerLabel)
	if ok && len(labels) == 0 {
		p.errorf(valueNode(f), "%s: name at least one runner label, e.g. %s or [self-hosted, gpu]", label, DefaultRunsOn)
		return nil, false
	}
	return labels, ok
}

// checkRunnerLabel is the rule for a runner label: plain printable text,
// which the workflow carries as it is (no ${{ }} expressions).
func checkRunnerLabel(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("empty runner label")
	case len(s) > maxRunnerLabel:
		return fmt.Errorf("runner label %.20q... is longer than %d characters", s, maxRunnerLabel)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("runner label %q has spaces around it", s)
	case strings.Contains(s, "${{"):
		return fmt.Errorf("runner label %q: expressions (${{ }}) are not supported, name the labels", s)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("runner label %q has a control character", s)
	}
	return nil
}
