// Package promotion opens the pull request that promotes a model version:
// it commits the one-line stage change of the version file on a branch of
// its own (gitstore.PublishBranch), and, when the repository is on GitHub,
// opens or updates the pull request whose body compares the version with
// the current Production one (forge.EnsurePR). `mlcd promote` and the
// controller's auto-promotion both call it. ReportCheck puts what `mlcd
// check` found on the pull request: the mlcd/check status and one comment.
//
// It does not merge, deploy or decide the merge gate: a person merges the
// pull request, and the deployer acts on the merge.
package promotion
