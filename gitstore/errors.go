package gitstore

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

var (
	// ErrNotFound: the remote repository, the branch, a commit or a path
	// does not exist. A missing path also matches fs.ErrNotExist.
	ErrNotFound = errors.New("not found")
	// ErrAuth: the remote refused the credentials (HTTP 401/403, ssh).
	ErrAuth = errors.New("authentication failed")
	// ErrConflict: a person changed a file the bot is writing. Build
	// functions wrap it to stop a Publish.
	ErrConflict = errors.New("conflict with a change on the branch")
	// ErrNonFastForward: the branch moved on the remote while the bot was
	// pushing, more times than Publish was allowed to retry.
	ErrNonFastForward = errors.New("non-fast-forward")
	// ErrForbiddenPath: the bot was asked to write outside runs/, models/
	// and deployments/, or a path that is not clean.
	ErrForbiddenPath = errors.New("path not writable by the bot")

	// errNoBranch is the tracked branch missing on the remote (an empty
	// repository or a branch not yet created); it matches ErrNotFound.
	errNoBranch = fmt.Errorf("branch %w", ErrNotFound)
)

// PublishError is a Publish that did not land. When the bot's commit had
// been built, it is kept on the local branch Pending (refs/heads/mlcd/pending/...)
// so nothing is lost; see Repo.Pending.
type PublishError struct {
	Commit  string // the bot's commit that was not pushed; "" if none was built
	Pending string // the local ref that keeps Commit
	Err     error
}

func (e *PublishError) Error() string {
	if e.Pending == "" {
		return "publish: " + e.Err.Error()
	}
	return fmt.Sprintf("publish: %v (the commit %s is kept on %s)", e.Err, short(e.Commit), e.Pending)
}

func (e *PublishError) Unwrap() error { return e.Err }

// remoteErr maps an error of go-git's transport to ours, naming the remote
// (never its credentials) and, for auth failures, where credentials come
// from.
func (r *Repo) remoteErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s %s: %w", op, r.safeURL, cerr)
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Errorf("%s %s: %w (credentials missing or refused): %s", op, r.safeURL, ErrAuth, r.authHint)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%s %s: %w (permission denied): %s", op, r.safeURL, ErrAuth, r.authHint)
	case errors.Is(err, transport.ErrInvalidAuthMethod):
		return fmt.Errorf("%s %s: %w (%v): %s", op, r.safeURL, ErrAuth, redactErr(err, r.secrets), r.authHint)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%s %s: repository %w", op, r.safeURL, ErrNotFound)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fmt.Errorf("%s %s: %s: %w (empty repository)", op, r.safeURL, r.branch, errNoBranch)
	}
	var noMatch git.NoMatchingRefSpecError
	if errors.As(err, &noMatch) {
		return fmt.Errorf("%s %s: %s: %w", op, r.safeURL, r.branch, errNoBranch)
	}
	return fmt.Errorf("%s %s: %w", op, r.safeURL, redactErr(err, r.secrets))
}

// objectErr maps a missing object to ErrNotFound.
func objectErr(what string, err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
