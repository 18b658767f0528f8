package gitstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// OpenWorkTree opens the existing repository at dir or in a folder above
// it (a person's checkout, or a bare repository) for reading commits,
// resolving refs and merge bases; it never clones. opts.URL defaults to the
// URL of its "origin" remote, else to the repository itself, and is used
// only by the methods that talk to a remote.
func OpenWorkTree(_ context.Context, dir string, opts Options) (*Repo, error) {
	repo, err := openLocal(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("open %s: no git repository here or above: %w", dir, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	if opts.URL == "" {
		opts.URL = originURL(repo)
	}
	if opts.URL == "" {
		if opts.URL, err = filepath.Abs(dir); err != nil {
			return nil, err
		}
	}
	r, err := newRepo(dir, opts)
	if err != nil {
		return nil, err
	}
	r.setRepo(repo)
	return r, nil
}

// keepOpen is the storage of the git folder dot. It keeps a few pack files
// open (go-git's default opens the pack again for every object, which
// doubled the time of reading a 10,000-file registry) and reads them from
// memory when they fit (memPacks).
func keepOpen(dot string) *filesystem.Storage {
	return filesystem.NewStorageWithOptions(newMemPacks(osfs.New(dot), packMemoryBudget),
		cache.NewObjectLRUDefault(), filesystem.Options{MaxOpenDescriptors: 16})
}

// openLocal opens the repository at dir or above it. A .git file (a linked
// worktree, a submodule) is left to go-git's own opening.
func openLocal(dir string) (*git.Repository, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			if !fi.IsDir() {
				return git.PlainOpenWithOptions(d, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
			}
			return git.Open(keepOpen(filepath.Join(d, ".git")), osfs.New(d))
		}
		if isBare(d) {
			return git.Open(keepOpen(d), nil)
		}
		if filepath.Dir(d) == d {
			return nil, git.ErrRepositoryNotExists
		}
	}
}

// isBare reports whether d looks like a bare repository.
func isBare(d string) bool {
	for _, name := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(d, name)); err != nil {
			return false
		}
	}
	return true
}

func originURL(repo *git.Repository) string {
	rem, err := repo.Remote("origin")
	if err != nil || len(rem.Config().URLs) == 0 {
		return ""
	}
	return rem.Config().URLs[0]
}

// URL returns the remote's URL with any password replaced by "xxxxx": safe
// to print and log.
func (r *Repo) URL() string { return r.safeURL }

// Branch returns the tracked branch.
func (r *Repo) Branch() string { return r.branch }

// ResolveRef returns the full hash of the commit that ref names: a full or
// abbreviated hash, HEAD, a branch, a tag, origin/<branch> or any revision
// git's rev-parse rules accept. In a clone made by Open the tracked branch
// resolves to its last fetched tip.
func (r *Repo) ResolveRef(ctx context.Context, ref string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if ref == "" {
		return "", fmt.Errorf("resolve: empty ref: %w", ErrNotFound)
	}
	r.st.Lock()
	defer r.st.Unlock()
	tries := []string{ref, "refs/remotes/origin/" + ref}
	if ref == r.branch {
		tries = []string{r.track.String(), ref}
	}
	for _, t := range tries {
		h, err := r.repo.ResolveRevision(plumbing.Revision(t))
		if err == nil && !h.IsZero() {
			return h.String(), nil
		}
	}
	return "", fmt.Errorf("resolve %q: no such commit, branch or tag: %w", ref, ErrNotFound)
}

// MergeBase returns the best common ancestor of the commits a and b (refs
// as ResolveRef takes them), as `git merge-base a b` does; when there are
// several, the one go-git lists first.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	ha, err := r.ResolveRef(ctx, a)
	if err != nil {
		return "", err
	}
	hb, err := r.ResolveRef(ctx, b)
	if err != nil {
		return "", err
	}
	ca, err := r.commitObject(plumbing.NewHash(ha))
	if err != nil {
		return "", err
	}
	cb, err := r.commitObject(plumbing.NewHash(hb))
	if err != nil {
		return "", err
	}
	r.st.Lock()
	bases, err := ca.MergeBase(cb)
	r.st.Unlock()
	if err != nil {
		return "", fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	if len(bases) == 0 {
		return "", fmt.Errorf("merge base of %s and %s: no common history: %w", a, b, ErrNotFound)
	}
	return bases[0].Hash.String(), nil
}

