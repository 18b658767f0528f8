package controller

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/httplimit"
)

// cutOff sends prefix to addr on a new connection, then one byte every
// 20ms, and reports whether the server closed the connection; it gives up
// after a minute.
func cutOff(t *testing.T, addr, prefix string) bool {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn)
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

// TestController_ListenCutsOffSlowClients: a client that sends a webhook
// delivery's body (or a status request's headers) a byte at a time no
// longer holds its connection open for ever.
func TestController_ListenCutsOffSlowClients(t *testing.T) {
	t.Parallel()
	bare, _ := newRemote(t)
	var listening func() string
	c := newController(t, bare, func(cfg *Config) {
		cfg.Interval = time.Hour
		listening = listenOnAnyPort(t, cfg)
		cfg.WebhookSecret = "s"
		cfg.HTTPTimeouts = httplimit.Timeouts{ReadHeader: 300 * time.Millisecond, Read: 600 * time.Millisecond}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	listen := listening()
	waitFor(t, func() bool {
		conn, err := net.Dial("tcp", listen)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	if !cutOff(t, listen, "POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{") {
		t.Errorf("a webhook body sent a byte at a time kept its connection")
	}
	if !cutOff(t, listen, "GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
		t.Errorf("status headers sent a byte at a time kept their connection")
	}
}
