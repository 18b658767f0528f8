// Package gitstore is mlcd's access to the Git repository it is driven by:
// a local bare clone kept in the state folder, the cheap "did the branch
// move?" check (one listing of the remote's refs, no fetch), fetch, the
// paths changed between two commits, files and whole trees of a commit
// (as fs.FS or checked out into a fresh folder), the history of one file,
// and the bot's write: Publish commits files under runs/, models/ and
// deployments/ directly from tree objects and pushes them, rebuilding on
// the new tip when someone pushed first, never forcing; PublishFolder
// commits the one folder people gave the bot outside those (the Kubernetes
// manifests of deploy.kubernetes), on the tracked branch or another. For the report it
// commits a folder as the whole tree of another branch (CommitDir, for
// gh-pages), reads the changes under a folder along the first-parent line
// (DirChanges) and the origin's URL (OriginURL).
//
// It is built on go-git v5. go-git's errors do not leave the package: they
// are mapped to the sentinels in errors.go, compared with errors.Is. The
// one thing it asks the git binary is a person's checkout's status
// (WorkTreeHead), which must be git's own answer.
//
// It is not a general git client: it tracks one branch of one remote, has
// no worktree, no merges and no history rewriting.
package gitstore
