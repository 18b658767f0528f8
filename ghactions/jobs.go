package ghactions

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// The jobs of mlcd itself, around the tasks' jobs.
const (
	planJob   = "plan"
	recordJob = "record"
)

// ErrJobs is wrapped by the errors that the pipeline and the groups cannot
// become jobs (a name taken twice, groups that need each other).
var ErrJobs = errors.New("cannot make jobs")

// job is one job that runs tasks: a task's own, or a group's.
type job struct {
	id     string
	group  string           // the group's name; "" for a task's own job
	tasks  []*pipeline.Task // in the order of the DAG
	needs  []string         // the jobs of the tasks' upstreams, in the order of jobs
	runsOn []string
	rank   int // where its first task is in the DAG's order: ties go to the earlier
}

// planJobs turns the tasks into jobs, the groups' tasks sharing theirs, in
// an order where every job comes after the jobs it needs.
func planJobs(p *pipeline.Pipeline, groups []Group) ([]*job, error) {
	order := p.Order()
	rank := make(map[string]int, len(order))
	for i, t := range order {
		rank[t.Name] = i
	}
	jobOf, list, errs := groupJobs(p, groups, rank)
	for _, t := range order {
		if jobOf[t.Name] == nil {
			j := &job{id: t.Name, tasks: []*pipeline.Task{t}, runsOn: t.RunsOn, rank: rank[t.Name]}
			jobOf[t.Name] = j
			list = append(list, j)
		}
	}
	errs = append(errs, checkIDs(p.File, list)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, j := range list {
		for _, t := range j.tasks {
			for _, n := range t.Needs {
				if up := jobOf[n]; up != j && !slices.Contains(j.needs, up.id) {
					j.needs = append(j.needs, up.id)
				}
			}
		}
	}
	return sortJobs(list)
}

// groupJobs makes the groups' jobs; jobOf maps each grouped task to its job.
func groupJobs(p *pipeline.Pipeline, groups []Group, rank map[string]int) (map[string]*job, []*job, []error) {
	jobOf := map[string]*job{}
	var list []*job
	var errs []error
	for _, g := range groups {
		j := &job{id: JobID(g.Name), group: g.Name, rank: len(rank)}
		for _, name := range g.Tasks {
			t := p.Task(name)
			switch {
			case t == nil:
				errs = append(errs, fmt.Errorf("%w: group %q: no task %q in %s", ErrJobs, g.Name, name, p.File))
				continue
			case jobOf[name] != nil:
				errs = append(errs, fmt.Errorf("%w: task %q is in two groups, %q and %q", ErrJobs, name, jobOf[name].group, g.Name))
				continue
			}
			jobOf[name] = j
			j.tasks = append(j.tasks, t)
			j.rank = min(j.rank, rank[name])
		}
		if len(j.tasks) == 0 {
			continue
		}
		slices.SortFunc(j.tasks, func(a, b *pipeline.Task) int { return rank[a.Name] - rank[b.Name] })
		if err := sameRunner(p.File, j); err != nil {
			errs = append(errs, err)
		}
		j.runsOn = j.tasks[0].RunsOn
		list = append(list, j)
	}
	return jobOf, list, errs
}

// sameRunner: a group's tasks run on one machine, so they must ask for the
// same one.
func sameRunner(file string, j *job) error {
	first := j.tasks[0]
	for _, t := range j.tasks[1:] {
		if !slices.Equal(t.RunsOn, first.RunsOn) {
			return fmt.Errorf("%w: group %q: task %q (%s:%d) runs on %s but task %q (%s:%d) on %s; a group's tasks share one runner",
				ErrJobs, j.group, first.Name, file, first.Line, runnerText(first.RunsOn), t.Name, file, t.Line, runnerText(t.RunsOn))
		}
	}
	return nil
}

func runnerText(labels []string) string {
	if len(labels) == 0 {
		return pipeline.DefaultRunsOn + " (the default)"
	}
	return "[" + strings.Join(labels, ", ") + "]"
}

// checkIDs reports job ids that are not valid or that are taken twice;
// GitHub compares them without case.
func checkIDs(file string, list []*job) []error {
	var errs []error
	taken := map[string]string{
		planJob:   "mlcd's plan job",
		recordJob: "mlcd's record job",
	}
	for _, j := range list {
		what := fmt.Sprintf("group %q", j.group)
		if j.group == "" {
			what = fmt.Sprintf("task %q (%s:%d)", j.id, file, j.tasks[0].Line)
		}
		if !jobIDRE.MatchString(j.id) {
			errs = append(errs, fmt.Errorf("%w: %s: %q is not a valid job id", ErrJobs, what, j.id))
			continue
		}
		key := strings.ToLower(j.id)
		if other, ok := taken[key]; ok {
			hint := "rename the group"
			if j.group == "" {
				hint = fmt.Sprintf("put the task in a group: --group NAME=%s", j.id)
			}
			errs = append(errs, fmt.Errorf("%w: %s would be job %q, which is %s (job ids ignore case); %s", ErrJobs, what, j.id, other, hint))
			continue
		}
		taken[key] = what
	}
	return errs
}

// sortJobs orders the jobs so that each comes after the jobs it needs, the
// one whose first task comes first in the DAG first; groups that need each
// other are an error.
func sortJobs(list []*job) ([]*job, error) {
	byID := make(map[string]*job, len(list))
	pending := make(map[string]int, len(list))
	for _, j := range list {
		byID[j.id] = j
		pending[j.id] = len(j.needs)
	}
	var out []*job
	for len(out) < len(list) {
		var next *job
		for _, j := range list {
			if pending[j.id] == 0 && (next == nil || j.rank < next.rank) {
				next = j
			}
		}
		if next == nil {
			return nil, cycleError(list, pending)
		}
		pending[next.id] = -1
		out = append(out, next)
		for _, j := range list {
			if slices.Contains(j.needs, next.id) {
				pending[j.id]--
			}
		}
	}
	pos := make(map[string]int, len(out))
	for i, j := range out {
		pos[j.id] = i
	}
	for _, j := range out {
		slices.SortFunc(j.needs, func(a, b string) int { return pos[a] - pos[b] })
	}
	return out, nil
}

// cycleError names the jobs left waiting for each other.
func cycleError(list []*job, pending map[string]int) error {
	var stuck []string
	for _, j := range list {
		if pending[j.id] > 0 {
			stuck = append(stuck, fmt.Sprintf("%s (needs %s)", j.id, strings.Join(j.needs, ", ")))
		}
	}
	return fmt.Errorf("%w: the groups need each other, so no job can start first: %s; move the tasks between them into one group or out of them",
		ErrJobs, strings.Join(stuck, "; "))
}
