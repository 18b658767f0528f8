package pipeline

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// taskPlace remembers where a task's parts are in the file, for the checks
// that look at all tasks together.
type taskPlace struct {
	task  *Task
	at    ast.Node   // the task's name: its key (map form) or its name: value (list form)
	needs []ast.Node // one per Task.Needs entry
	model ast.Node   // the model's name
	// executor is the task's executor: entry, nil when it has none; its
	// value is read once the pipeline's is known (resolveExecutors).
	executor *field
}

// tasks reads the tasks: a mapping of name to task, or a list of tasks that
// each carry name:.
func (p *parser) tasks(f field, d Defaults) []*Task {
	var places []*taskPlace
	empty := false
	switch v := p.resolve(f.value).(type) {
	case *ast.MappingNode:
		fields, _ := p.mapping(v, "tasks", "in tasks", nil)
		for _, tf := range fields {
			label := fmt.Sprintf("task %q", tf.key)
			body, isMap := p.mapping(tf.value, label, "in "+label, nil)
			places = append(places, p.task(tf.key, tf.node, body, isMap, taskKeys, d))
		}
		empty = len(v.Values) == 0
	case *ast.SequenceNode:
		places = p.taskList(v, d)
		empty = len(v.Values) == 0
	case *ast.NullNode:
		empty = true
	case nil:
		return nil
	default:
		p.errorf(v, "tasks: must be a mapping of task names to tasks (or a list of tasks with name:), got %s", kind(v))
		return nil
	}
	if empty {
		p.errorf(f.node, "tasks: at least one task is required")
	}
	p.places = places
	tasks := make([]*Task, len(places))
	for i, tp := range places {
		tasks[i] = tp.task
	}
	return tasks
}

// taskList reads the list form; every item needs a unique name.
func (p *parser) taskList(seq *ast.SequenceNode, d Defaults) []*taskPlace {
	var places []*taskPlace
	seen := map[string]int{}
	known := append([]string{"name"}, taskKeys...)
	for i, item := range seq.Values {
		label := fmt.Sprintf("tasks[%d]", i)
		fields, ok := p.mapping(item, label, "in "+label, nil)
		if !ok {
			continue
		}
		nf, ok := lookup(fields, "name")
		if !ok {
			p.errorf(item, "%s: missing required key \"name\"", label)
			continue
		}
		name, ok := p.str(nf, label+".name")
		if !ok {
			continue
		}
		if line, dup := seen[name]; dup {
			p.errorf(nf.value, "duplicate task %q (first at line %d)", name, line)
			continue
		}
		seen[name], _ = position(nf.value)
		places = append(places, p.task(name, nf.value, fields, true, known, d))
	}
	return places
}

// task reads one task from the entries of its mapping (isMap false: it was
// not a mapping, already reported). at is where its name is.
func (p *parser) task(name string, at ast.Node, fields []field, isMap bool, known []string, d Defaults) *taskPlace {
	line, _ := position(at)
	t := &Task{Name: name, Cache: true, TriggerRule: AllSuccess, Line: line}
	tp := &taskPlace{task: t, at: at}
	if err := checkTaskName(name); err != nil {
		p.errorf(at, "task: %v", err)
	}
	label := fmt.Sprintf("task %q", name)
	p.checkKeys(fields, "in "+label, known)
	d = p.knobs(fields, label+": ", d)
	t.Retries, t.RetryDelay, t.Backoff, t.MaxDelay, t.Timeout = d.Retries, d.RetryDelay, d.RetryBackoff, d.MaxRetryDelay, d.Timeout
	t.RunsOn = d.RunsOn
	prefix := label + ": "
	for _, f := range fields {
		switch f.key {
		case "run":
			t.Run, t.Shell = p.run(f, prefix+"run")
		case "needs":
			p.needs(tp, f, prefix+"needs")
		case "env":
			t.Env = p.env(f, prefix+"env")
		case "secrets":
			t.Secrets, _ = p.strList(f, prefix+"secrets", checkSecretName)
		case "inputs":
			t.Inputs, _ = p.strList(f, prefix+"inputs", ValidGlob)
		case "cache":
			if b, ok := p.boolean(f, prefix+"cache"); ok {
				t.Cache = b
			}
		case "trigger_rule":
			if s, ok := p.checked(f, prefix+"trigger_rule", checkTriggerRule); ok {
				t.TriggerRule = TriggerRule(s)
			}
		case "model":
			t.Model, tp.model = p.model(f, prefix+"model")
		case "executor":
			tp.executor = &f
		case "cpus", "memory", "gpus":
			p.resource(f, prefix+f.key, &t.Resources)
		}
	}
	if _, ok := lookup(fields, "run"); !ok && isMap {
		p.errorf(at, "%s: missing required key \"run\" (the command to run)", label)
	}
	return tp
}

