package registry

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// TestLoader_Check: Check through a Loader finds what the package Check
// finds, and loading the head afterwards parses nothing again.
func TestLoader_Check(t *testing.T) {
	t.Parallel()
	base := treeOf(withStage(sampleVersion("churn-rf", 1), StageProduction), sampleVersion("churn-rf", 2))
	head := commit(base, nil)
	p := VersionPath("churn-rf", 2)
	head[p] = &fstest.MapFile{Data: []byte(replaceLine(string(base[p].Data), "stage:", "stage: Production\n"))}
	q := VersionPath("churn-rf", 1)
	head[q] = &fstest.MapFile{Data: []byte(replaceLine(string(base[q].Data), "run:", "run: other\n"))}

	want := Check(base, head, nil)
	var l Loader
	got := l.Check(base, head, nil)
	if len(want) == 0 {
		t.Fatal("the change has no problem: the test checks nothing")
	}
	if diff := cmp.Diff(errorStrings(want), errorStrings(got)); diff != "" {
		t.Errorf("problems (-Check +Loader.Check):\n%s", diff)
	}
	parsed := l.gens[0]
	r, _ := l.Load(head)
	for _, m := range r.Models() {
		for _, v := range m.Versions {
			if e, ok := parsed[v.Path()]; !ok || e.v != v {
				t.Errorf("%s parsed again after Check", v.Path())
			}
		}
	}
}

func errorStrings[E error](errs []E) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}
