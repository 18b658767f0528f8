// Package forge is mlcd's client of the GitHub REST API (github.com and
// GitHub Enterprise), built on go-github: it opens or updates the promotion
// pull request, keeps one mlcd comment per pull request, sets and reads
// commit statuses, and returns what the merge gate needs as data: the pull
// requests of a commit, what their reviews say of a head (Approvals), and a
// commit's combined status. It decides nothing: package gate does.
//
// Connect is the one way mlcd builds a Client: from Settings (a token, the
// API URL, the repository when the remote URL does not name it), for the
// repository a remote URL names; SettingsFromEnv reads them from the
// variables GitHub Actions sets, and ActionsEvent the pull request of an
// Actions job.
//
// Requests are retried on 5xx answers and on GitHub's primary and secondary
// rate limits, with backoff and jitter that stop when the context ends.
// Errors are classified (ErrUnauthorized, ErrForbidden, ErrNotFound,
// ErrRateLimited, ErrServer, ErrInvalid) and their text names what to fix;
// the token never appears in an error or a log line.
//
// It is not for git itself (package gitstore pushes branches) nor for the
// registry's content (package registry): callers pass branch names, shas and
// markdown bodies.
package forge