// BranchUpdate is a commit PublishBranch puts on a branch of its own.
type BranchUpdate struct {
	Branch  string            // e.g. mlcd/promote-churn-v3; never the tracked branch
	Parent  string            // full hash of the commit to build on
	Message string            // the commit message
	Files   map[string][]byte // path -> content (nil deletes), under layout.BotRoots
	// Author of the commit; zero means the bot. The committer is always
	// the bot: that is how PublishBranch recognizes its own branches.
	Author Signature
}

// PublishBranch creates or updates branch u.Branch on the remote so that
// it holds one commit, u.Files on top of u.Parent, and returns that
// commit. Like Publish it builds from tree objects and sends only the new
// objects.
//
// A branch that already carries u.Files is left as it is. A branch whose
// tip is the bot's earlier commit on a commit of the tracked branch is
// replaced (a compare-and-swap on that tip, so a concurrent push is never
// lost). Any other branch — a person pushed to it, merged into it, or made
// it — is left alone with an error wrapping ErrConflict.
func (r *Repo) PublishBranch(ctx context.Context, u BranchUpdate) (string, error) {
	if u.Branch == r.branch || cleanBranch(u.Branch) == "" {
		return "", fmt.Errorf("publish branch %q: not a branch the bot may write: %w", u.Branch, ErrForbiddenPath)
	}
	parent, err := parseHash(u.Parent)
	if err != nil {
		return "", fmt.Errorf("publish branch %s: %w", u.Branch, err)
	}
	if err := checkPaths(u.Files); err != nil {
		return "", err
	}
	r.op.Lock()
	defer r.op.Unlock()
	cur, err := r.fetchBranch(ctx, u.Branch)
	if err != nil {
		return "", err
	}
	if !cur.IsZero() {
		same, err := r.checkOwnBranch(u.Branch, cur, parent, u.Files)
		if err != nil || same {
			return cur.String(), err
		}
	}
	return r.pushBranchCommit(ctx, u, cur, parent)
}

// pushBranchCommit builds u's commit on parent and moves the branch from
// cur (zero: absent) to it.
func (r *Repo) pushBranchCommit(ctx context.Context, u BranchUpdate, cur, parent plumbing.Hash) (string, error) {
	pc, err := r.commitObject(parent)
	if err != nil {
		return "", err
	}
	var added newObjects
	tree, err := r.applyTree(pc.TreeHash, u.Files, &added)
	if err != nil {
		return "", fmt.Errorf("build tree: %w", err)
	}
	if tree == pc.TreeHash {
		return "", fmt.Errorf("publish branch %s: the files are already on %s: nothing to commit", u.Branch, short(parent.String()))
	}
	commit, err := r.storeBranchCommit(tree, parent, u, &added)
	if err != nil {
		return "", err
	}
	ref := plumbing.NewBranchReferenceName(u.Branch)
	if err := r.pushRef(ctx, ref, cur, commit, added); err != nil {
		return "", err
	}
	r.log.Info("published branch", "branch", u.Branch, "commit", commit.String(), "replaced", !cur.IsZero())
	return commit.String(), r.setRef(branchTrack(u.Branch), commit)
}

// checkOwnBranch decides what to do with the existing branch at cur: same
// is true when it already carries files; an error wrapping ErrConflict
// when it is not the bot's single commit on the tracked branch's history.
func (r *Repo) checkOwnBranch(branch string, cur, parent plumbing.Hash, files map[string][]byte) (same bool, err error) {
	c, err := r.commitObject(cur)
	if err != nil {
		return false, err
	}
	conflict := func(why string) error {
		return fmt.Errorf("branch %s: %s; not replacing it (delete it or pick another branch): %w", branch, why, ErrConflict)
	}
	if c.Committer.Name != r.bot.Name || c.Committer.Email != r.bot.Email {
		return false, conflict(fmt.Sprintf("its tip %s was committed by %s <%s>, not the bot", short(cur.String()), c.Committer.Name, c.Committer.Email))
	}
	if len(c.ParentHashes) != 1 {
		return false, conflict(fmt.Sprintf("its tip %s is a merge", short(cur.String())))
	}
	onTrack, err := r.isAncestor(c.ParentHashes[0], parent)
	if err != nil {
		return false, err
	}
	if !onTrack {
		return false, conflict(fmt.Sprintf("its tip %s is not built on %s's history", short(cur.String()), r.branch))
	}
	var added newObjects
	tree, err := r.applyTree(c.TreeHash, files, &added)
	if err != nil {
		return false, fmt.Errorf("build tree: %w", err)
	}
	return tree == c.TreeHash, nil
}

