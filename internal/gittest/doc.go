// Package gittest gives tests real git remotes: bare repositories on disk,
// the same repositories served over HTTP on 127.0.0.1 by git's own
// http-backend (through net/http/cgi) with optional basic auth, an
// artificial delay and a request log, and a person who works on a clone with
// the git command line.
//
// It is for tests only. It runs the git binary found on PATH with the
// machine's configuration switched off (GIT_CONFIG_GLOBAL=/dev/null,
// GIT_CONFIG_NOSYSTEM=1) and a fixed author, so results do not depend on the
// machine. It is not a git library: production code uses gitstore.
package gittest
