package forge

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

func TestClient_UpsertComment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", BaseRef: "main"})
	// 150 other comments push ours to the second page of 100.
	for i := 0; i < 150; i++ {
		if _, err := h.gh.AddComment(p.Number, "someone", "chatter <!-- mlcd:report --> quoted"); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.client.UpsertComment(ctx, p.Number, "report", "first"); err != nil {
		t.Fatal(err)
	}
	if err := h.client.UpsertComment(ctx, p.Number, "report", "second"); err != nil {
		t.Fatal(err)
	}
	if err := h.client.UpsertComment(ctx, p.Number, "report", "second"); err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, c := range h.gh.Comments(p.Number) {
		if c.Author == "mlcd-bot" {
			ours = append(ours, c.Body)
		}
	}
	if diff := cmp.Diff([]string{"<!-- mlcd:report -->\nsecond"}, ours); diff != "" {
		t.Errorf("mlcd's comments (-want +got):\n%s", diff)
	}
	page1 := "GET /repos/octo/repo/issues/1/comments?per_page=100"
	page2 := "GET /repos/octo/repo/issues/1/comments?page=2&per_page=100"
	want := []string{
		page1, page2, "POST /repos/octo/repo/issues/1/comments",
		page1, page2, "PATCH /repos/octo/repo/issues/comments/" + itoa(h.gh.Comments(p.Number)[150].ID),
		page1, page2, // unchanged: no edit
	}
	if diff := cmp.Diff(want, h.calls()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	var sent map[string]string
	if err := json.Unmarshal(h.gh.Requests()[5].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"body": "<!-- mlcd:report -->\nsecond"}, sent); diff != "" {
		t.Errorf("edit body (-want +got):\n%s", diff)
	}
}

func TestClient_UpsertComment_markersAreSeparate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", BaseRef: "main"})
	for _, m := range []string{"report", "check", "report"} {
		if err := h.client.UpsertComment(context.Background(), p.Number, m, "body of "+m); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.gh.Comments(p.Number)); n != 2 {
		t.Errorf("%d comments, want one per marker", n)
	}
	for _, bad := range []string{"", "a -->", "a b", strings.Repeat("x", 101)} {
		if err := h.client.UpsertComment(context.Background(), p.Number, bad, "b"); !errorsIs(err, ErrBadArgument) {
			t.Errorf("marker %q: err = %v, want ErrBadArgument", bad, err)
		}
	}
}
