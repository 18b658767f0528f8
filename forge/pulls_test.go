package forge

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

func TestClient_EnsurePR(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.gh.SetBranch("main", sha('a'))
	h.gh.SetBranch("mlcd/promote-churn-v3", sha('b'))
	const head = "mlcd/promote-churn-v3"

	pr, created, err := h.client.EnsurePR(ctx, head, "main", "Promote churn v3", "first body")
	if err != nil || !created {
		t.Fatalf("first EnsurePR: created=%v err=%v", created, err)
	}
	want := &PR{
		Number: 1, Title: "Promote churn v3", Body: "first body", State: "open",
		HeadRef: head, HeadSHA: sha('b'), BaseRef: "main", Author: "mlcd-bot",
		URL: pr.URL,
	}
	if diff := cmp.Diff(want, pr); diff != "" {
		t.Errorf("created PR (-want +got):\n%s", diff)
	}
	pr2, created, err := h.client.EnsurePR(ctx, head, "main", "Promote churn v3", "second body")
	if err != nil || created {
		t.Fatalf("second EnsurePR: created=%v err=%v", created, err)
	}
	if pr2.Number != 1 || pr2.Body != "second body" {
		t.Errorf("second EnsurePR returned #%d with body %q", pr2.Number, pr2.Body)
	}
	if _, _, err := h.client.EnsurePR(ctx, head, "main", "Promote churn v3", "second body"); err != nil {
		t.Fatal(err)
	}
	prs := h.gh.PRs()
	if len(prs) != 1 || prs[0].Body != "second body" {
		t.Fatalf("server holds %d PRs (%+v), want one with the second body", len(prs), prs)
	}
	list := "GET /repos/octo/repo/pulls?base=main&head=octo%3Amlcd%2Fpromote-churn-v3&per_page=100&state=open"
	wantCalls := []string{list, "POST /repos/octo/repo/pulls", list, "PATCH /repos/octo/repo/pulls/1", list}
	if diff := cmp.Diff(wantCalls, h.calls()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	reqs := h.gh.Requests()
	var sent map[string]any
	if err := json.Unmarshal(reqs[1].Body, &sent); err != nil {
		t.Fatal(err)
	}
	wantSent := map[string]any{"title": "Promote churn v3", "head": head, "base": "main", "body": "first body"}
	if diff := cmp.Diff(wantSent, sent); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	sent = nil
	if err := json.Unmarshal(reqs[3].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"title": "Promote churn v3", "body": "second body"}, sent); diff != "" {
		t.Errorf("update body (-want +got):\n%s", diff)
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"msg":"github request"`) || !strings.Contains(logs, `"msg":"opened pull request"`) {
		t.Errorf("requests and the new PR are not logged:\n%s", logs)
	}
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization %q, want the Bearer token", r.Method, r.Path, got)
		}
		if got := r.Header.Get("X-GitHub-Api-Version"); got == "" {
			t.Errorf("%s %s: no X-GitHub-Api-Version", r.Method, r.Path)
		}
	}
}

// A 502 answered after GitHub created the pull request must not lead to a
// second one: EnsurePR looks again before creating.
func TestClient_EnsurePR_createFailedAfterServe(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.gh.SetBranch("main", sha('a'))
	h.gh.SetBranch("topic", sha('b'))
	h.gh.FailNext(1, fakegithub.Failure{Status: http.StatusBadGateway, Method: "POST", AfterServe: true})
	pr, created, err := h.client.EnsurePR(context.Background(), "topic", "main", "t", "b")
	if err != nil {
		t.Fatal(err)
	}
	if created || pr.Number != 1 {
		t.Errorf("got #%d created=%v, want the existing #1 found on the second look", pr.Number, created)
	}
	if n := len(h.gh.PRs()); n != 1 {
		t.Errorf("server holds %d PRs, want 1", n)
	}
	if got := len(h.recordedWaits()); got != 1 {
		t.Errorf("%d waits, want 1 backoff before looking again", got)
	}
}

func TestClient_EnsurePR_badArguments(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, _, err := h.client.EnsurePR(context.Background(), "", "main", "t", "b")
	if !errorsIs(err, ErrBadArgument) {
		t.Errorf("err = %v, want ErrBadArgument", err)
	}
	if n := len(h.gh.Requests()); n != 0 {
		t.Errorf("%d requests sent for a bad argument", n)
	}
}

func TestClient_PullsForCommit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "Promote", Body: "b", HeadRef: "topic", HeadSHA: sha('b'), BaseRef: "main", Author: "alice"})
	if err := h.gh.MergePR(p.Number, sha('c')); err != nil {
		t.Fatal(err)
	}
	h.gh.AddPR(fakegithub.PR{Title: "Other", HeadRef: "x", HeadSHA: sha('d'), BaseRef: "main"})
	got, err := h.client.PullsForCommit(context.Background(), sha('c'))
	if err != nil {
		t.Fatal(err)
	}
	want := []*PR{{
		Number: 1, Title: "Promote", Body: "b", State: "closed", Merged: true, MergeCommitSHA: sha('c'),
		HeadRef: "topic", HeadSHA: sha('b'), BaseRef: "main", Author: "alice",
		URL: h.gh.URL()[:len(h.gh.URL())-len("api/v3/")] + "octo/repo/pull/1",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PullsForCommit (-want +got):\n%s", diff)
	}
	if _, err := h.client.PullsForCommit(context.Background(), "main; rm"); !errorsIs(err, ErrBadArgument) {
		t.Errorf("non-hex sha: err = %v, want ErrBadArgument", err)
	}
}

// Someone opens the same pull request between EnsurePR's look and its
// create: GitHub answers 422 "already exists", and EnsurePR updates theirs.
func TestClient_EnsurePR_raceWithAnotherOpener(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.gh.SetBranch("main", sha('a'))
	theirs := h.gh.AddPR(fakegithub.PR{Title: "theirs", Body: "old", HeadRef: "topic", HeadSHA: sha('b'), BaseRef: "main"})
	// The first listing predates their pull request.
	h.gh.FailNext(1, fakegithub.Failure{Status: http.StatusOK, Body: "[]", Method: "GET", PathSuffix: "/pulls"})
	h.gh.SetBranch("topic", sha('b'))
	pr, created, err := h.client.EnsurePR(context.Background(), "topic", "main", "Promote", "new")
	if err != nil {
		t.Fatal(err)
	}
	if created || pr.Number != theirs.Number || pr.Body != "new" {
		t.Errorf("got #%d created=%v body %q, want #%d updated", pr.Number, created, pr.Body, theirs.Number)
	}
	want := []string{"GET", "POST", "GET", "PATCH"}
	var got []string
	for _, r := range h.gh.Requests() {
		got = append(got, r.Method)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	if n := len(h.gh.PRs()); n != 1 {
		t.Errorf("%d PRs, want 1", n)
	}
}

// Two controllers promoting the same version at once still end with one
// pull request.
func TestClient_EnsurePR_concurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.gh.SetBranch("main", sha('a'))
	h.gh.SetBranch("topic", sha('b'))
	errs := make(chan error, 4)
	for i := 0; i < cap(errs); i++ {
		go func() {
			_, _, err := h.client.EnsurePR(context.Background(), "topic", "main", "Promote", "body")
			errs <- err
		}()
	}
	for i := 0; i < cap(errs); i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(h.gh.PRs()); n != 1 {
		t.Errorf("%d PRs, want 1", n)
	}
}
