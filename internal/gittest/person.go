package gittest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Clone is a person's working copy of a remote, driven with the git command
// line. The methods without an error result fail the test on error and must
// be called from the test's goroutine; the Try methods return errors and may
// be called from any goroutine.
type Clone struct {
	t   testing.TB
	Dir string
	URL string
}

// Person clones url into a fresh temporary directory. An empty remote gives
// an empty clone on branch main.
func Person(t testing.TB, url string) *Clone {
	t.Helper()
	requireGit(t)
	dir := filepath.Join(t.TempDir(), "clone")
	Git(t, "", "clone", "--quiet", url, dir)
	Git(t, dir, "symbolic-ref", "HEAD", "refs/heads/main")
	return &Clone{t: t, Dir: dir, URL: url}
}

// Git runs git in the clone and returns its trimmed output.
func (c *Clone) Git(args ...string) string {
	c.t.Helper()
	return Git(c.t, c.Dir, args...)
}

// Write writes content to path (slash-separated, relative to the clone),
// creating its directories, and stages it.
func (c *Clone) Write(path, content string) {
	c.t.Helper()
	if err := c.TryWrite(path, content); err != nil {
		c.t.Fatal(err)
	}
}

// TryWrite is Write returning the error.
func (c *Clone) TryWrite(path, content string) error {
	full := filepath.Join(c.Dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		return err
	}
	_, err := TryGit(c.Dir, nil, "add", "--", path)
	return err
}

// Remove deletes path from the clone and stages the deletion.
func (c *Clone) Remove(path string) {
	c.t.Helper()
	c.Git("rm", "--quiet", "-r", "--", path)
}

// Commit commits what is staged and returns the new commit's hash.
func (c *Clone) Commit(msg string) string {
	c.t.Helper()
	h, err := c.TryCommit(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	return h
}

// TryCommit is Commit returning the error.
func (c *Clone) TryCommit(msg string) (string, error) {
	if _, err := TryGit(c.Dir, nil, "commit", "--quiet", "--allow-empty", "-m", msg); err != nil {
		return "", err
	}
	return TryGit(c.Dir, nil, "rev-parse", "HEAD")
}

// Head returns the hash of the clone's HEAD.
func (c *Clone) Head() string {
	c.t.Helper()
	return c.Git("rev-parse", "HEAD")
}

// Push pushes the current branch to origin; it fails the test when the
// remote refuses (e.g. a non-fast-forward).
func (c *Clone) Push() {
	c.t.Helper()
	if err := c.TryPush(); err != nil {
		c.t.Fatal(err)
	}
}

// TryPush pushes the current branch to origin and returns git's error.
func (c *Clone) TryPush() error {
	_, err := TryGit(c.Dir, nil, "push", "--quiet", "origin", "HEAD")
	return err
}

// Pull fetches origin and rebases the current branch onto it.
func (c *Clone) Pull() {
	c.t.Helper()
	if err := c.TryPull(); err != nil {
		c.t.Fatal(err)
	}
}

// TryPull is Pull returning the error.
func (c *Clone) TryPull() error {
	_, err := TryGit(c.Dir, nil, "pull", "--quiet", "--rebase", "origin", "main")
	return err
}

// PushRetry pushes, and while the remote refuses, pulls with rebase and
// tries again, up to attempts times. It is how a person wins a race with
// the bot without forcing.
func (c *Clone) PushRetry(attempts int) error {
	var err error
	for range attempts {
		if err = c.TryPush(); err == nil {
			return nil
		}
		if perr := c.TryPull(); perr != nil {
			return fmt.Errorf("pull after refused push: %w", perr)
		}
	}
	return fmt.Errorf("push refused %d times: %w", attempts, err)
}

// personAttempts bounds the pushes of PushPulling and MergePush: each
// refusal means another writer pushed in the moment between a pull and a
// push.
const personAttempts = 10

// PushPulling pushes the current branch, and while the remote refuses it
// because another writer (the bot) pushed meanwhile, pulls with rebase and
// pushes again, as a person does. It returns the pushed HEAD, which the
// rebase may have made anew.
func (c *Clone) PushPulling() string {
	c.t.Helper()
	if err := c.PushRetry(personAttempts); err != nil {
		c.t.Fatal(err)
	}
	return c.Head()
}

// MergePush merges branch into the current branch with a merge commit and
// pushes it, as a pull request is merged: while the remote refuses the
// push because another writer pushed meanwhile, it merges branch again
// onto the remote's new tip, branch itself unchanged. It returns the pushed
// merge commit. The working tree must be clean.
func (c *Clone) MergePush(branch, msg string) string {
	c.t.Helper()
	current := c.Git("symbolic-ref", "--short", "HEAD")
	for attempt := 1; ; attempt++ {
		merge := c.Merge(branch, msg)
		err := c.TryPush()
		if err == nil {
			return merge
		}
		if attempt == personAttempts {
			c.t.Fatalf("push of the merge of %s refused %d times: %v", branch, attempt, err)
		}
		c.Git("fetch", "--quiet", "origin")
		c.Git("reset", "--quiet", "--hard", "origin/"+current)
	}
}

// Branch creates branch name at HEAD and switches to it.
func (c *Clone) Branch(name string) {
	c.t.Helper()
	c.Git("switch", "--quiet", "-c", name)
}

// Switch switches to an existing branch.
func (c *Clone) Switch(name string) {
	c.t.Helper()
	c.Git("switch", "--quiet", name)
}

// Merge merges branch into the current branch with a merge commit (--no-ff),
// as a merged pull request does, and returns the merge commit's hash.
func (c *Clone) Merge(branch, msg string) string {
	c.t.Helper()
	c.Git("merge", "--quiet", "--no-ff", "-m", msg, branch)
	return c.Head()
}
