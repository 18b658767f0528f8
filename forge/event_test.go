package forge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEvent(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("ab", 20)
	tests := []struct {
		ref     string
		payload string
		want    PullRequestEvent
	}{
		{"refs/pull/12/merge", "", PullRequestEvent{Number: 12}},
		{"refs/heads/main", `{"pull_request": {"number": 7, "head": {"sha": "` + sha + `"}}}`, PullRequestEvent{Number: 7, HeadSHA: sha}},
		{"", `{"number": 9}`, PullRequestEvent{Number: 9}},
		{"refs/pull/3/merge", `{"pull_request": {"number": 4, "head": {"sha": "not-a-sha"}}}`, PullRequestEvent{Number: 3}},
		{"refs/pull/x/merge", `{`, PullRequestEvent{}},
	}
	for _, tt := range tests {
		if got := parseEvent(tt.ref, []byte(tt.payload)); got != tt.want {
			t.Errorf("parseEvent(%q, %q) = %+v, want %+v", tt.ref, tt.payload, got, tt.want)
		}
	}
}

// ActionsEvent reads the variables GitHub Actions sets; a missing or
// unreadable payload leaves the ref's number.
func TestActionsEvent(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("0f", 20)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"number": 5, "pull_request": {"number": 5, "head": {"sha": "`+sha+`"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env  map[string]string
		want PullRequestEvent
	}{
		{map[string]string{EnvEventPath: event}, PullRequestEvent{Number: 5, HeadSHA: sha}},
		{map[string]string{EnvRef: "refs/pull/8/merge", EnvEventPath: filepath.Join(t.TempDir(), "missing.json")}, PullRequestEvent{Number: 8}},
		{nil, PullRequestEvent{}},
	} {
		if got := ActionsEvent(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("ActionsEvent(%v) = %+v, want %+v", tt.env, got, tt.want)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add("refs/pull/1/merge", []byte(`{"pull_request": {"number": 1, "head": {"sha": "`+strings.Repeat("0", 40)+`"}}}`))
	f.Add("refs/pull/99999999999999999999/merge", []byte(`{"number": -5}`))
	f.Add("", []byte(`[]`))
	f.Fuzz(func(t *testing.T, ref string, payload []byte) {
		ev := parseEvent(ref, payload)
		if ev.Number < 0 {
			t.Errorf("negative pull request number %d", ev.Number)
		}
		if ev.HeadSHA != "" && len(ev.HeadSHA) != 40 {
			t.Errorf("head %q is not a full sha", ev.HeadSHA)
		}
	})
}
