package promotion

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

func TestCheckComment(t *testing.T) {
	t.Parallel()
	load := func(vs ...*registry.Version) *registry.Registry {
		t.Helper()
		fsys := fstest.MapFS{}
		for _, v := range vs {
			fsys[v.Path()] = &fstest.MapFile{Data: registry.Marshal(v)}
		}
		reg, err := registry.Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return reg
	}
	prod, cand := version(1, registry.StageProduction, 0.80), version(2, registry.StageNone, 0.85)
	promoted := *cand
	promoted.Stage = registry.StageProduction
	c := &gate.PRCheck{
		Base: strings.Repeat("a", 40), Head: strings.Repeat("b", 40),
		BaseReg: load(prod, cand), HeadReg: load(prod, &promoted),
		Changes: []registry.Change{{Model: "churn", Version: 2, FromStage: registry.StageNone, ToStage: registry.StageProduction}},
		Policy:  &pipeline.Promote{Metric: "f1", Goal: "max"},
	}
	got := CheckComment(c, "https://octo.github.io/repo/")
	body := Body(cand, prod, registry.StageProduction, c.Policy, "https://octo.github.io/repo/")
	if !strings.HasPrefix(got, "### mlcd check: ok\n\n```\n"+c.Summary()+"```\n") || !strings.HasSuffix(got, "\n---\n\n"+body) {
		t.Errorf("comment of a promotion:\n%s\nwant the summary, then the comparison with Production:\n%s", got, body)
	}

	c.Problems = []*diag.Error{{File: "runs/x.json", Msg: "edits `runs/`"}}
	want := "### mlcd check: the change is refused\n\n- `runs/x.json: edits 'runs/'`\n"
	if got := CheckComment(c, ""); got != want {
		t.Errorf("comment of a refusal = %q, want %q", got, want)
	}
}
