package watcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// pushPayload is the part of GitHub's push event payload that mlcd reads.
type pushPayload struct {
	Ref        string `json:"ref"`
	Before     string `json:"before"`
	After      string `json:"after"`
	Deleted    bool   `json:"deleted"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// parsePush reads a push delivery's body, sent as JSON or, when the hook's
// content type is application/x-www-form-urlencoded, as a form whose
// "payload" field is the JSON.
func parsePush(contentType string, body []byte) (Push, error) {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return Push{}, fmt.Errorf("push payload: form: %w", err)
		}
		if !form.Has("payload") {
			return Push{}, errors.New("push payload: form without a payload field")
		}
		body = []byte(form.Get("payload"))
	}
	var p pushPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("push payload: %w", err)
	}
	if !strings.HasPrefix(p.Ref, "refs/") {
		return Push{}, fmt.Errorf("push payload: ref %q is not a full ref name", p.Ref)
	}
	if !p.Deleted && !isCommitID(p.After) {
		return Push{}, fmt.Errorf("push payload: after %q is not a commit id", p.After)
	}
	push := Push{Repository: p.Repository.FullName, Ref: p.Ref, Before: p.Before, After: p.After}
	push.Branch, _ = strings.CutPrefix(p.Ref, "refs/heads/")
	if push.Branch == p.Ref {
		push.Branch = "" // a tag or another kind of ref
	}
	if p.Deleted {
		push.After = ""
	}
	return push, nil
}

// isCommitID reports whether s is a full SHA-1 or SHA-256 object id in hex.
func isCommitID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
