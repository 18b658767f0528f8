package gate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// The gate judges a branch one commit at a time, oldest first, each with
// the policy in force before it: a commit cannot loosen the gate it passes
// through, and a change to the policy takes effect only when it arrives the
// way the policy before it demands. Judging from the root with an empty
// Ledger reaches the same decisions as a controller that judged each
// commit as it came: what may serve follows from history alone.

// Ledger is the gate's memory of a branch: the policy in force.
type Ledger struct {
	Policy Policy `json:"policy"`
	// Commit is the commit whose mlcd.yaml set the policy; "" for the
	// defaults of a branch without mlcd.yaml.
	Commit string `json:"commit,omitempty"`
	// Founded: an mlcd.yaml was seen on the branch. The first one sets
	// the policy as it is (there is none before it to pass).
	Founded bool `json:"founded,omitempty"`
	// Serving: Policy holds the serving programs in force. A ledger an
	// older mlcd kept lacks them (and this flag).
	Serving bool `json:"serving,omitempty"`
}

// NewLedger is the ledger of a branch with no commit judged yet.
func NewLedger(hasForge bool) Ledger {
	return Ledger{Policy: PolicyOf(nil, hasForge), Serving: true}
}

// ChangeKind is what a commit did that the gate judges.
type ChangeKind string

const (
	// ChangePromotion: a version file's stage became Production.
	ChangePromotion ChangeKind = "promotion"
	// ChangeEdit: a commit changed sealed fields of a registered version.
	ChangeEdit ChangeKind = "edit"
	// ChangePolicy: mlcd.yaml's deploy policy changed.
	ChangePolicy ChangeKind = "policy"
)

// Change is one thing a commit did that the gate decides.
type Change struct {
	Kind    ChangeKind
	Commit  gitstore.CommitInfo
	Model   string
	Version int
	After   *registry.Version // promotion and edit: the file as the commit has it
	Edited  []string          // edit: the sealed fields changed
	Policy  Policy            // policy: the policy the commit asks for
}

// Key names the change for a record of decisions: the same change of the
// same commit always has the same key.
func (ch Change) Key() string {
	if ch.Kind == ChangePolicy {
		return "policy " + ch.Commit.Hash
	}
	return fmt.Sprintf("%s v%d %s %s", ch.Model, ch.Version, ch.Commit.Hash, ch.Kind)
}

// Verdict is the gate's answer for one change.
type Verdict struct {
	Decision
	Kind ChangeKind
	// Registered is, for an allowed promotion, the version as it was
	// registered, with the promoted stage: what the deployer runs.
	Registered *registry.Version
	// RegisteredAt is the commit that registered it.
	RegisteredAt string
}

// Judge decides the changes of a branch's commits.
type Judge struct {
	History History
	// Forge is GitHub's API; leave the interface nil without one.
	Forge  Checker
	Branch string
	// OnGitHub: the remote is on GitHub, so merged-pr and approved-pr can
	// be checked once a token is configured (without Forge, judging under
	// them is an error until then). On another git host they can never be
	// checked, and merge-commit, the strictest gate git alone can check,
	// applies in their place.
	OnGitHub bool
}

// effective is the policy the gate can apply: pol, or merge-commit for a
// GitHub mode on a remote that is not on GitHub.
func (j *Judge) effective(pol Policy) (Policy, string) {
	if j.Forge == nil && !j.OnGitHub && (pol.Require == RequireMergedPR || pol.Require == RequireApprovedPR) {
		why := fmt.Sprintf("deploy.require %s needs GitHub's API and the remote is not on GitHub, so %s applies", pol.Require, RequireMergeCommit)
		pol.Require, pol.Approvals = RequireMergeCommit, 0
		return pol, why
	}
	return pol, ""
}

