package command

import (
	"context"
	"time"
)

// stableAfter is how long a server must run before a crash resets the
// backoff to its minimum.
const stableAfter = 30 * time.Second

// supervise owns the running process: it restarts it with backoff when it
// dies and kills it when Stop is called.
func (s *Server) supervise(p *process) {
	defer close(s.done)
	backoff := s.cfg.MinBackoff
	started := time.Now()
	for {
		select {
		case <-s.stop:
			s.target.Store(nil)
			p.kill(s.cfg.StopGrace)
			return
		case <-p.done:
		}
		s.target.Store(nil)
		s.restarts.Add(1)
		if time.Since(started) > stableAfter {
			backoff = s.cfg.MinBackoff
		}
		s.log.Warn("model server exited; restarting", "state", p.state(), "backoff", backoff)
		for p = nil; p == nil; {
			select {
			case <-s.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, s.cfg.MaxBackoff)
			next, err := s.launch(context.Background())
			if err != nil {
				s.log.Warn("restart model server", "err", err)
				continue
			}
			p, started = next, time.Now()
		}
	}
}
