package reports

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/mlcd-dev/mlcd/registry"
)

// prNumber finds the pull request of a commit message: GitHub's merge
// commits ("Merge pull request #12 from …") and squash merges ("… (#12)").
var prNumber = regexp.MustCompile(`(?:^Merge pull request #(\d+)|\(#(\d+)\)\s*$)`)

// StageHistoryFromGit walks at most maxCommits commits of the first-parent
// history of HEAD in the git repository at or above repo, and returns, per
// model, each change of a version's stage, newest first: who made the
// commit, when, and the pull request its message names (linked when origin
// is on GitHub). A folder that is not in a git repository has no history:
// nil, nil.
func StageHistoryFromGit(ctx context.Context, repo string, maxCommits int) (map[string][]StageChange, error) {
	h, _, err := walkStageHistory(ctx, repo, "", maxCommits, "")
	return h, err
}

// walkStageHistory is StageHistoryFromGit that stops at the commit stop
// (exclusive), for a build that knows the history up to there. It also
// returns the commit it started from; "" when there is no history.
// rev, when set, is the commit to start from instead of HEAD (a bare clone
// whose HEAD names no branch of its own).
func walkStageHistory(ctx context.Context, repo, rev string, maxCommits int, stop string) (map[string][]StageChange, string, error) {
	// A bare clone (rev set) has no .git to look for: detecting one would
	// climb to the parent folders.
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: rev == ""})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("stage history: %w", err)
	}
	head, err := r.Head()
	if rev != "" {
		head, err = plumbing.NewHashReference("HEAD", plumbing.NewHash(rev)), nil
	}
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, "", nil // no commit yet
	}
	if err != nil {
		return nil, "", fmt.Errorf("stage history: %w", err)
	}
	pulls := pullURL(r)
	out := map[string][]StageChange{}
	c, err := r.CommitObject(head.Hash())
	for n := 0; err == nil && n < maxCommits && c.Hash.String() != stop; n++ {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		var parent *object.Commit
		if c.NumParents() > 0 {
			if parent, err = c.Parent(0); err != nil {
				return nil, "", fmt.Errorf("stage history: %w", err)
			}
		}
		if err := stageChanges(c, parent, pulls, out); err != nil {
			return nil, "", err
		}
		if parent == nil {
			break
		}
		c = parent
	}
	if err != nil {
		return nil, "", fmt.Errorf("stage history: %w", err)
	}
	return out, head.Hash().String(), nil
}

// gitHistory brings the manifest's stage history up to HEAD, reading only
// the commits since the last build's HEAD when that is an ancestor on the
// first-parent line.
func (p *pass) gitHistory(ctx context.Context, repo string) (map[string][]StageChange, error) {
	rev := ""
	if p.b.opts.GitDir != "" {
		repo, rev = p.b.opts.GitDir, p.b.opts.GitRev
	}
	newer, head, err := walkStageHistory(ctx, repo, rev, maxHistoryCommits, p.m.HistoryHead)
	if err != nil || head == "" {
		return nil, err
	}
	if head == p.m.HistoryHead {
		return p.m.History, nil
	}
	merged := map[string][]StageChange{}
	for model, cs := range newer {
		merged[model] = append(merged[model], cs...)
	}
	if p.m.HistoryHead != "" && reached(ctx, repo, head, p.m.HistoryHead) {
		for model, cs := range p.m.History {
			merged[model] = append(merged[model], cs...)
		}
	} else if p.m.HistoryHead != "" {
		// HEAD is not a descendant (a reset or another branch): read it all.
		if merged, _, err = walkStageHistory(ctx, repo, rev, maxHistoryCommits, ""); err != nil {
			return nil, err
		}
	}
	p.m.HistoryHead, p.m.History = head, merged
	return merged, nil
}

// maxHistoryCommits bounds the first-parent commits a build reads for the
// stage history (about 0.1 ms each).
const maxHistoryCommits = 5000

