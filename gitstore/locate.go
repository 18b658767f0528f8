package gitstore

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
)

// Remote is what a --repo argument names: the URL to clone or push to, and
// how it was chosen.
type Remote struct {
	URL string
	// Why says how a path became URL ("the bare repository ...", "the
	// origin of the checkout ..."), for messages; "" for a URL given as is.
	Why string
}

// LocateRemote turns what a user gave as a repository into a remote. A URL
// (scheme://... or git's host:path form) is taken as it is. A path means
// the repository at that path, never one above it: a bare repository is
// itself; the top of a working tree is its origin when it has one, else
// itself. Only a folder that is no repository, inside a working tree, is
// resolved to that working tree, and Why says so.
func LocateRemote(arg string) (Remote, error) {
	if strings.Contains(arg, "://") {
		return Remote{URL: arg}, nil
	}
	fi, err := os.Stat(arg)
	if err != nil {
		if strings.Contains(arg, ":") { // git's scp-like form, host:path
			return Remote{URL: arg}, nil
		}
		return Remote{}, fmt.Errorf("repository %s: %w", arg, err)
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return Remote{}, err
	}
	if !fi.IsDir() {
		return Remote{}, fmt.Errorf("repository %s: not a folder", arg)
	}
	if isBare(abs) {
		return Remote{URL: abs, Why: "the bare repository " + abs}, nil
	}
	top, ok := CheckoutOf(abs)
	switch {
	case !ok:
		return Remote{}, fmt.Errorf("repository %s: no bare repository or checkout here or above: %w", abs, ErrNotFound)
	case top != abs:
		return workTreeRemote(top, fmt.Sprintf("; %s itself is no repository", abs))
	}
	return workTreeRemote(abs, "")
}

// workTreeRemote is the origin of the working tree at dir, else dir; note
// ends Why.
func workTreeRemote(dir, note string) (Remote, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return Remote{}, fmt.Errorf("repository %s: %w", dir, err)
	}
	if u := originURL(repo); u != "" {
		if !strings.Contains(u, "://") && !filepath.IsAbs(u) && !strings.Contains(u, ":") {
			u = filepath.Join(dir, u) // a relative origin is relative to the checkout
		}
		return Remote{URL: u, Why: "the origin of the checkout " + dir + note}, nil
	}
	return Remote{URL: dir, Why: "the checkout " + dir + ", which has no origin" + note}, nil
}
