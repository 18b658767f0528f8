package ghactions

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Group is tasks that run one after the other in one job, on one runner:
// small tasks that are not worth a runner each, or tasks that must share a
// machine's software.
type Group struct {
	Name  string
	Tasks []string
}

// ErrBadGroup is wrapped by the errors of ParseGroup.
var ErrBadGroup = errors.New("bad group")

// jobIDRE is GitHub's rule for a job id.
var jobIDRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// maxGroupSpec bounds a --group value: far more than any DAG's task list.
const maxGroupSpec = 64 << 10

// ParseGroup reads a group as the command line writes it:
// NAME=TASK[,TASK...]. Spaces around the names are dropped; a task listed
// twice, an empty name or an empty list is an error.
func ParseGroup(s string) (Group, error) {
	if len(s) > maxGroupSpec {
		return Group{}, fmt.Errorf("%w: longer than %d bytes", ErrBadGroup, maxGroupSpec)
	}
	name, list, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Group{}, fmt.Errorf("%w %q: write it as NAME=TASK,TASK", ErrBadGroup, s)
	}
	g := Group{Name: name}
	seen := map[string]bool{}
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
			return Group{}, fmt.Errorf("%w %q: an empty task name (write NAME=TASK,TASK...)", ErrBadGroup, s)
		case seen[t]:
			return Group{}, fmt.Errorf("%w %q: task %q is listed twice", ErrBadGroup, s, t)
		}
		seen[t] = true
		g.Tasks = append(g.Tasks, t)
	}
	return g, nil
}

// JobID turns a group's name into a job id: every character GitHub does
// not allow becomes '_', and a name that does not start with a letter or
// '_' gets a '_' in front.
func JobID(name string) string {
	var b strings.Builder
	for i, r := range name {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			i > 0 && (r == '-' || r >= '0' && r <= '9')
		if i == 0 && !ok && (r == '-' || r >= '0' && r <= '9') {
			b.WriteByte('_')
			ok = true
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
