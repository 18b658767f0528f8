package deploy

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
)

// instance is one version being served: a flavor's handler plus what the
// gateway needs to count and drain its requests.
type instance struct {
	model   string
	version *registry.Version
	digest  string
	commit  string
	since   time.Time
	handler http.Handler
	stopFn  func(ctx context.Context) error
	series  series
	// example is the health check's request body taken from an MLflow
	// model folder's saved input example; nil when it has none.
	example []byte

	inflight atomic.Int64
	retired  atomic.Bool
}

func (in *instance) versionLabel() string { return strconv.Itoa(in.version.Version) }

// acquire counts a request in; it fails once the instance is retired, and
// the caller then takes the route again (it has been switched).
func (in *instance) acquire() bool {
	in.inflight.Add(1)
	if in.retired.Load() {
		in.inflight.Add(-1)
		return false
	}
	return true
}

func (in *instance) release() { in.inflight.Add(-1) }

// drain retires the instance and waits until its in-flight requests are
// done, or ctx is. A request that took the route before the switch either
// counted itself in before retired was set (drain waits for it) or sees
// retired and takes the new route.
func (in *instance) drain(ctx context.Context) error {
	in.retired.Store(true)
	delay := time.Millisecond
	for in.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return errors.New("drain: requests still in flight at the timeout")
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
	return nil
}

func (in *instance) stop(ctx context.Context) error {
	if in.stopFn == nil {
		return nil
	}
	return in.stopFn(ctx)
}
