package forge

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestClient_SetStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	long := strings.Repeat("é", 200)
	if err := h.client.SetStatus(ctx, sha('a'), StateFailure, "mlcd/check", long, "https://example.org/r/1"); err != nil {
		t.Fatal(err)
	}
	if err := h.client.SetStatus(ctx, sha('a'), StateSuccess, "mlcd/check", "ok", ""); err != nil {
		t.Fatal(err)
	}
	var sent map[string]string
	if err := json.Unmarshal(h.gh.Requests()[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(sent["description"]); n != 140 || !strings.HasSuffix(sent["description"], "…") {
		t.Errorf("description of %d characters %q, want 140 ending in an ellipsis", n, sent["description"])
	}
	delete(sent, "description")
	want := map[string]string{"state": "failure", "context": "mlcd/check", "target_url": "https://example.org/r/1"}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("status body (-want +got):\n%s", diff)
	}
	if got := h.calls()[0]; got != "POST /repos/octo/repo/statuses/"+sha('a') {
		t.Errorf("request %q", got)
	}
	st := h.gh.Statuses(sha('a'))
	if len(st) != 2 || st[1].State != "success" || st[1].Description != "ok" {
		t.Errorf("statuses %+v", st)
	}
	for _, bad := range []struct{ sha, state, ctx string }{
		{sha('a'), "green", "mlcd"}, {"HEAD", "success", "mlcd"}, {sha('a'), "success", ""},
	} {
		if err := h.client.SetStatus(ctx, bad.sha, bad.state, bad.ctx, "", ""); !errorsIs(err, ErrBadArgument) {
			t.Errorf("SetStatus(%q, %q, %q): err = %v, want ErrBadArgument", bad.sha, bad.state, bad.ctx, err)
		}
	}
	if n := len(h.gh.Requests()); n != 2 {
		t.Errorf("%d requests, want none for bad arguments", n)
	}
}

func TestClient_CombinedStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.gh.AddStatus(sha('a'), "mlcd/check", "failure")
	h.gh.AddStatus(sha('a'), "mlcd/check", "success")
	h.gh.AddStatus(sha('a'), "ci/build", "failure")
	tests := []struct{ sha, context, want string }{
		{sha('a'), "mlcd/check", "success"},
		{sha('a'), "ci/build", "failure"},
		{sha('a'), "", "failure"},
		{sha('a'), "absent", ""},
		{sha('b'), "mlcd/check", ""},
		{sha('b'), "", "pending"},
	}
	for _, tt := range tests {
		got, err := h.client.CombinedStatus(context.Background(), tt.sha, tt.context)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("CombinedStatus(%s, %q) = %q, want %q", short(tt.sha), tt.context, got, tt.want)
		}
	}
}
