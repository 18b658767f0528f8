package reports

import (
	"context"
	"io/fs"
	"strings"

	"github.com/mlcd-dev/mlcd/gitstore"
)

// PublishResult says what Publish did.
type PublishResult struct {
	Commit  string // the branch's commit after Publish
	Changed bool   // false when the site was already there as it is
	Pushed  bool   // the branch was pushed to origin
}

// Publish commits the site folder as the whole tree of branch (e.g.
// gh-pages) in the git repository at repo, on top of the branch's current
// commit, without touching the working tree or the checked-out branch.
// When the repository has a remote called origin, the branch is pushed
// there (never forced: a branch that moved on the remote is an error).
// The manifest is left out, and a .nojekyll file is added so GitHub Pages
// serves the files as they are.
func Publish(ctx context.Context, repo, site, branch, message string) (PublishResult, error) {
	res, err := gitstore.CommitDir(ctx, repo, site, gitstore.DirCommit{
		Branch:  branch,
		Message: message,
		Skip:    notPublished,
		Empty:   []string{".nojekyll"},
	})
	return PublishResult{Commit: res.Commit, Changed: res.Changed, Pushed: res.Pushed}, err
}

// notPublished leaves out the manifest and files being written.
func notPublished(rel string, d fs.DirEntry) bool {
	return rel == ManifestName || strings.Contains(d.Name(), ".tmp-")
}
