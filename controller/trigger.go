package controller

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/watcher"
)

// runRequestHandler answers POST /runs: a person (or a script) asks for a
// run of the branch's head now, as Airflow's "trigger DAG" does. With a
// webhook secret configured, the request must carry it as a bearer token;
// without one, only requests from this machine are taken.
func (c *Controller) runRequestHandler(events chan<- watcher.Event) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.mayTrigger(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a run request needs 'Authorization: Bearer <" + watcher.SecretEnv + ">'"})
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

func (c *Controller) mayTrigger(r *http.Request) bool {
	if c.cfg.WebhookSecret != "" {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(token), []byte(c.cfg.WebhookSecret)) == 1
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
