package fakegithub

import (
	"fmt"
	"time"
)

// The JSON shapes below follow GitHub's REST API reference; only the fields
// a client of these endpoints reads are filled.

type userJSON struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

type repoJSON struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	FullName string   `json:"full_name"`
	Owner    userJSON `json:"owner"`
	Private  bool     `json:"private"`
}

type refJSON struct {
	Label string   `json:"label"`
	Ref   string   `json:"ref"`
	SHA   string   `json:"sha"`
	User  userJSON `json:"user"`
	Repo  repoJSON `json:"repo"`
}

type pullJSON struct {
	URL            string   `json:"url"`
	ID             int64    `json:"id"`
	HTMLURL        string   `json:"html_url"`
	Number         int      `json:"number"`
	State          string   `json:"state"`
	Title          string   `json:"title"`
	Body           *string  `json:"body"`
	User           userJSON `json:"user"`
	Draft          bool     `json:"draft"`
	Head           refJSON  `json:"head"`
	Base           refJSON  `json:"base"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	ClosedAt       *string  `json:"closed_at"`
	MergedAt       *string  `json:"merged_at"`
	MergeCommitSHA *string  `json:"merge_commit_sha"`
	// Merged is only in the single pull request answer.
	Merged *bool `json:"merged,omitempty"`
}

type commentJSON struct {
	ID        int64    `json:"id"`
	URL       string   `json:"url"`
	HTMLURL   string   `json:"html_url"`
	IssueURL  string   `json:"issue_url"`
	Body      string   `json:"body"`
	User      userJSON `json:"user"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
}

type statusJSON struct {
	ID          int64    `json:"id"`
	URL         string   `json:"url"`
	State       string   `json:"state"`
	Description *string  `json:"description"`
	TargetURL   *string  `json:"target_url"`
	Context     string   `json:"context"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	Creator     userJSON `json:"creator"`
}

type combinedJSON struct {
	State      string       `json:"state"`
	Statuses   []statusJSON `json:"statuses"`
	SHA        string       `json:"sha"`
	TotalCount int          `json:"total_count"`
	Repository repoJSON     `json:"repository"`
}

// reviewJSON is a pull request review. commit_id is the commit the review
// was submitted on (the pull request's head at the time, or the commit_id
// the reviewer chose); GitHub sends null when that commit no longer exists.
type reviewJSON struct {
	ID                int64          `json:"id"`
	NodeID            string         `json:"node_id"`
	User              userJSON       `json:"user"`
	Body              string         `json:"body"`
	State             string         `json:"state"`
	HTMLURL           string         `json:"html_url"`
	PullRequestURL    string         `json:"pull_request_url"`
	Links             reviewLinkJSON `json:"_links"`
	SubmittedAt       *string        `json:"submitted_at"`
	CommitID          *string        `json:"commit_id"`
	AuthorAssociation string         `json:"author_association"`
}

type hrefJSON struct {
	Href string `json:"href"`
}

type reviewLinkJSON struct {
	HTML        hrefJSON `json:"html"`
	PullRequest hrefJSON `json:"pull_request"`
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) user(login string) userJSON {
	var id int64
	for _, c := range login {
		id = id*31 + int64(c)
	}
	if id < 0 {
		id = -id
	}
	return userJSON{Login: login, ID: id, Type: "User"}
}

func (s *Server) repoJSON() repoJSON {
	return repoJSON{
		ID: 1296269, Name: s.opts.Repo,
		FullName: s.opts.Owner + "/" + s.opts.Repo,
		Owner:    s.user(s.opts.Owner),
	}
}

func (s *Server) apiURL(format string, a ...any) string {
	return s.URL() + "repos/" + s.opts.Owner + "/" + s.opts.Repo + fmt.Sprintf(format, a...)
}

func (s *Server) htmlURL(format string, a ...any) string {
	return s.srv.URL + "/" + s.opts.Owner + "/" + s.opts.Repo + fmt.Sprintf(format, a...)
}

func (s *Server) pullJSON(p *PR, single bool) pullJSON {
	out := pullJSON{
		URL: s.apiURL("/pulls/%d", p.Number), ID: int64(p.Number) * 7919,
		HTMLURL: s.htmlURL("/pull/%d", p.Number), Number: p.Number,
		State: p.State, Title: p.Title, Body: optional(p.Body),
		User: s.user(p.Author), Draft: p.Draft,
		Head: s.refJSON(p.HeadRef, p.HeadSHA), Base: s.refJSON(p.BaseRef, p.BaseSHA),
		CreatedAt: stamp(p.CreatedAt), UpdatedAt: stamp(p.UpdatedAt),
		MergeCommitSHA: optional(p.MergeCommitSHA),
	}
	if p.State == "closed" {
		out.ClosedAt = optional(stamp(p.UpdatedAt))
	}
	if p.Merged {
		out.MergedAt = optional(stamp(p.MergedAt))
	}
	if single {
		merged := p.Merged
		out.Merged = &merged
	}
	return out
}

func (s *Server) refJSON(ref, sha string) refJSON {
	return refJSON{
		Label: s.opts.Owner + ":" + ref, Ref: ref, SHA: sha,
		User: s.user(s.opts.Owner), Repo: s.repoJSON(),
	}
}

func (s *Server) commentJSON(c *Comment) commentJSON {
	return commentJSON{
		ID: c.ID, URL: s.apiURL("/issues/comments/%d", c.ID),
		HTMLURL:  s.htmlURL("/pull/%d#issuecomment-%d", c.Issue, c.ID),
		IssueURL: s.apiURL("/issues/%d", c.Issue),
		Body:     c.Body, User: s.user(c.Author),
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
	}
}

func (s *Server) statusJSON(st *Status) statusJSON {
	return statusJSON{
		ID: st.ID, URL: s.apiURL("/statuses/%s", st.SHA), State: st.State,
		Description: optional(st.Description), TargetURL: optional(st.TargetURL),
		Context: st.Context, CreatedAt: stamp(st.CreatedAt), UpdatedAt: stamp(st.CreatedAt),
		Creator: s.user(st.Creator),
	}
}

func (s *Server) reviewJSON(r *Review) reviewJSON {
	html := s.htmlURL("/pull/%d#pullrequestreview-%d", r.PR, r.ID)
	pull := s.apiURL("/pulls/%d", r.PR)
	out := reviewJSON{
		ID: r.ID, NodeID: fmt.Sprintf("PRR_%d", r.ID), User: s.user(r.Author), Body: r.Body, State: r.State,
		HTMLURL: html, PullRequestURL: pull,
		Links:    reviewLinkJSON{HTML: hrefJSON{html}, PullRequest: hrefJSON{pull}},
		CommitID: optional(r.CommitID), AuthorAssociation: "COLLABORATOR",
	}
	if r.State != "PENDING" {
		out.SubmittedAt = optional(stamp(r.SubmittedAt))
	}
	return out
}
