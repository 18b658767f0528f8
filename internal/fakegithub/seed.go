package fakegithub

import (
	"fmt"
	"sort"
	"time"
)

// SetBranch records that branch points at sha, so that a pull request can
// be opened from or into it.
func (s *Server) SetBranch(branch, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.branches[branch] = sha
}

// ResolveBranches makes the server ask resolve for a branch it was not
// told about with SetBranch (for example, a real git repository's refs).
func (s *Server) ResolveBranches(resolve func(branch string) (sha string, ok bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resolve = resolve
}

func (s *Server) branchSHA(branch string) (string, bool) {
	s.mu.Lock()
	sha, ok := s.state.branches[branch]
	resolve := s.resolve
	s.mu.Unlock()
	if ok || resolve == nil {
		return sha, ok
	}
	return resolve(branch)
}

// AddPR stores a pull request and returns it with its number and defaults
// (state open, author the server's login, times now).
func (s *Server) AddPR(p PR) PR {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addPullLocked(p)
}

func (s *Server) addPullLocked(p PR) *PR {
	p.Number = s.state.nextNumber
	s.state.nextNumber++
	if p.State == "" {
		p.State = "open"
	}
	if p.Author == "" {
		p.Author = s.opts.Login
	}
	now := time.Now()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	if p.Merged && p.MergedAt.IsZero() {
		p.MergedAt = now
	}
	s.state.pulls[p.Number] = &p
	return &p
}

// MergePR closes pull request number as merged by mergeSHA, the merge (or
// squash, or last rebased) commit on its base branch.
func (s *Server) MergePR(number int, mergeSHA string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[number]
	if p == nil {
		return fmt.Errorf("merge pull request #%d: no such pull request", number)
	}
	now := time.Now()
	p.State, p.Merged, p.MergedAt, p.MergeCommitSHA, p.UpdatedAt = "closed", true, now, mergeSHA, now
	return nil
}

// AddReview adds a review of pull request number by author in state
// (APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED), after every review
// added before it. The review is of the pull request's current head, as a
// review submitted without a commit_id is on GitHub.
func (s *Server) AddReview(number int, author, state string) error {
	return s.addReview(number, author, state, nil)
}

// AddReviewOn is AddReview of commit rather than the current head, as a
// review submitted with a commit_id is; "" stands for a commit GitHub no
// longer has (the review's commit_id is then null).
func (s *Server) AddReviewOn(number int, author, state, commit string) error {
	return s.addReview(number, author, state, &commit)
}

func (s *Server) addReview(number int, author, state string, commit *string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[number]
	if p == nil {
		return fmt.Errorf("review pull request #%d: no such pull request", number)
	}
	id := p.HeadSHA
	if commit != nil {
		id = *commit
	}
	s.state.reviews = append(s.state.reviews, &Review{
		ID: s.state.id(), PR: number, Author: author, State: state,
		CommitID: id, SubmittedAt: time.Now(),
	})
	return nil
}

// PushPR records a push of sha to the head branch of open pull request
// number: sha becomes its head (head.sha), as on GitHub; reviews already
// submitted stay on the commit they reviewed.
func (s *Server) PushPR(number int, sha string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.state.pulls[number]
	if p == nil {
		return fmt.Errorf("push to pull request #%d: no such pull request", number)
	}
	if p.State != "open" {
		return fmt.Errorf("push to pull request #%d: it is %s", number, p.State)
	}
	p.HeadSHA, p.UpdatedAt = sha, time.Now()
	if _, ok := s.state.branches[p.HeadRef]; ok {
		s.state.branches[p.HeadRef] = sha
	}
	return nil
}

// AddStatus adds a commit status on sha as the server's login.
func (s *Server) AddStatus(sha, context, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.statuses = append(s.state.statuses, &Status{
		ID: s.state.id(), SHA: sha, State: state, Context: context,
		Creator: s.opts.Login, CreatedAt: time.Now(),
	})
}

// AddComment adds an issue comment on pull request number by author.
func (s *Server) AddComment(number int, author, body string) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.pulls[number] == nil {
		return Comment{}, fmt.Errorf("comment on pull request #%d: no such pull request", number)
	}
	now := time.Now()
	c := &Comment{ID: s.state.id(), Issue: number, Author: author, Body: body, CreatedAt: now, UpdatedAt: now}
	s.state.comments = append(s.state.comments, c)
	return *c, nil
}

// PRs returns every pull request, by number.
func (s *Server) PRs() []PR {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PR, 0, len(s.state.pulls))
	for _, p := range s.state.pulls {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Comments returns the comments on pull request number, oldest first.
func (s *Server) Comments(number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.state.comments {
		if c.Issue == number {
			out = append(out, *c)
		}
	}
	return out
}

// Statuses returns every status created on sha, oldest first.
func (s *Server) Statuses(sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.state.statuses {
		if st.SHA == sha {
			out = append(out, *st)
		}
	}
	return out
}
