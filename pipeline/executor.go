package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Executors: where tasks run (docs/scale-out.md).
const (
	ExecutorLocal = "local" // child processes of mlcd (the default)
	ExecutorSlurm = "slurm" // one sbatch job per task
)

// Executor is the engine a pipeline's tasks run on, and its options.
type Executor struct {
	Type string // "" or ExecutorLocal, or ExecutorSlurm
	// Slurm options: --partition, --account, and more sbatch arguments as
	// written (e.g. "--qos=low").
	Partition string
	Account   string
	Args      []string
}

// IsLocal reports whether e runs tasks on this machine.
func (e Executor) IsLocal() bool { return e.Type == "" || e.Type == ExecutorLocal }

// Resources are what a task asks of an engine; a local run ignores them.
type Resources struct {
	CPUs   int    // cores; 0: the engine's default
	Memory string // with an optional K, M, G or T suffix (default M); "": the default
	GPUs   int
}

var (
	executorKeys = []string{"type", "partition", "account", "args"}
	memoryRE     = regexp.MustCompile(`^[1-9][0-9]{0,8}[KMGT]?$`)
	// sbatchOwned are the sbatch options mlcd sets itself.
	sbatchOwned = []string{"--wrap", "--dependency", "-d", "--parsable", "--job-name", "-J", "--output", "-o", "--error", "-e", "--chdir", "-D"}
)

// executor reads "executor: slurm" or a mapping of type and options; the
// options not given are base's.
func (p *parser) executor(f field, label string, base Executor) Executor {
	if _, ok := p.resolve(f.value).(*ast.MappingNode); !ok {
		if s, ok := p.checked(f, label, checkExecutorType); ok {
			base.Type = s
		}
		return base
	}
	fields, ok := p.mapping(f.value, label, "in "+label, executorKeys)
	if !ok {
		return base
	}
	for _, ef := range fields {
		l := label + "." + ef.key
		switch ef.key {
		case "type":
			base.Type, _ = p.checked(ef, l, checkExecutorType)
		case "partition":
			base.Partition, _ = p.checked(ef, l, checkSlurmName)
		case "account":
			base.Account, _ = p.checked(ef, l, checkSlurmName)
		case "args":
			base.Args, _ = p.strList(ef, l, checkSbatchArg)
		}
	}
	return base
}

func checkExecutorType(s string) error {
	if s != ExecutorLocal && s != ExecutorSlurm {
		return fmt.Errorf("unknown executor %q: use %s or %s", s, ExecutorLocal, ExecutorSlurm)
	}
	return nil
}

func checkSlurmName(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\n'\"\\$`;") {
		return fmt.Errorf("invalid name %q", s)
	}
	return nil
}

func checkSbatchArg(s string) error {
	if !strings.HasPrefix(s, "-") {
		return fmt.Errorf("%q: give sbatch options, like --qos=low", s)
	}
	name, _, _ := strings.Cut(s, "=")
	if slices.Contains(sbatchOwned, name) {
		return fmt.Errorf("%q: mlcd sets %s itself", s, name)
	}
	return nil
}

// resource reads cpus:, memory: or gpus: into r.
func (p *parser) resource(f field, label string, r *Resources) {
	switch f.key {
	case "cpus", "gpus":
		n, ok := p.integer(f, label)
		least := 0
		if f.key == "cpus" {
			least = 1
		}
		if ok && n < least {
			p.errorf(f.value, "%s: must be %d or more, got %d", label, least, n)
			return
		}
		if f.key == "cpus" {
			r.CPUs = n
		} else {
			r.GPUs = n
		}
	case "memory":
		s, ok := p.text(f.value, label)
		if ok && !memoryRE.MatchString(s) {
			p.errorf(valueNode(f), "%s: %q is not an amount of memory: a number of megabytes, or one with K, M, G or T (8G)", label, s)
			return
		}
		r.Memory = s
	}
}

// resolveExecutors gives each task the pipeline's executor with its own
// options on top, and checks that every task runs on the same engine:
// a run is planned and submitted to one engine.
func (p *parser) resolveExecutors(pl *Pipeline) {
	var first *taskPlace
	for _, tp := range p.places {
		t := tp.task
		t.Executor = pl.Executor
		if tp.executor != nil {
			t.Executor = p.executor(*tp.executor, fmt.Sprintf("task %q: executor", t.Name), pl.Executor)
		}
		if first == nil {
			first = tp
			continue
		}
		if want := first.task.Executor; t.Executor.IsLocal() != want.IsLocal() || (!t.Executor.IsLocal() && t.Executor.Type != want.Type) {
			at := tp.at
			if tp.executor != nil {
				at = tp.executor.node
			}
			p.errorf(at, "task %q: executor %s, but task %q runs on %s: every task of a pipeline runs on the same engine",
				t.Name, typeName(t.Executor), first.task.Name, typeName(want))
		}
	}
	if first != nil {
		pl.Executor.Type = first.task.Executor.Type
	}
}

func typeName(e Executor) string {
	if e.IsLocal() {
		return ExecutorLocal
	}
	return e.Type
}
