package s3test

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections from its own loopback port to a target
// address, and can cut every connection once the client has sent a number
// of bytes through it: an upload that dies half way.
type Proxy struct {
	Addr string // host:port to connect to instead of the target

	target string
	l      net.Listener
	cut    atomic.Int64 // bytes from a client after which its connection is cut; 0 never
	cuts   atomic.Int64
	wg     sync.WaitGroup
}

// NewProxy starts a proxy to target, stopped at the end of the test.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: l.Addr().String(), target: target, l: l}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() { l.Close(); p.wg.Wait() })
	return p
}

// CutAfter makes every connection from now on, and every open one, die
// once its client has sent n bytes; 0 forwards everything again.
func (p *Proxy) CutAfter(n int64) { p.cut.Store(n) }

// Cuts is how many connections the proxy has cut.
func (p *Proxy) Cuts() int64 { return p.cuts.Load() }

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c)
		}()
	}
}

func (p *Proxy) forward(c net.Conn) {
	defer c.Close()
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer u.Close()
	done := make(chan struct{}, 1)
	go func() {
		io.Copy(c, u)
		c.Close()
		done <- struct{}{}
	}()
	buf := make([]byte, 4096)
	var sent int64
	for {
		n, err := c.Read(buf)
		if limit := p.cut.Load(); limit > 0 && sent+int64(n) > limit {
			if rest := limit - sent; rest > 0 {
				u.Write(buf[:rest])
			}
			p.cuts.Add(1)
			break // both ends close: the server sees a short body
		}
		if n > 0 {
			if _, werr := u.Write(buf[:n]); werr != nil {
				break
			}
			sent += int64(n)
		}
		if err != nil {
			break
		}
	}
	u.Close()
	c.Close()
	<-done
}
