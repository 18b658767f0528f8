package promotion

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/registry"
)

func TestOpenAlias_MovesTheAlias(t *testing.T) {
	v1 := version(1, registry.StageProduction, 0.80)
	v1.Aliases = []string{"champion", "baseline"}
	w := newWorld(t, v1, version(2, registry.StageNone, 0.85))
	ctx := testContext(t)
	res, err := OpenAlias(ctx, w.repo(t), w.client(t), AliasRequest{Model: "churn", Version: 2, Alias: "champion"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "mlcd/alias-churn-champion" || res.PR == nil || res.Title != "Set alias champion of churn to v2" || !strings.Contains(res.Body, "(from v1)") {
		t.Errorf("result: %+v", res)
	}
	if got := gittest.Git(t, w.bare, "diff", "--name-only", "main..."+res.Branch); got != "models/churn/v1.yaml\nmodels/churn/v2.yaml" {
		t.Errorf("files changed: %q", got)
	}
	for path, want := range map[string]string{"models/churn/v1.yaml": "aliases: [baseline]", "models/churn/v2.yaml": "aliases: [champion]"} {
		if got := gittest.Git(t, w.bare, "show", res.Branch+":"+path); !strings.Contains(got, want) || !strings.Contains(got, "stage:") {
			t.Errorf("%s on the branch:\n%s", path, got)
		}
	}
	if got := gittest.Git(t, w.bare, "show", "main:models/churn/v2.yaml"); strings.Contains(got, "champion") {
		t.Errorf("main changed:\n%s", got)
	}
	// The alias already there, or an unknown version, is refused.
	if _, err := OpenAlias(ctx, w.repo(t), nil, AliasRequest{Model: "churn", Version: 1, Alias: "baseline"}); !errors.Is(err, ErrAliasSet) {
		t.Errorf("alias already set: %v", err)
	}
	if _, err := OpenAlias(ctx, w.repo(t), nil, AliasRequest{Model: "churn", Version: 7, Alias: "x"}); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown version: %v", err)
	}
}
