package httplimit

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// slowClientCutOff sends prefix to addr on a new connection, then one
// byte every 20ms, and reports whether the server closed the connection;
// it gives up after a minute.
func slowClientCutOff(t *testing.T, addr, prefix string) bool {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn) // returns when the server closes
		close(closed)
	}()
	if _, err := io.WriteString(conn, prefix); err != nil {
		return true
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		select {
		case <-closed:
			return true
		case <-time.After(20 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{'a'}); err != nil {
			return true
		}
	}
	return false
}

// TestServer_ClosesSlowClients: a client that sends its headers, or its
// body, a byte at a time is cut off by the read timeouts instead of
// holding the connection for ever.
func TestServer_ClosesSlowClients(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	})
	srv := Server(h, Timeouts{ReadHeader: 300 * time.Millisecond, Read: 600 * time.Millisecond}, Control, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	addr := ln.Addr().String()

	if !slowClientCutOff(t, addr, "POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
		t.Errorf("a client sending its headers a byte at a time was not cut off")
	}
	if !slowClientCutOff(t, addr, "POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{") {
		t.Errorf("a client sending its body a byte at a time was not cut off")
	}
}

func TestServer_TakesDefaultsForZeroTimeouts(t *testing.T) {
	t.Parallel()
	srv := Server(http.NotFoundHandler(), Timeouts{Read: time.Second}, Scoring, nil)
	if srv.ReadTimeout != time.Second || srv.ReadHeaderTimeout != Scoring.ReadHeader || srv.WriteTimeout != Scoring.Write || srv.IdleTimeout != Scoring.Idle {
		t.Errorf("server timeouts = %v %v %v %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	for _, d := range []Timeouts{Control, Scoring} {
		if d.ReadHeader <= 0 || d.Read <= 0 || d.Write <= 0 || d.Idle <= 0 {
			t.Errorf("defaults %+v leave a timeout off", d)
		}
	}
}