// isAncestor reports whether a is b or one of its ancestors.
func (r *Repo) isAncestor(a, b plumbing.Hash) (bool, error) {
	if a == b {
		return true, nil
	}
	ca, err := r.commitObject(a)
	if err != nil {
		return false, err
	}
	cb, err := r.commitObject(b)
	if err != nil {
		return false, err
	}
	r.st.Lock()
	defer r.st.Unlock()
	ok, err := ca.IsAncestor(cb)
	if err != nil {
		return false, fmt.Errorf("walk history of %s: %w", short(b.String()), err)
	}
	return ok, nil
}

// BranchTip fetches branch (any branch of the remote, not only the tracked
// one) and returns its tip, so FS and ReadFile can read it. A branch that
// does not exist gives an error matching ErrNotFound.
func (r *Repo) BranchTip(ctx context.Context, branch string) (string, error) {
	if cleanBranch(branch) == "" {
		return "", fmt.Errorf("branch %q: bad name: %w", branch, ErrNotFound)
	}
	r.op.Lock()
	defer r.op.Unlock()
	h, err := r.fetchBranch(ctx, branch)
	if err != nil {
		return "", err
	}
	if h.IsZero() {
		return "", fmt.Errorf("branch %s on %s: %w", branch, r.safeURL, ErrNotFound)
	}
	return h.String(), nil
}

// branchTrack is where a fetched branch other than the tracked one is kept.
func branchTrack(branch string) plumbing.ReferenceName {
	return plumbing.NewRemoteReferenceName("origin", branch)
}

// fetchBranch fetches branch and returns its tip, zero when the remote has
// no such branch. Callers hold r.op.
func (r *Repo) fetchBranch(ctx context.Context, branch string) (plumbing.Hash, error) {
	track := branchTrack(branch)
	spec := config.RefSpec(fmt.Sprintf("+refs/heads/%s:%s", branch, track))
	r.st.Lock()
	err := r.remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: []config.RefSpec{spec},
		Auth:     r.auth,
		Tags:     git.NoTags,
	})
	r.st.Unlock()
	var noMatch git.NoMatchingRefSpecError
	switch {
	case errors.As(err, &noMatch), errors.Is(err, transport.ErrEmptyRemoteRepository):
		r.st.Lock()
		_ = r.storer().RemoveReference(track)
		r.st.Unlock()
		return plumbing.ZeroHash, nil
	case err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate):
		return plumbing.ZeroHash, r.remoteErr(ctx, "fetch "+branch+" from", err)
	}
	r.st.Lock()
	defer r.st.Unlock()
	ref, err := r.storer().Reference(track)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", track, err)
	}
	return ref.Hash(), nil
}

// storeBranchCommit writes the commit of u: authored by u.Author (or the
// bot), committed by the bot.
func (r *Repo) storeBranchCommit(tree, parent plumbing.Hash, u BranchUpdate, added *newObjects) (plumbing.Hash, error) {
	now := time.Now().Round(time.Second)
	bot := object.Signature{Name: r.bot.Name, Email: r.bot.Email, When: now}
	author := bot
	if u.Author.Name != "" && u.Author.Email != "" {
		author = object.Signature{Name: u.Author.Name, Email: u.Author.Email, When: now}
	}
	c := &object.Commit{Author: author, Committer: bot, Message: u.Message, TreeHash: tree,
		ParentHashes: []plumbing.Hash{parent}}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode commit: %w", err)
	}
	return r.storeNew(obj, added)
}

// setRef points the local ref name at h.
func (r *Repo) setRef(name plumbing.ReferenceName, h plumbing.Hash) error {
	r.st.Lock()
	defer r.st.Unlock()
	if err := r.storer().SetReference(plumbing.NewHashReference(name, h)); err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	return nil
}

// Close releases the files the repository's storage keeps open (the pack
// files OpenWorkTree keeps). The Repo must not be used afterwards.
func (r *Repo) Close() error {
	r.st.Lock()
	defer r.st.Unlock()
	if s, ok := r.storer().(*filesystem.Storage); ok {
		return s.Close()
	}
	return nil
}