// Changes lists what commit c changed that the gate judges, in the order
// to decide them: edits and promotions of version files under the policy
// in force before c, then c's own policy change. The first mlcd.yaml on a
// branch comes first instead: there is no policy before it.
func (j *Judge) Changes(ctx context.Context, c gitstore.CommitInfo, l Ledger) ([]Change, error) {
	parent := ""
	if len(c.Parents) > 0 {
		parent = c.Parents[0]
	}
	paths, err := j.History.ChangedPaths(ctx, parent, c.Hash)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", short(c.Hash), err)
	}
	var out []Change
	policyChanged := !l.Founded
	for _, p := range paths {
		if p == pipeline.FileName {
			policyChanged = true
			continue
		}
		model, n, ok := parseVersionPath(p)
		if !ok {
			continue
		}
		before, err := j.versionAt(ctx, parent, p)
		if err != nil {
			return nil, err
		}
		after, err := j.versionAt(ctx, c.Hash, p)
		if err != nil || after == nil {
			continue // a version file that is gone or invalid serves nothing (mlcd check reports it)
		}
		if before != nil {
			if diff := registry.SealDiff(before, after); len(diff) > 0 {
				out = append(out, Change{Kind: ChangeEdit, Commit: c, Model: model, Version: n, After: after, Edited: diff})
			}
		}
		if after.Stage == registry.StageProduction && (before == nil || before.Stage != registry.StageProduction) {
			out = append(out, Change{Kind: ChangePromotion, Commit: c, Model: model, Version: n, After: after})
		}
	}
	if policyChanged {
		p, ok := j.policyAt(ctx, c.Hash)
		switch {
		case ok && !l.Founded:
			// The first mlcd.yaml founds the policy; its commit's own
			// changes are judged under it.
			out = append([]Change{{Kind: ChangePolicy, Commit: c, Policy: p}}, out...)
		case ok && p != l.Policy:
			out = append(out, Change{Kind: ChangePolicy, Commit: c, Policy: p})
		}
	}
	return out, nil
}

// parseVersionPath reads models/<model>/v<N>.yaml.
func parseVersionPath(p string) (string, int, bool) {
	dir, file := path.Split(p)
	top, model, ok := strings.Cut(strings.TrimSuffix(dir, "/"), "/")
	if !ok || top != registry.Dir || strings.Contains(model, "/") || !strings.HasPrefix(file, "v") || !strings.HasSuffix(file, ".yaml") {
		return "", 0, false
	}
	var n int
	if _, err := fmt.Sscanf(file, "v%d.yaml", &n); err != nil || registry.VersionPath(model, n) != p {
		return "", 0, false
	}
	return model, n, true
}

func (j *Judge) versionAt(ctx context.Context, commit, name string) (*registry.Version, error) {
	if commit == "" {
		return nil, nil
	}
	data, err := j.History.ReadFile(ctx, commit, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", name, short(commit), err)
	}
	v, err := registry.Parse(name, data)
	if err != nil {
		return nil, nil
	}
	return v, nil
}

// policyAt is the policy mlcd.yaml sets at commit; false when the file is
// missing or invalid, which leaves the policy in force as it is.
func (j *Judge) policyAt(ctx context.Context, commit string) (Policy, bool) {
	data, err := j.History.ReadFile(ctx, commit, pipeline.FileName)
	if err != nil {
		return Policy{}, false
	}
	p, err := pipeline.Parse(pipeline.FileName, data)
	if err != nil || p == nil {
		return Policy{}, false
	}
	return PolicyOf(p, j.Forge != nil), true
}

// Decide judges one change under the ledger in force before its commit.
func (j *Judge) Decide(ctx context.Context, ch Change, l Ledger) (Verdict, error) {
	switch ch.Kind {
	case ChangeEdit:
		return j.decideEdit(ch), nil
	case ChangePolicy:
		return j.decidePolicy(ctx, ch, l)
	}
	return j.decidePromotion(ctx, ch, l)
}

func (j *Judge) decideEdit(ch Change) Verdict {
	reason := fmt.Sprintf("commit %s edited %s of %s v%d after mlcd registered it; only stage, aliases and description may change, and mlcd never deploys the edited file",
		short(ch.Commit.Hash), strings.Join(ch.Edited, ", "), ch.Model, ch.Version)
	return Verdict{Kind: ChangeEdit, Decision: Decision{Reason: reason, Commit: ch.Commit.Hash}}
}

func (j *Judge) decidePromotion(ctx context.Context, ch Change, l Ledger) (Verdict, error) {
	c := ch.Commit
	pol, why := j.effective(l.Policy)
	d, err := Evaluate(ctx, Input{
		History: j.History, Forge: j.Forge, Branch: j.Branch, Head: c.Hash,
		Model: ch.Model, Version: ch.Version, Require: pol.Require, Approvals: pol.Approvals, Commit: &c,
	})
	if why != "" {
		d.Reason += " (" + why + ")"
	}
	v := Verdict{Kind: ChangePromotion, Decision: d}
	if err != nil || !d.Allowed {
		return v, err
	}
	seal, err := VerifySeal(ctx, j.History, c.Hash, ch.After)
	if err != nil {
		return v, err
	}
	if seal.Broken != "" {
		v.Allowed = false
		v.Reason = fmt.Sprintf("%s v%d may not deploy: %s", ch.Model, ch.Version, seal.Broken)
		return v, nil
	}
	v.Registered, v.RegisteredAt = seal.Registered, seal.At
	return v, nil
}

