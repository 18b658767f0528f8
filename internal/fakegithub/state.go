package fakegithub

import (
	"sort"
	"time"
)

// PR is a pull request as the server holds it.
type PR struct {
	Number         int
	Title          string
	Body           string
	State          string // "open" or "closed"
	Draft          bool
	HeadRef        string
	HeadSHA        string
	BaseRef        string
	BaseSHA        string
	Author         string
	Merged         bool
	MergedAt       time.Time
	MergeCommitSHA string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Comment is an issue comment on a pull request.
type Comment struct {
	ID        int64
	Issue     int
	Author    string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Status is one commit status, as created.
type Status struct {
	ID          int64
	SHA         string
	State       string
	Context     string
	Description string
	TargetURL   string
	Creator     string
	CreatedAt   time.Time
}

// Review is a pull request review.
type Review struct {
	ID          int64
	PR          int
	Author      string
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	Body        string
	CommitID    string // the commit reviewed; "" is sent as null (a commit GitHub no longer has)
	SubmittedAt time.Time
}

type state struct {
	nextNumber int
	nextID     int64
	pulls      map[int]*PR
	comments   []*Comment
	statuses   []*Status
	reviews    []*Review
	branches   map[string]string
}

func newState() state {
	return state{
		nextNumber: 1, nextID: 1000,
		pulls:    map[int]*PR{},
		branches: map[string]string{},
	}
}

func (st *state) id() int64 {
	st.nextID++
	return st.nextID
}

// sortedPulls returns the pull requests newest first, as GitHub lists them
// by default (sort=created, direction=desc).
func (st *state) sortedPulls() []*PR {
	out := make([]*PR, 0, len(st.pulls))
	for _, p := range st.pulls {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out
}

func (st *state) commentByID(id int64) *Comment {
	for _, c := range st.comments {
		if c.ID == id {
			return c
		}
	}
	return nil
}
