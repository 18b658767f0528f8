package command

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const python = "/usr/bin/python3"

func needPython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed: %v", python, err)
		}
		t.Skipf("%s is needed: %v", python, err)
	}
}

// serverLine is the serve command of testdata/ping_server.py keeping its
// traces in dir.
func serverLine(dir string, flags ...string) string {
	script, _ := filepath.Abs("testdata/ping_server.py")
	return strings.Join(append([]string{python, script, "--port {port} --dir", dir}, flags...), " ")
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := newRecorder()
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	h.ServeHTTP(rec, req)
	return rec.status, rec.body.String()
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestServer_ProxiesAndStopsTheProcessGroup(t *testing.T) {
	t.Parallel()
	needPython(t)
	dir := t.TempDir()
	s, err := Start(context.Background(), Config{Command: serverLine(dir, "--child"), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := get(t, s, "/ping"); status != 200 {
		t.Errorf("GET /ping through the proxy = %d", status)
	}
	if status, body := get(t, s, "/nope"); status != 404 || body != "{}" {
		t.Errorf("GET /nope = %d %q, want the server's own 404", status, body)
	}
	var child int
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "child"))
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return child > 0
	})
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(lines(t, filepath.Join(dir, "pids"))[0])
	waitFor(t, func() bool { return !alive(pid) && !alive(child) })
	if status, body := get(t, s, "/ping"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /ping after Stop = %d %s, want 503", status, body)
	}
}

func TestStart_Fails(t *testing.T) {
	t.Parallel()
	needPython(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	tests := []struct {
		name, line string
		want       error
		text       string
	}{
		{"exits", "echo model file unreadable >&2; exit 3", ErrExited, "model file unreadable"},
		{"never pings", "echo $$ > " + pidFile + "; exec sleep 60", ErrNoPing, "within 1s"},
		{"empty", " ", nil, "empty serve command"},
	}
	for _, tt := range tests {
		_, err := Start(context.Background(), Config{Command: tt.line, Dir: dir, StartTimeout: time.Second, StopGrace: time.Second})
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: Start error = %v, want %v containing %q", tt.name, err, tt.want, tt.text)
		}
	}
	pid, _ := strconv.Atoi(lines(t, pidFile)[0])
	if alive(pid) {
		t.Errorf("the server that never answered /ping (pid %d) still runs", pid)
	}
}

func TestServer_RestartsWithBackoff(t *testing.T) {
	t.Parallel()
	needPython(t)
	dir := t.TempDir()
	const minBackoff = 100 * time.Millisecond
	s := start(t, Config{Command: serverLine(dir, "--crash-loop-after 2"), Dir: dir, MinBackoff: minBackoff, StartTimeout: 30 * time.Second})
	first := s.URL()
	pid, _ := strconv.Atoi(lines(t, filepath.Join(dir, "pids"))[0])
	syscall.Kill(pid, syscall.SIGKILL)
	// The second start serves; kill it too: the third and later starts
	// exit at once, each after a longer wait.
	waitFor(t, func() bool { return s.Restarts() >= 1 && s.URL() != "" })
	if s.URL() == first {
		t.Logf("restarted on the same port %s", first)
	}
	if status, _ := get(t, s, "/ping"); status != 200 {
		t.Errorf("GET /ping after a restart = %d", status)
	}
	pid, _ = strconv.Atoi(lines(t, filepath.Join(dir, "pids"))[1])
	syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, func() bool { return len(lines(t, filepath.Join(dir, "starts"))) >= 5 })
	starts := lines(t, filepath.Join(dir, "starts"))
	var at []float64
	for _, s := range starts {
		f, _ := strconv.ParseFloat(s, 64)
		at = append(at, f)
	}
	// Starts 3, 4, 5 follow failed restarts: the waits before them are at
	// least 1x, 2x, 4x the minimum backoff.
	for i, mult := range []float64{1, 2, 4} {
		gap := at[i+2] - at[i+1]
		if want := mult * minBackoff.Seconds(); gap < want {
			t.Errorf("gap before start %d = %.3fs, want at least %.3fs", i+3, gap, want)
		}
	}
	if status, _ := get(t, s, "/ping"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /ping during a crash loop = %d, want 503", status)
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	got := expand("serve --model {model} --port {port} # {model}", "/tmp/it's here/m.pkl", 8080)
	want := `serve --model '/tmp/it'\''s here/m.pkl' --port 8080 # '/tmp/it'\''s here/m.pkl'`
	if got != want {
		t.Errorf("expand = %s\nwant     %s", got, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recorder keeps a handler's answer.
type recorder struct {
	h      http.Header
	status int
	body   strings.Builder
}

func newRecorder() *recorder                    { return &recorder{h: http.Header{}, status: 200} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(code int)        { r.status = code }

var _ io.Writer = (*recorder)(nil)
