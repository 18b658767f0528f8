package forge

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// UpsertComment keeps one comment per pull request for marker: the comment
// starts with the hidden line <!-- mlcd:marker --> followed by body; an
// existing comment with that line is edited in place (left alone when
// already equal), else a new one is created.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string) error {
	if number <= 0 || !validMarker(marker) {
		return fmt.Errorf("comment on pull request #%d: %w: marker %q (want letters, digits, '-', '_', '.', '/')", number, ErrBadArgument, marker)
	}
	tag := "<!-- mlcd:" + marker + " -->"
	full := tag + "\n" + body
	return c.retryPost(ctx, func() error {
		existing, err := c.findComment(ctx, number, tag)
		if err != nil {
			return err
		}
		if existing != nil {
			if existing.GetBody() == full {
				return nil
			}
			_, resp, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, existing.GetID(), &github.IssueComment{Body: &full})
			if err != nil {
				return c.apiError(fmt.Sprintf("edit comment %d on pull request #%d", existing.GetID(), number), resp, err)
			}
			c.log.Info("updated comment", "number", number, "marker", marker)
			return nil
		}
		_, resp, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, number, &github.IssueComment{Body: &full})
		if err != nil {
			return c.apiError(fmt.Sprintf("comment on pull request #%d", number), resp, err)
		}
		c.log.Info("commented", "number", number, "marker", marker)
		return nil
	})
}

// findComment returns the first comment whose first line is tag, or nil.
func (c *Client) findComment(ctx context.Context, number int, tag string) (*github.IssueComment, error) {
	var found *github.IssueComment
	err := eachPage(func(opt github.ListOptions) (*github.Response, error) {
		cs, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, number, &github.IssueListCommentsOptions{ListOptions: opt})
		if err != nil {
			return nil, c.apiError(fmt.Sprintf("list comments on pull request #%d", number), resp, err)
		}
		for _, cm := range cs {
			first, _, _ := strings.Cut(cm.GetBody(), "\n")
			if found == nil && strings.TrimSpace(first) == tag {
				found = cm
			}
		}
		if found != nil {
			resp.NextPage = 0
		}
		return resp, nil
	})
	return found, err
}

func validMarker(m string) bool {
	if m == "" || len(m) > 100 {
		return false
	}
	for _, c := range m {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == '/':
		default:
			return false
		}
	}
	return true
}
