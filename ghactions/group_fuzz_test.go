package ghactions

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseGroup(t *testing.T) {
	tests := []struct {
		in   string
		want Group
		err  string
	}{
		{in: "gpu=train_rf,train_xgb", want: Group{Name: "gpu", Tasks: []string{"train_rf", "train_xgb"}}},
		{in: " small jobs = a , b ", want: Group{Name: "small jobs", Tasks: []string{"a", "b"}}},
		{in: "solo=a", want: Group{Name: "solo", Tasks: []string{"a"}}},
		{in: "gpu", err: `bad group "gpu": write it as NAME=TASK,TASK`},
		{in: "=a,b", err: `bad group "=a,b": write it as NAME=TASK,TASK`},
		{in: "g=", err: "an empty task name"},
		{in: "g=a,,b", err: "an empty task name"},
		{in: "g=a,b,a", err: `task "a" is listed twice`},
	}
	for _, tt := range tests {
		got, err := ParseGroup(tt.in)
		if tt.err != "" {
			if !errors.Is(err, ErrBadGroup) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseGroup(%q) = %v, want an error with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.Name != tt.want.Name || !slices.Equal(got.Tasks, tt.want.Tasks) {
			t.Errorf("ParseGroup(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

// A group that parses has a name and distinct, trimmed, non-empty tasks,
// and reads back the same from its String.
func FuzzParseGroup(f *testing.F) {
	for _, s := range []string{"gpu=train_rf,train_xgb", " a = b , c ", "g=", "=a", "x=a,a", "a=b=c", "é=ü,\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGroup(s)
		if err != nil {
			if !errors.Is(err, ErrBadGroup) {
				t.Fatalf("ParseGroup(%q): %v does not wrap ErrBadGroup", s, err)
			}
			return
		}
		if g.Name == "" || g.Name != strings.TrimSpace(g.Name) || len(g.Tasks) == 0 {
			t.Fatalf("ParseGroup(%q) = %+v", s, g)
		}
		seen := map[string]bool{}
		for _, task := range g.Tasks {
			if task == "" || task != strings.TrimSpace(task) || seen[task] || strings.Contains(task, ",") {
				t.Fatalf("ParseGroup(%q): bad task %q in %+v", s, task, g)
			}
			seen[task] = true
		}
		back, err := ParseGroup(g.String())
		if err != nil || back.Name != g.Name || !slices.Equal(back.Tasks, g.Tasks) {
			t.Fatalf("ParseGroup(%q) = %+v; its String %q reads back as %+v, %v", s, g, g.String(), back, err)
		}
		if id := JobID(g.Name); !jobIDRE.MatchString(id) {
			t.Fatalf("JobID(%q) = %q, not a job id", g.Name, id)
		}
	})
}
