package gate

import (
	"fmt"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Policy is what in mlcd.yaml decides what may deploy.
type Policy struct {
	Require   string `json:"require"`
	Approvals int    `json:"approvals,omitempty"`
}

// PolicyOf reads the policy from a parsed pipeline's deploy settings; a nil
// pipeline has the defaults, which are the strictest the remote allows.
func PolicyOf(p *pipeline.Pipeline, hasForge bool) Policy {
	if p == nil {
		return Policy{Require: Mode("", hasForge), Approvals: 1}
	}
	return Policy{Require: Mode(p.Deploy.Require, hasForge), Approvals: max(p.Deploy.Approvals, 1)}
}

// strictness orders the modes: a higher number asks more of a change.
var strictness = map[string]int{RequireNone: 0, RequireMergeCommit: 1, RequireMergedPR: 2, RequireApprovedPR: 3}

// Loosens reports whether moving from old to new weakens the gate, and says
// how, for people.
func Loosens(old, new Policy) (bool, string) {
	so, sn := strictness[old.Require], strictness[new.Require]
	switch {
	case sn < so:
		return true, fmt.Sprintf("deploy.require goes from %s to %s", old.Require, new.Require)
	case sn == so && new.Require == RequireApprovedPR && max(new.Approvals, 1) < max(old.Approvals, 1):
		return true, fmt.Sprintf("deploy.approvals goes from %d to %d", max(old.Approvals, 1), max(new.Approvals, 1))
	}
	return false, ""
}

func (p Policy) String() string {
	if p.Require == RequireApprovedPR && p.Approvals > 1 {
		return fmt.Sprintf("%s (%d approvals)", p.Require, p.Approvals)
	}
	return p.Require
}
