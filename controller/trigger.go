package controller

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/watcher"
)

// maxRunRequestBody bounds what a run request may send (its body is only
// signed, never parsed).
const maxRunRequestBody = 64 << 10

// runRequestHandler answers POST /runs: a person (or a script) asks for a
// run of the branch's head now, as Airflow's "trigger DAG" does. The
// request must prove it knows the webhook secret: as a bearer token, or as
// the webhook's X-Hub-Signature-256 over the body. Without a secret the
// endpoint is off: where the request comes from proves nothing (behind a
// reverse proxy, everyone is loopback).
func (c *Controller) runRequestHandler(events chan<- watcher.Event) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.cfg.WebhookSecret == "" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "POST /runs is off: mlcd serves it only with a secret; set " +
				watcher.SecretEnv + " and send it as 'Authorization: Bearer <secret>' or sign the body as the webhook does (X-Hub-Signature-256)"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRunRequestBody))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "a run request's body is at most 64 KiB"})
				return
			}
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "read body: " + err.Error()})
			return
		}
		if !c.mayTrigger(r, body) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a run request needs 'Authorization: Bearer <" +
				watcher.SecretEnv + ">' or a valid X-Hub-Signature-256 of its body"})
			return
		}
		ev := watcher.Event{Kind: watcher.KindManual, Branch: c.cfg.Branch, Time: time.Now()}
		select {
		case events <- ev:
			writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued", "branch": c.cfg.Branch})
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the controller is busy; try again"})
		}
	})
}

// mayTrigger reports whether r carries the webhook secret as a bearer
// token, or signs body with it as GitHub signs a delivery. Both compare in
// constant time.
func (c *Controller) mayTrigger(r *http.Request, body []byte) bool {
	secret := []byte(c.cfg.WebhookSecret)
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(token), secret) == 1
	}
	return watcher.ValidSignature(secret, body, r.Header.Get("X-Hub-Signature-256"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
