package fakegithub

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) routes(mux *http.ServeMux) {
	const repo = "/repos/{owner}/{repo}"
	handle := func(pattern string, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+repo+path, s.inRepo(h))
	}
	handle("GET /pulls", s.listPulls)
	handle("POST /pulls", s.createPull)
	handle("GET /pulls/{number}", s.getPull)
	handle("PATCH /pulls/{number}", s.updatePull)
	handle("GET /pulls/{number}/reviews", s.listReviews)
	handle("GET /commits/{sha}/pulls", s.pullsForCommit)
	handle("GET /commits/{ref}/status", s.combinedStatus)
	handle("POST /statuses/{sha}", s.createStatus)
	handle("GET /issues/{number}/comments", s.listComments)
	handle("POST /issues/{number}/comments", s.createComment)
	handle("PATCH /issues/comments/{id}", s.editComment)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeMessage(w, http.StatusNotFound, "Not Found")
	})
}

// inRepo answers 404 for any repository but the server's own, as GitHub
// does for a repository that is missing or hidden from the token.
func (s *Server) inRepo(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.PathValue("owner"), s.opts.Owner) ||
			!strings.EqualFold(r.PathValue("repo"), s.opts.Repo) {
			writeMessage(w, http.StatusNotFound, "Not Found")
			return
		}
		h(w, r)
	})
}

// decode reads a JSON body; on error it answers 400 "Problems parsing JSON".
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeMessage(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

// pathInt reads a numeric path value; on error it answers 404 as GitHub does.
func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return 0, false
	}
	return n, true
}
