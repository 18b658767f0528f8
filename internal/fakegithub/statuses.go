package fakegithub

import (
	"net/http"
	"sort"
	"time"
	"unicode/utf8"
)

type createStatusJSON struct {
	State       string `json:"state"`
	TargetURL   string `json:"target_url"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

var statusStates = map[string]bool{"pending": true, "success": true, "failure": true, "error": true}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	var in createStatusJSON
	if !decode(w, r, &in) {
		return
	}
	if !statusStates[in.State] {
		writeInvalid(w, fieldError{Resource: "Status", Field: "state", Code: "custom",
			Message: "state is not included in the list"})
		return
	}
	if utf8.RuneCountInString(in.Description) > 140 {
		writeInvalid(w, fieldError{Resource: "Status", Field: "description", Code: "custom",
			Message: "description is too long (maximum is 140 characters)"})
		return
	}
	if in.Context == "" {
		in.Context = "default"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &Status{
		ID: s.state.id(), SHA: r.PathValue("sha"), State: in.State, Context: in.Context,
		Description: in.Description, TargetURL: in.TargetURL, Creator: s.opts.Login,
		CreatedAt: time.Now(),
	}
	s.state.statuses = append(s.state.statuses, st)
	writeJSON(w, http.StatusCreated, s.statusJSON(st))
}

// combinedStatus answers the latest status of each context for ref and
// their combined state: failure if any is failure or error, pending if any
// is pending or there is none, else success.
func (s *Server) combinedStatus(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	s.mu.Lock()
	latest := map[string]*Status{}
	for _, st := range s.state.statuses {
		if st.SHA == ref {
			latest[st.Context] = st
		}
	}
	var all []statusJSON
	for _, st := range latest {
		all = append(all, s.statusJSON(st))
	}
	repo := s.repoJSON()
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Context < all[j].Context })
	writeJSON(w, http.StatusOK, combinedJSON{
		State: combine(all), Statuses: nonNil(paginate(s, w, r, all)),
		SHA: ref, TotalCount: len(all), Repository: repo,
	})
}

func combine(all []statusJSON) string {
	state := "success"
	if len(all) == 0 {
		state = "pending"
	}
	for _, st := range all {
		switch st.State {
		case "failure", "error":
			return "failure"
		case "pending":
			state = "pending"
		}
	}
	return state
}
