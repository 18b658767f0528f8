package reports

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/gitstore"
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
	origin, err := gitstore.OriginURL(repo, rev != "")
	if err != nil {
		return nil, "", fmt.Errorf("stage history: %w", err)
	}
	pulls := pullURL(origin)
	out := map[string][]StageChange{}
	log := gitstore.DirLog{Rev: rev, Dir: registry.Dir, Max: maxCommits, Stop: stop}
	head, err := gitstore.DirChanges(ctx, repo, log, func(c gitstore.DirCommitChanges) error {
		stageChanges(c, pulls, out)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("stage history: %w", err)
	}
	if head == "" {
		return nil, "", nil
	}
	return out, head, nil
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
	return gitstore.OnFirstParentLine(ctx, repo, head, stop, maxHistoryCommits)
}

// stageChanges adds the stage changes that commit c made to models/.
func stageChanges(c gitstore.DirCommitChanges, pulls string, out map[string][]StageChange) {
	for _, ch := range c.Changes {
		from, to, err := stagesOf(ch)
		if err != nil || from == to || to == nil || (from == nil && to.Stage == registry.StageNone) {
			continue // not a version file, unreadable, no stage change, or a new version
		}
		sc := StageChange{Model: to.Model, Version: to.Version, To: to.Stage, Author: c.Author,
			Time: c.When, Commit: c.Hash}
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
}

// stagesOf parses both sides of a change to a version file; a side that
// does not exist is nil. When the stage did not change, both results are
// the same pointer.
func stagesOf(ch gitstore.FileChange) (from, to *registry.Version, err error) {
	if !strings.HasSuffix(ch.Name, ".yaml") || strings.Count(ch.Name, "/") != 1 {
		return nil, nil, errors.New("not a version file")
	}
	before, after, err := ch.Contents()
	if err != nil {
		return nil, nil, err
	}
	parse := func(data []byte) (*registry.Version, error) {
		if data == nil {
			return nil, nil
		}
		return registry.Parse(path.Join(registry.Dir, ch.Name), data)
	}
	if from, err = parse(before); err != nil {
		return nil, nil, err
	}
	if to, err = parse(after); err != nil {
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

// pullURL is "https://github.com/<owner>/<repo>/pull/" when the origin
// URL u is on GitHub, else "".
func pullURL(u string) string {
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
