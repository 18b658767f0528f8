package gate

import (
	"fmt"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Policy is what in mlcd.yaml decides what may deploy, and what serves
// it.
type Policy struct {
	Require string // the deploy.require that applies (never "": see Mode)
	// Approvals is how many approving reviews approved-pr needs (at least
	// 1); 0 under the other modes, which count no reviews.
	Approvals int
	// Python (deploy.python) and Image (deploy.kubernetes.image) name the
	// programs that serve the versions the gate allows: the interpreter
	// of the sklearn workers and the image of the pods. A change to either
	// changes what runs in Production, so it takes effect only as a
	// loosening of the gate does; until then the ones in force serve.
	Python string `json:",omitempty"`
	Image  string `json:",omitempty"`
}

// PolicyOf reads the policy from a parsed pipeline's deploy settings (nil
// pipeline = strictest defaults). An unset deploy.require resolves as
// Mode does; a nil pipeline (mlcd.yaml missing or invalid) gives the
// defaults, which are the strictest gate the remote can check: approved-pr
// with one approval with a GitHub API, else merge-commit.
func PolicyOf(p *pipeline.Pipeline, hasForge bool) Policy {
	require, approvals := "", 1
	if p != nil {
		require, approvals = p.Deploy.Require, p.Deploy.Approvals
	}
	pol := Policy{Require: Mode(require, hasForge)}
	if p != nil {
		pol.Python = p.Deploy.Python
		if k := p.Deploy.Kubernetes; k != nil {
			pol.Image = k.Image
		}
	}
	if pol.Require == RequireApprovedPR {
		pol.Approvals = max(approvals, 1)
	}
	return pol
}

// strictness orders the modes: none < merge-commit < merged-pr <
// approved-pr. An unknown mode is below none: nothing is weaker than a
// gate mlcd cannot check.
func strictness(require string) int {
	switch require {
	case RequireNone:
		return 0
	case RequireMergeCommit:
		return 1
	case RequireMergedPR:
		return 2
	case RequireApprovedPR:
		return 3
	}
	return -1
}

// Loosens reports whether moving from old to new weakens the gate or
// changes what serves, and says how, for people. Under approved-pr on both
// sides, fewer approvals is looser; approvals below 1 count as 1, as the
// gate counts them.
func Loosens(old, new Policy) (bool, string) {
	if l, how := loosensGate(old, new); l {
		return true, how
	}
	if old.Python != new.Python {
		return true, fmt.Sprintf("deploy.python goes from %s to %s: another program would serve the sklearn models in Production",
			orDefault(old.Python, "python3"), orDefault(new.Python, "python3"))
	}
	if old.Image != new.Image {
		return true, fmt.Sprintf("deploy.kubernetes.image goes from %s to %s: another image would serve the models in Production",
			orDefault(old.Image, "none"), orDefault(new.Image, "none"))
	}
	return false, ""
}

func loosensGate(old, new Policy) (bool, string) {
	if so, sn := strictness(old.Require), strictness(new.Require); sn < so {
		return true, fmt.Sprintf("deploy.require goes from %s to %s, a weaker gate (none < merge-commit < merged-pr < approved-pr)",
			old.Require, new.Require)
	} else if sn > so || new.Require != RequireApprovedPR || old.Require != RequireApprovedPR {
		return false, ""
	}
	if o, n := max(old.Approvals, 1), max(new.Approvals, 1); n < o {
		return true, fmt.Sprintf("deploy.approvals goes from %d to %d under approved-pr: fewer approving reviews would let a change deploy", o, n)
	}
	return false, ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return fmt.Sprintf("%q", s)
}
