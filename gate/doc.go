// Package gate is the merge gate: it decides whether a change on the
// tracked branch that set a model version to Production may deploy, under
// the pipeline's deploy.require:
//
//   - none: any commit on the branch;
//   - merge-commit: the change arrived through a merge commit, from its
//     merged side, not by a direct push (for git hosts without an API);
//   - merged-pr: the commit is the merge (or squash, or rebase) of a pull
//     request into the branch, asked of GitHub through package forge;
//   - approved-pr: as merged-pr, with deploy.approvals approving reviews of
//     the pull request's head commit by people other than its author and
//     mlcd's own check green on that head.
//
// The commit that set Production is found on the branch's first-parent
// chain: the newest commit whose version file says Production while its
// first parent's does not. On the first-parent chain a merged pull request
// is its merge commit, as the branch itself took it.
//
// Policy, PolicyOf and Loosens say what in mlcd.yaml decides what may
// deploy and when a change of it weakens the gate. CheckJournals and
// CheckPolicy are the gate's rules for a pull request: mlcd's journals
// (runs/, deployments/) are not touched, and the policy is not loosened
// without the approvals the gate in force asks. CheckPullRequest applies
// them with the registry's rules to a pull request's change, for `mlcd
// check`, and PRCheck.JudgeLoosening counts the approvals GitHub reports.
//
// It decides and explains; it does not deploy, write records or set
// commit statuses (the controller does).
package gate
