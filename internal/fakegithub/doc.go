// Package fakegithub is an in-memory GitHub REST API v3 served by
// net/http/httptest, for tests of mlcd's forge client and of the code that
// uses it.
//
// It answers with the JSON shapes GitHub documents for the endpoints mlcd
// calls (pull requests, issue comments, commit statuses,
// commits/{sha}/pulls, pull request reviews), paginates with Link headers,
// sends rate-limit headers on every response and serves under a non-empty
// base path (/api/v3/ by default), as GitHub Enterprise does. Tests seed it
// (AddPR, PushPR, MergePR, AddReview, AddReviewOn, AddStatus, SetBranch),
// read back what it was sent (Requests, PRs, Comments, Statuses) and
// program failures (FailNext). A review carries the commit it reviewed
// (commit_id) and a pull request its head (head.sha), so a client can tell
// an approval of the head from one of an earlier push.
//
// It is not a GitHub emulator: it knows one repository, no git objects, and
// only the endpoints and query parameters listed above.
package fakegithub
