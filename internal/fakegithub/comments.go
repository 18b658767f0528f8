package fakegithub

import (
	"net/http"
	"time"
)

type commentBodyJSON struct {
	Body *string `json:"body"`
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
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
	var out []commentJSON
	for _, c := range s.state.comments {
		if c.Issue == int(n) {
			out = append(out, s.commentJSON(c))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, nonNil(paginate(s, w, r, out)))
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "number")
	if !ok {
		return
	}
	var in commentBodyJSON
	if !decode(w, r, &in) {
		return
	}
	if in.Body == nil || *in.Body == "" {
		writeInvalid(w, fieldError{Resource: "IssueComment", Field: "body", Code: "missing_field"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.pulls[int(n)] == nil {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	now := time.Now()
	c := &Comment{ID: s.state.id(), Issue: int(n), Author: s.opts.Login, Body: *in.Body, CreatedAt: now, UpdatedAt: now}
	s.state.comments = append(s.state.comments, c)
	writeJSON(w, http.StatusCreated, s.commentJSON(c))
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	var in commentBodyJSON
	if !decode(w, r, &in) {
		return
	}
	if in.Body == nil || *in.Body == "" {
		writeInvalid(w, fieldError{Resource: "IssueComment", Field: "body", Code: "missing_field"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.state.commentByID(id)
	if c == nil {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	if c.Author != s.opts.Login {
		writeMessage(w, http.StatusForbidden, "Must have admin rights to Repository.")
		return
	}
	c.Body = *in.Body
	c.UpdatedAt = time.Now()
	writeJSON(w, http.StatusOK, s.commentJSON(c))
}