// run reads a command: one string run by sh -c, or a list of arguments.
func (p *parser) run(f field, label string) ([]string, bool) {
	switch v := p.resolve(f.value).(type) {
	case *ast.StringNode, *ast.LiteralNode:
		s, _ := p.str(f, label)
		if strings.TrimSpace(s) == "" {
			p.errorf(valueNode(f), "%s: must not be empty", label)
			return nil, false
		}
		return []string{"sh", "-c", s}, true
	case *ast.SequenceNode:
		if len(v.Values) == 0 {
			p.errorf(v, "%s: must not be empty", label)
			return nil, false
		}
		argv := make([]string, 0, len(v.Values))
		for i, item := range v.Values {
			s, ok := p.text(item, fmt.Sprintf("%s[%d]", label, i))
			if !ok {
				return nil, false
			}
			if i == 0 && strings.TrimSpace(s) == "" {
				p.errorf(item, "%s[0]: the program must not be empty", label)
				return nil, false
			}
			argv = append(argv, s)
		}
		return argv, false
	case nil:
		return nil, false
	default:
		p.errorf(valueNode(f), "%s: must be a command string or a list of arguments, got %s", label, kind(v))
		return nil, false
	}
}

// needs reads the upstream names; whether they exist is checked once every
// task is known.
func (p *parser) needs(tp *taskPlace, f field, label string) {
	r := p.resolve(f.value)
	if _, null := r.(*ast.NullNode); null {
		return
	}
	seq, ok := r.(*ast.SequenceNode)
	if !ok {
		if r != nil {
			p.errorf(valueNode(f), "%s: must be a list of task names, got %s", label, kind(r))
		}
		return
	}
	for i, item := range seq.Values {
		s, ok := p.resolve(item).(*ast.StringNode)
		if !ok {
			if r := p.resolve(item); r != nil {
				p.errorf(item, "%s[%d]: must be a task name, got %s", label, i, kind(r))
			}
			continue
		}
		if contains(tp.task.Needs, s.Value) {
			p.errorf(item, "%s: %q is listed twice", label, s.Value)
			continue
		}
		tp.task.Needs = append(tp.task.Needs, s.Value)
		tp.needs = append(tp.needs, item)
	}
}

// env reads the task's variables; values are strings, and numbers or
// booleans mean their text.
func (p *parser) env(f field, label string) map[string]string {
	fields, ok := p.mapping(f.value, label, "in the env of "+strings.TrimSuffix(label, ": env"), nil)
	if !ok || len(fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(fields))
	for _, ef := range fields {
		if err := checkEnvName(ef.key); err != nil {
			p.errorf(ef.node, "%s: %v", label, err)
			continue
		}
		if s, ok := p.text(ef.value, label+"."+ef.key); ok {
			out[ef.key] = s
		}
	}
	return out
}

// model reads the model a task produces.
func (p *parser) model(f field, label string) (*ModelSpec, ast.Node) {
	fields, ok := p.mapping(f.value, label, "in the model of "+strings.TrimSuffix(label, ": model"), modelKeys)
	if !ok {
		return nil, nil
	}
	m := &ModelSpec{}
	var at ast.Node
	serveSet := false
	for _, mf := range fields {
		l := label + "." + mf.key
		switch mf.key {
		case "name":
			m.Name, _ = p.checked(mf, l, checkName)
			at = mf.value
		case "file":
			m.File, _ = p.checked(mf, l, checkOutputPath)
		case "flavor":
			m.Flavor, _ = p.checked(mf, l, checkFlavor)
		case "serve":
			m.Serve, serveSet = p.str(mf, l)
		case "input_example":
			m.InputExample, _ = p.checked(mf, l, checkOutputPath)
		}
	}
	// No flavor means an MLflow model folder (its MLmodel file decides).
	for _, key := range []string{"name", "file"} {
		if _, ok := lookup(fields, key); !ok {
			p.errorf(f.node, "%s: missing required key %q", label, key)
		}
	}
	p.checkServe(fields, m, serveSet, label)
	return m, at
}

// checkServe: the command flavor needs serve: with {model} and {port}; the
// other flavors are served by mlcd itself.
func (p *parser) checkServe(fields []field, m *ModelSpec, serveSet bool, label string) {
	sf, hasServe := lookup(fields, "serve")
	switch {
	case m.Flavor == FlavorCommand && !hasServe:
		ff, _ := lookup(fields, "flavor")
		p.errorf(ff.node, "%s: flavor command needs serve: (a command with {model} and {port})", label)
	case m.Flavor == FlavorCommand && serveSet:
		if err := checkServe(m.Serve); err != nil {
			p.errorf(sf.value, "%s.serve: %v", label, err)
		}
	case m.Flavor == FlavorSklearn && serveSet:
		if m.Serve != SklearnPredict && m.Serve != SklearnPredictProba {
			p.errorf(sf.value, "%s.serve: flavor sklearn calls %s (the default) or %s, not %q",
				label, SklearnPredict, SklearnPredictProba, m.Serve)
		}
	case hasServe && m.Flavor != FlavorCommand && m.Flavor != FlavorSklearn:
		what := m.Flavor + " models"
		if m.Flavor == "" || m.Flavor == FlavorMLflow {
			what = "MLflow model folders"
		}
		p.errorf(sf.node, "%s.serve: only used with flavor command, or sklearn to name the method (mlcd serves %s itself)", label, what)
	}
}
