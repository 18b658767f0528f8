package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/mlcd-dev/mlcd/internal/backoff"
	"github.com/mlcd-dev/mlcd/layout"
)

// FolderUpdate is a commit of files in a folder people gave the bot
// outside its own (deploy.kubernetes.path: the manifests Argo CD or Flux
// apply).
type FolderUpdate struct {
	// Branch is the branch to commit to; "" is the tracked branch. A
	// branch that does not exist is created holding only the folder.
	Branch  string
	Folder  string            // slash-separated, relative to the root, e.g. deploy/k8s
	Message string            // the commit message
	Files   map[string][]byte // path (under Folder) -> content
}

// PublishFolder commits u.Files on the tip of u.Branch as the bot and
// pushes the commit, never forcing: when the branch moved on the remote,
// it fetches and commits again on the new tip, with backoff, up to
// Options.PushAttempts times. The other files of the branch are kept. It
// returns the commit that wrote the files: when the branch holds them
// already, the last commit that changed them, so publishing the same
// files twice commits once and returns the same commit.
func (r *Repo) PublishFolder(ctx context.Context, u FolderUpdate) (string, error) {
	if err := checkFolder(u.Folder, u.Files); err != nil {
		return "", err
	}
	branch := u.Branch
	if branch == "" {
		branch = r.branch
	}
	if cleanBranch(branch) == "" {
		return "", fmt.Errorf("publish %s: branch %q: bad name: %w", u.Folder, branch, ErrForbiddenPath)
	}
	r.op.Lock()
	defer r.op.Unlock()
	for try := 1; ; try++ {
		commit, err := r.folderAttempt(ctx, branch, u)
		if err == nil || !errors.Is(err, ErrNonFastForward) || try >= r.attempts {
			return commit, err
		}
		r.log.Info("branch moved during push, committing again", "to_branch", branch, "attempt", try)
		if err := backoff.Sleep(ctx, pushBackoff.Delay(try, rand.Float64)); err != nil {
			return "", err
		}
	}
}

// folderAttempt is one fetch, commit and push of u on branch.
func (r *Repo) folderAttempt(ctx context.Context, branch string, u FolderUpdate) (string, error) {
	cur, err := r.folderTip(ctx, branch)
	if err != nil {
		return "", err
	}
	root := plumbing.ZeroHash
	if !cur.IsZero() {
		c, err := r.commitObject(cur)
		if err != nil {
			return "", err
		}
		root = c.TreeHash
	}
	var added newObjects
	tree, err := r.applyTree(root, u.Files, &added)
	if err != nil {
		return "", fmt.Errorf("build tree: %w", err)
	}
	if tree == root {
		return r.lastWrote(ctx, cur, u.Files)
	}
	commit, err := r.storeCommit(tree, cur, u.Message, &added)
	if err != nil {
		return "", err
	}
	if err := r.pushRef(ctx, plumbing.NewBranchReferenceName(branch), cur, commit, added); err != nil {
		return "", err
	}
	r.log.Info("published folder", "to_branch", branch, "folder", u.Folder, "commit", commit.String())
	if branch == r.branch {
		return commit.String(), r.setTip(commit)
	}
	return commit.String(), r.setRef(branchTrack(branch), commit)
}

// lastWrote is the newest commit of tip's first-parent line that changed
// one of files, all of which tip holds as they are: the commit that wrote
// them.
func (r *Repo) lastWrote(ctx context.Context, tip plumbing.Hash, files map[string][]byte) (string, error) {
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	changed, _, err := r.firstParentWalk(ctx, tip.String(), "", names, 0)
	if err != nil {
		return "", err
	}
	if len(changed) == 0 {
		return "", fmt.Errorf("no commit of %s wrote %s: %w", short(tip.String()), strings.Join(names, ", "), ErrNotFound)
	}
	return changed[0].Hash, nil
}

// folderTip fetches branch and returns its tip; zero when the remote has
// no such branch.
func (r *Repo) folderTip(ctx context.Context, branch string) (plumbing.Hash, error) {
	if branch != r.branch {
		return r.fetchBranch(ctx, branch)
	}
	tip, err := r.fetch(ctx)
	if errors.Is(err, errNoBranch) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return plumbing.NewHash(tip), nil
}

// checkFolder accepts a clean folder that is not one of the bot's own (nor
// .mlcd, nor inside .git), and files inside it, none of them deleted.
func checkFolder(folder string, files map[string][]byte) error {
	bad := func(why string) error {
		return fmt.Errorf("publish folder %q: %s: %w", folder, why, ErrForbiddenPath)
	}
	switch {
	case folder == "" || folder == "." || !fs.ValidPath(folder) || strings.ContainsAny(folder, "\\\x00"):
		return bad("not a clean relative folder")
	case layout.IsBotPath(folder) || layout.Top(folder) == layout.Local:
		return bad("that is mlcd's own folder")
	case len(files) == 0:
		return bad("no files")
	}
	var wrong []string
	for p, data := range files {
		rest, ok := strings.CutPrefix(p, folder+"/")
		if !ok || rest == "" || !fs.ValidPath(p) || strings.ContainsAny(p, "\\\x00") || data == nil || hasGitPart(p) {
			wrong = append(wrong, fmt.Sprintf("%q", p))
		}
	}
	if len(wrong) > 0 {
		sort.Strings(wrong)
		return bad("files outside it, or deleted: " + strings.Join(wrong, ", "))
	}
	return nil
}

func hasGitPart(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if strings.EqualFold(part, ".git") {
			return true
		}
	}
	return false
}
