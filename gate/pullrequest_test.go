package gate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/registry"
)

// fakeApprover answers Approvals with ApprovalsFunc.
type fakeApprover struct {
	ApprovalsFunc func(ctx context.Context, number int, author, head string) (forge.Approval, error)
}

func (f *fakeApprover) Approvals(ctx context.Context, number int, author, head string) (forge.Approval, error) {
	return f.ApprovalsFunc(ctx, number, author, head)
}

var _ Approver = (*fakeApprover)(nil)

// A pull request that loosens the gate passes only with the approvals of
// its head that the gate in force asks for, which only GitHub can say.
func TestPRCheck_JudgeLoosening(t *testing.T) {
	t.Parallel()
	const head = "0123456789abcdef0123456789abcdef01234567"
	loosening := func() *PRCheck {
		base := fstest.MapFS{"mlcd.yaml": {Data: []byte(pipelineHead + "deploy: {require: approved-pr, approvals: 2}\n")}}
		change := fstest.MapFS{"mlcd.yaml": {Data: []byte(pipelineHead + "deploy: {require: none}\n")}}
		l := CheckPolicy(PRChange{Base: base, Head: change})
		if l == nil {
			t.Fatal("no loosening")
		}
		return &PRCheck{Loosening: l, Problems: []*diag.Error{{File: "models/a/v1.yaml", Line: 1, Msg: "other"}}}
	}
	approvedBy := func(who ...string) *fakeApprover {
		return &fakeApprover{ApprovalsFunc: func(_ context.Context, number int, author, h string) (forge.Approval, error) {
			if number != 7 || author != "" || h != head {
				return forge.Approval{}, errors.New("asked about the wrong pull request")
			}
			return forge.Approval{Head: head, Approvers: who}, nil
		}}
	}
	ev := forge.PullRequestEvent{Number: 7, HeadSHA: head}
	for _, tt := range []struct {
		name    string
		gh      Approver
		ev      forge.PullRequestEvent
		problem string // the loosening's problem ends so; "" : it passes
	}{
		{"without GitHub", nil, ev, "counts them), or the new policy would judge the change that makes it"},
		{"without a pull request number", approvedBy("bob", "carol"), forge.PullRequestEvent{}, "would judge the change that makes it"},
		{"one of two approvals", approvedBy("bob"), ev, "; pull request #7 has 1 approving review(s) of its head 0123456"},
		{"two approvals", approvedBy("bob", "carol"), ev, ""},
	} {
		c := loosening()
		if err := c.JudgeLoosening(context.Background(), tt.gh, tt.ev); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, p := range c.Problems {
			got = append(got, p.Error())
		}
		switch {
		case tt.problem == "" && (len(got) != 1 || !strings.Contains(c.GateNote, "allowed, pull request #7 is approved on its head 0123456 by bob, carol")):
			t.Errorf("%s: problems %q, note %q; want it allowed with a note", tt.name, got, c.GateNote)
		case tt.problem != "" && (len(got) != 2 || !strings.HasPrefix(got[0], "mlcd.yaml:") || !strings.HasSuffix(got[0], tt.problem) || c.GateNote != ""):
			t.Errorf("%s: problems %q, want the loosening first (by file), ending %q", tt.name, got, tt.problem)
		}
	}
	failing := &fakeApprover{ApprovalsFunc: func(context.Context, int, string, string) (forge.Approval, error) {
		return forge.Approval{}, forge.ErrServer
	}}
	if err := loosening().JudgeLoosening(context.Background(), failing, ev); !errors.Is(err, forge.ErrServer) {
		t.Errorf("GitHub failing: %v, want its error", err)
	}
	if err := (&PRCheck{}).JudgeLoosening(context.Background(), nil, ev); err != nil {
		t.Errorf("no loosening: %v", err)
	}
}

func TestPRCheck_Summary(t *testing.T) {
	t.Parallel()
	c := &PRCheck{Base: strings.Repeat("a", 40), Head: strings.Repeat("b", 40), Changes: []registry.Change{
		{Model: "churn", Version: 3, FromStage: registry.StageNone, ToStage: registry.StageProduction},
	}}
	want := "ok: registry change aaaaaaaaaaaa..bbbbbbbbbbbb: 1 stage change\n  churn v3: None -> Production\n"
	if got := c.Summary(); got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}
