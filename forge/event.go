package forge

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Environment variables a GitHub Actions job has about its event.
const (
	EnvRef       = "GITHUB_REF"        // refs/pull/N/merge in a pull_request job
	EnvEventPath = "GITHUB_EVENT_PATH" // the event's JSON payload
)

// PullRequestEvent is what a GitHub Actions job knows of the pull request
// it runs for.
type PullRequestEvent struct {
	// Number is the pull request's number, 0 when neither the ref nor the
	// payload names one.
	Number int
	// HeadSHA is the pull request's head commit (Actions checks out the
	// merge ref, so HEAD is not it), "" when the payload lacks it.
	HeadSHA string
}

var pullRef = regexp.MustCompile(`^refs/pull/([0-9]+)/(merge|head)$`)

// ActionsEvent reads the pull request of a GitHub Actions job from
// GITHUB_REF and the payload at GITHUB_EVENT_PATH (parseEvent).
func ActionsEvent(getenv func(string) string) PullRequestEvent {
	var payload []byte
	if p := getenv(EnvEventPath); p != "" {
		payload, _ = os.ReadFile(p)
	}
	return parseEvent(getenv(EnvRef), payload)
}

// parseEvent reads a ref (refs/pull/N/merge) and an event payload, either
// of which may be empty or wrong: what cannot be read stays zero. The ref's
// number wins over the payload's; a head that is not a full hex sha is
// dropped.
func parseEvent(ref string, payload []byte) PullRequestEvent {
	var ev PullRequestEvent
	if m := pullRef.FindStringSubmatch(ref); m != nil {
		ev.Number, _ = strconv.Atoi(m[1])
	}
	var p struct {
		Number      int `json:"number"`
		PullRequest struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if len(payload) == 0 || json.Unmarshal(payload, &p) != nil {
		return ev
	}
	if ev.Number <= 0 {
		ev.Number = max(p.PullRequest.Number, p.Number, 0)
	}
	if sha := p.PullRequest.Head.SHA; len(sha) == 40 && strings.Trim(sha, "0123456789abcdef") == "" {
		ev.HeadSHA = sha
	}
	return ev
}
