package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dagOf builds a pipeline from "name:need,need" specs, in file order.
func dagOf(t *testing.T, specs ...string) *Pipeline {
	t.Helper()
	var b strings.Builder
	b.WriteString("pipeline: p\ntasks:\n")
	for _, s := range specs {
		name, needs, _ := strings.Cut(s, ":")
		fmt.Fprintf(&b, "  %s: {run: x, needs: [%s]}\n", name, needs)
	}
	p, err := Parse("mlcd.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func names(tasks []*Task) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.Name
	}
	return out
}

func TestPipeline_Order(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		want  []string
	}{
		{"file order when independent", []string{"c:", "a:", "b:"}, []string{"c", "a", "b"}},
		{"needs first", []string{"train:features", "features:load", "load:"}, []string{"load", "features", "train"}},
		{"ties in file order", []string{"report:rf,xgb", "xgb:feat", "rf:feat", "feat:"}, []string{"feat", "xgb", "rf", "report"}},
		{"ready early task first", []string{"z:", "y:z", "a:"}, []string{"z", "y", "a"}},
		{"diamond", []string{"d:b,c", "b:a", "c:a", "a:"}, []string{"a", "b", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := names(dagOf(t, tt.specs...).Order())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPipeline_OrderLeavesOutCycles(t *testing.T) {
	p := &Pipeline{Tasks: []*Task{{Name: "a", Needs: []string{"b"}}, {Name: "b", Needs: []string{"a"}}, {Name: "c", Needs: []string{"gone"}}}}
	if diff := cmp.Diff([]string{"c"}, names(p.Order())); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}
}

func TestPipeline_Upstream(t *testing.T) {
	p := dagOf(t, "report:rf,xgb", "xgb:feat", "rf:feat", "feat:load", "load:", "other:")
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"report"}, []string{"load", "feat", "xgb", "rf"}},
		{[]string{"xgb"}, []string{"load", "feat"}},
		{[]string{"xgb", "feat"}, []string{"load"}},
		{[]string{"load"}, nil},
		{[]string{"nope"}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, p.Upstream(tt.names...)); diff != "" {
			t.Errorf("Upstream(%v) (-want +got):\n%s", tt.names, diff)
		}
	}
}

func TestPipeline_Downstream(t *testing.T) {
	p := dagOf(t, "report:rf,xgb", "xgb:feat", "rf:feat", "feat:load", "load:", "other:")
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"load"}, []string{"feat", "xgb", "rf", "report"}},
		{[]string{"xgb"}, []string{"report"}},
		{[]string{"xgb", "report"}, nil},
		{[]string{"other"}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, p.Downstream(tt.names...)); diff != "" {
			t.Errorf("Downstream(%v) (-want +got):\n%s", tt.names, diff)
		}
	}
}

func TestPipeline_Subset(t *testing.T) {
	p := dagOf(t, "report:rf,xgb", "xgb:feat", "rf:feat", "feat:load", "load:", "other:")
	sub, err := p.Subset([]string{"xgb", "other"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"xgb", "feat", "load", "other"}, names(sub.Tasks)); diff != "" {
		t.Errorf("Subset tasks (-want +got):\n%s", diff)
	}
	sub.Tasks[0].Needs[0] = "changed"
	if p.Task("xgb").Needs[0] != "feat" {
		t.Error("Subset shares its tasks with the original")
	}
	if len(p.Tasks) != 6 {
		t.Error("Subset changed the original")
	}
	_, err = p.Subset([]string{"xbg"})
	if !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("unknown task: got %v, want ErrUnknownTask", err)
	}
	want := `unknown task "xbg" (did you mean "xgb"?) (tasks: report, xgb, rf, feat, load, other)`
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if _, err := p.Subset(nil); err == nil {
		t.Error("Subset(nil) gave no error")
	}
}

func TestFindCycles(t *testing.T) {
	tests := []struct {
		name  string
		tasks []*Task
		want  [][]string
	}{
		{"none", []*Task{{Name: "a"}, {Name: "b", Needs: []string{"a"}}}, nil},
		{"two", []*Task{{Name: "a", Needs: []string{"b"}}, {Name: "b", Needs: []string{"a"}}}, [][]string{{"a", "b", "a"}}},
		{"self is not a cycle here", []*Task{{Name: "a", Needs: []string{"a"}}}, nil},
		{"shortest from first task", []*Task{
			{Name: "a", Needs: []string{"b", "d"}}, {Name: "b", Needs: []string{"c"}}, {Name: "c", Needs: []string{"a"}}, {Name: "d", Needs: []string{"a"}},
		}, [][]string{{"a", "d", "a"}}},
		{"two components", []*Task{
			{Name: "x", Needs: []string{"y"}}, {Name: "y", Needs: []string{"x"}}, {Name: "a", Needs: []string{"b"}}, {Name: "b", Needs: []string{"a", "x"}},
		}, [][]string{{"x", "y", "x"}, {"a", "b", "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, findCycles(tt.tasks)); diff != "" {
				t.Errorf("findCycles (-want +got):\n%s", diff)
			}
		})
	}
}

// A long chain must not exhaust the stack, and stays ordered.
func TestPipeline_OrderLongChain(t *testing.T) {
	const n = 20000
	p := &Pipeline{Tasks: make([]*Task, n)}
	for i := range n {
		p.Tasks[i] = &Task{Name: fmt.Sprintf("t%d", i)}
		if i > 0 {
			p.Tasks[i].Needs = []string{fmt.Sprintf("t%d", i-1)}
		}
	}
	if got := len(p.Order()); got != n {
		t.Fatalf("order has %d tasks, want %d", got, n)
	}
	if cycles := findCycles(p.Tasks); len(cycles) != 0 {
		t.Fatalf("cycles in a chain: %v", cycles)
	}
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("pipeline: bench\ntasks:\n")
	for i := range 1000 {
		fmt.Fprintf(&sb, "  t%d: {run: python3 t.py, needs: [", i)
		if i > 0 {
			fmt.Fprintf(&sb, "t%d", i-1)
		}
		if i > 10 {
			fmt.Fprintf(&sb, ", t%d", i-10)
		}
		sb.WriteString("], inputs: [\"src/**\"]}\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("mlcd.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPipeline_Order(b *testing.B) {
	p := &Pipeline{Tasks: make([]*Task, 1000)}
	for i := range p.Tasks {
		p.Tasks[i] = &Task{Name: fmt.Sprintf("t%d", i)}
		if i > 0 {
			p.Tasks[i].Needs = []string{fmt.Sprintf("t%d", i/2)}
		}
	}
	for b.Loop() {
		if len(p.Order()) != len(p.Tasks) {
			b.Fatal("short order")
		}
	}
}
