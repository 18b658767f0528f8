// Package httplimit bounds what clients of mlcd's HTTP servers (the
// webhook and status port of mlcd watch, the model endpoint) can hold:
// timeouts, so that a client that sends slowly, or not at all, cannot keep
// a connection open for ever, and a Budget of request body bytes in flight,
// so that concurrent large bodies cannot take the process's memory.
//
// It does not cap one request's body; each handler does (the webhook's
// MaxBody, the scoring handler's MaxBodyBytes).
package httplimit

import (
	"log"
	"net/http"
	"time"
)

// Timeouts of one server; see net/http.Server for each. Read covers the
// whole request, headers and body; Write runs from the end of the request
// headers to the end of the answer, so it includes the handler's work.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

var (
	// Control is for the webhook and status port: GitHub sends a delivery
	// of at most 25 MB at once and waits 10 seconds for an answer.
	Control = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: time.Minute}
	// Scoring is for the model endpoint: a 32 MB body over a slow link,
	// and a prediction that takes minutes, are generous but finite.
	Scoring = Timeouts{ReadHeader: 10 * time.Second, Read: 2 * time.Minute, Write: 5 * time.Minute, Idle: 2 * time.Minute}
)

// Or is t with each zero field taken from def.
func (t Timeouts) Or(def Timeouts) Timeouts {
	pick := func(v, d time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return d
	}
	return Timeouts{
		ReadHeader: pick(t.ReadHeader, def.ReadHeader),
		Read:       pick(t.Read, def.Read),
		Write:      pick(t.Write, def.Write),
		Idle:       pick(t.Idle, def.Idle),
	}
}

// Server is an http.Server for h with t's timeouts (a zero field takes
// def's), logging connection errors to errLog (nil: the log package's).
func Server(h http.Handler, t, def Timeouts, errLog *log.Logger) *http.Server {
	t = t.Or(def)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		ErrorLog:          errLog,
	}
}
