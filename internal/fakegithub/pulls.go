package fakegithub

import (
	"net/http"
	"strings"
	"time"
)

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := q.Get("state")
	if want == "" {
		want = "open"
	}
	// GitHub ignores a head filter that is not "user:ref-name".
	headOwner, headRef, headOK := strings.Cut(q.Get("head"), ":")
	base := q.Get("base")
	s.mu.Lock()
	var out []pullJSON
	for _, p := range s.state.sortedPulls() {
		if want != "all" && p.State != want {
			continue
		}
		if headOK && (!strings.EqualFold(headOwner, s.opts.Owner) || p.HeadRef != headRef) {
			continue
		}
		if base != "" && p.BaseRef != base {
			continue
		}
		out = append(out, s.pullJSON(p, false))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, nonNil(paginate(s, w, r, out)))
}

type createPullJSON struct {
	Title string `json:"title"`
	Head  string `json:"head"`
	Base  string `json:"base"`
	Body  string `json:"body"`
	Draft bool   `json:"draft"`
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request) {
	var in createPullJSON
	if !decode(w, r, &in) {
		return
	}
	head := in.Head
	if owner, ref, ok := strings.Cut(head, ":"); ok && strings.EqualFold(owner, s.opts.Owner) {
		head = ref
	}
	if in.Title == "" {
		writeInvalid(w, fieldError{Resource: "PullRequest", Field: "title", Code: "missing_field"})
		return
	}
	headSHA, ok := s.branchSHA(head)
	if !ok {
		writeInvalid(w, fieldError{Resource: "PullRequest", Field: "head", Code: "invalid"})
		return
	}
	baseSHA, ok := s.branchSHA(in.Base)
	if !ok {
		writeInvalid(w, fieldError{Resource: "PullRequest", Field: "base", Code: "invalid"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.state.pulls {
		if p.State == "open" && p.HeadRef == head && p.BaseRef == in.Base {
			writeInvalid(w, fieldError{Resource: "PullRequest", Code: "custom",
				Message: "A pull request already exists for " + s.opts.Owner + ":" + head + "."})
			return
		}
	}
	p := s.addPullLocked(PR{
		Title: in.Title, Body: in.Body, Draft: in.Draft, HeadRef: head, HeadSHA: headSHA,
		BaseRef: in.Base, BaseSHA: baseSHA, Author: s.opts.Login,
	})
	writeJSON(w, http.StatusCreated, s.pullJSON(p, true))
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "number")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[int(n)]
	if p == nil {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.pullJSON(p, true))
}

type updatePullJSON struct {
	Title *string `json:"title"`
	Body  *string `json:"body"`
	State *string `json:"state"`
	Base  *string `json:"base"`
}

func (s *Server) updatePull(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "number")
	if !ok {
		return
	}
	var in updatePullJSON
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[int(n)]
	if p == nil {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	if in.State != nil && *in.State != "open" && *in.State != "closed" {
		writeInvalid(w, fieldError{Resource: "PullRequest", Field: "state", Code: "invalid"})
		return
	}
	set(&p.Title, in.Title)
	set(&p.Body, in.Body)
	set(&p.BaseRef, in.Base)
	if !p.Merged {
		set(&p.State, in.State)
	}
	p.UpdatedAt = time.Now()
	writeJSON(w, http.StatusOK, s.pullJSON(p, true))
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "number")
	if !ok {
		return
	}
	s.mu.Lock()
	if s.state.pulls[int(n)] == nil {
		s.mu.Unlock()
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	var reviews []*Review
	for _, rv := range s.state.reviews {
		if rv.PR == int(n) {
			reviews = append(reviews, rv)
		}
	}
	out := []reviewJSON{} // only the page asked for is encoded
	for _, rv := range paginate(s, w, r, reviews) {
		out = append(out, s.reviewJSON(rv))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// pullsForCommit lists the pull requests whose merge commit or head is sha
// (which, as on GitHub, may be abbreviated to 7 or more characters).
func (s *Server) pullsForCommit(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	s.mu.Lock()
	var out []pullJSON
	ps := s.state.sortedPulls()
	for i := len(ps) - 1; i >= 0; i-- {
		if p := ps[i]; sameCommit(p.MergeCommitSHA, sha) || sameCommit(p.HeadSHA, sha) {
			out = append(out, s.pullJSON(p, false))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, nonNil(paginate(s, w, r, out)))
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// nonNil makes an empty list encode as [] rather than null, as GitHub does.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}

func sameCommit(full, sha string) bool {
	return full != "" && len(sha) >= 7 && strings.HasPrefix(full, sha)
}
