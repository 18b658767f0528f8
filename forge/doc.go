// Package forge is mlcd's client of the GitHub REST API (github.com and
// GitHub Enterprise), built on go-github: it opens or updates the promotion
// pull request, keeps one mlcd comment per pull request, sets and reads
// commit statuses, and answers the API half of the merge gate (was this
// commit the merge of a pull request into the tracked branch, its head
// approved by someone other than its author, with mlcd's check green on
// that head).
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