// reached reports whether stop is on the first-parent line of head within
// maxHistoryCommits.
func reached(ctx context.Context, repo, head, stop string) bool {
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return false
	}
	c, err := r.CommitObject(plumbing.NewHash(head))
	for n := 0; err == nil && n <= maxHistoryCommits && ctx.Err() == nil; n++ {
		if c.Hash.String() == stop {
			return true
		}
		if c.NumParents() == 0 {
			return false
		}
		c, err = c.Parent(0)
	}
	return false
}

// stageChanges adds the stage changes that c made to models/ against its
// first parent (nil for a root commit).
func stageChanges(c, parent *object.Commit, pulls string, out map[string][]StageChange) error {
	now, err := modelsTree(c)
	if err != nil {
		return err
	}
	var before *object.Tree
	if parent != nil {
		if before, err = modelsTree(parent); err != nil {
			return err
		}
	}
	if now == nil || (before != nil && before.Hash == now.Hash) {
		return nil
	}
	changes, err := object.DiffTree(before, now)
	if err != nil {
		return fmt.Errorf("stage history: diff %s: %w", c.Hash, err)
	}
	for _, ch := range changes {
		from, to, err := stagesOf(ch)
		if err != nil || from == to || to == nil || (from == nil && to.Stage == registry.StageNone) {
			continue // not a version file, unreadable, no stage change, or a new version
		}
		sc := StageChange{Model: to.Model, Version: to.Version, To: to.Stage, Author: c.Author.Name,
			Time: c.Author.When, Commit: c.Hash.String()}
		if from != nil {
			sc.From = from.Stage
		}
		if m := prNumber.FindStringSubmatch(firstLine(c.Message)); m != nil {
			sc.PR, _ = strconv.Atoi(m[1] + m[2])
			if pulls != "" {
				sc.PRURL = pulls + strconv.Itoa(sc.PR)
			}
		}
		out[to.Model] = append(out[to.Model], sc)
	}
	return nil
}

func modelsTree(c *object.Commit) (*object.Tree, error) {
	root, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("stage history: tree of %s: %w", c.Hash, err)
	}
	t, err := root.Tree(registry.Dir)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stage history: %s of %s: %w", registry.Dir, c.Hash, err)
	}
	return t, nil
}

// stagesOf parses both sides of a change to a version file; a side that
// does not exist is nil. When the stage did not change, both results are
// the same pointer.
func stagesOf(ch *object.Change) (from, to *registry.Version, err error) {
	name := ch.To.Name
	if name == "" {
		name = ch.From.Name
	}
	if !strings.HasSuffix(name, ".yaml") || strings.Count(name, "/") != 1 {
		return nil, nil, errors.New("not a version file")
	}
	f, t, err := ch.Files()
	if err != nil {
		return nil, nil, err
	}
	parse := func(file *object.File) (*registry.Version, error) {
		if file == nil {
			return nil, nil
		}
		data, err := file.Contents()
		if err != nil {
			return nil, err
		}
		return registry.Parse(path.Join(registry.Dir, name), []byte(data))
	}
	if from, err = parse(f); err != nil {
		return nil, nil, err
	}
	if to, err = parse(t); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && from.Stage == to.Stage {
		return from, from, nil
	}
	return from, to, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// pullURL is "https://github.com/<owner>/<repo>/pull/" when origin is on
// GitHub, else "".
func pullURL(r *git.Repository) string {
	rem, err := r.Remote("origin")
	if err != nil || len(rem.Config().URLs) == 0 {
		return ""
	}
	u := rem.Config().URLs[0]
	for _, prefix := range []string{"https://github.com/", "git@github.com:", "ssh://git@github.com/"} {
		if rest, ok := strings.CutPrefix(u, prefix); ok {
			rest = strings.TrimSuffix(strings.TrimSuffix(rest, "/"), ".git")
			if safeRepo.MatchString(rest) {
				return "https://github.com/" + rest + "/pull/"
			}
		}
	}
	return ""
}

var safeRepo = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