// decidePolicy lets a policy take effect: at once when it is as strict or
// stricter, else only when the commit passes the policy in force.
func (j *Judge) decidePolicy(ctx context.Context, ch Change, l Ledger) (Verdict, error) {
	c := ch.Commit
	old, _ := j.effective(l.Policy)
	next, _ := j.effective(ch.Policy)
	v := Verdict{Kind: ChangePolicy, Decision: Decision{Commit: c.Hash, Require: old.Require}}
	loosens, how := Loosens(old, next)
	switch {
	case !l.Founded:
		v.Allowed = true
		v.Reason = fmt.Sprintf("commit %s brings the first %s: deploy.require is %s", short(c.Hash), pipeline.FileName, ch.Policy)
		return v, nil
	case !loosens:
		v.Allowed = true
		v.Reason = fmt.Sprintf("commit %s sets deploy.require to %s (no looser than %s)", short(c.Hash), ch.Policy, l.Policy)
		return v, nil
	}
	d, err := j.admit(ctx, c, old, func(ctx context.Context, parent string) (bool, error) {
		p, ok := j.policyAt(ctx, parent)
		return ok && p == ch.Policy, nil
	})
	if err != nil {
		return v, fmt.Errorf("policy change at %s: %w", short(c.Hash), err)
	}
	v.Allowed, v.PR, v.Approvers = d.Allowed, d.PR, d.Approvers
	what, kept := "loosens the gate", old.String()
	if l, _ := loosensGate(old, next); !l {
		what, kept = "changes what serves", "what serves now"
	}
	if d.Allowed {
		v.Reason = fmt.Sprintf("commit %s %s (%s) and passed %s: %s", short(c.Hash), what, how, old, d.Reason)
	} else {
		v.Reason = fmt.Sprintf("commit %s %s (%s) without passing the gate in force, %s (%s); %s stays in force",
			short(c.Hash), what, how, old, d.Reason, kept)
	}
	return v, nil
}

// Apply returns the ledger after a verdict.
func (l Ledger) Apply(ch Change, v Verdict) Ledger {
	if ch.Kind == ChangePolicy && v.Allowed {
		return Ledger{Policy: ch.Policy, Commit: ch.Commit.Hash, Founded: true, Serving: true}
	}
	return l
}

// admit decides whether commit c passes policy pol for a change that
// brought tells apart: under merge-commit, c must be a merge whose merged
// side brought the change; under merged-pr and approved-pr, GitHub must
// know c as the merge of a (approved) pull request.
func (j *Judge) admit(ctx context.Context, c gitstore.CommitInfo, pol Policy, brought func(ctx context.Context, parent string) (bool, error)) (Decision, error) {
	d := Decision{Require: pol.Require, Commit: c.Hash}
	switch pol.Require {
	case RequireNone:
		d.Allowed, d.Reason = true, "deploy.require is none"
		return d, nil
	case RequireMergeCommit:
		if len(c.Parents) < 2 {
			d.Reason = "a direct push, not a merge"
			return d, nil
		}
		for _, p := range c.Parents[1:] {
			ok, err := brought(ctx, p)
			if err != nil || ok {
				d.Allowed, d.Reason = ok, "a merge commit that brought it"
				return d, err
			}
		}
		d.Reason = "a merge commit that made the change itself, not through the branch it merged"
		return d, nil
	case RequireApprovedPR, RequireMergedPR:
		if j.Forge == nil {
			return d, fmt.Errorf("deploy.require is %s: %w", pol.Require, ErrNoForge)
		}
		fd, err := askGitHub(ctx, j.Forge, c.Hash, j.Branch, pol.Require, max(pol.Approvals, 1), CheckContext)
		if err != nil {
			return d, err
		}
		d.Allowed, d.Reason, d.Approvers = fd.Allowed, fd.Reason, fd.Approvers
		if fd.PR != nil {
			d.PR = fd.PR.Number
		}
		return d, nil
	}
	return d, fmt.Errorf("unknown deploy.require %q", pol.Require)
}

// String is the policy as mlcd.yaml spells it, for messages.
func (p Policy) String() string {
	if p.Require == RequireApprovedPR && p.Approvals > 1 {
		return fmt.Sprintf("%s (%d approvals)", p.Require, p.Approvals)
	}
	return p.Require
}
