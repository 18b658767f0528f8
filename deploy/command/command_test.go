package command

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/freeport"
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

// Another process takes the server's port between its pick and the
// server's bind: the server exits (address already in use) while the port
// answers all the same. Start tells the two apart and starts the server
// again on another port. Here the first pick is a port this test serves on.
func TestStart_AgainWhenThePortWasTaken(t *testing.T) {
	t.Parallel()
	needPython(t)
	dir := t.TempDir()
	taken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer taken.Close()
	takenPort := taken.Listener.Addr().(*net.TCPAddr).Port
	var picks atomic.Int32
	s := start(t, Config{Command: serverLine(dir), Dir: dir, pickPort: func() (int, error) {
		if picks.Add(1) == 1 {
			return takenPort, nil
		}
		return freeport.Pick()
	}})
	if s.URL() == taken.URL {
		t.Fatalf("the server's URL is the taken port's, %s", s.URL())
	}
	if status, _ := get(t, s, "/ping"); status != 200 {
		t.Errorf("GET /ping through the proxy = %d, want the server's 200", status)
	}
	if n := len(lines(t, filepath.Join(dir, "pids"))); n < 2 {
		t.Errorf("%d starts of the server, want one on the taken port and one after", n)
	}
	if s.Restarts() != 0 {
		t.Errorf("Restarts = %d, want 0: the server never served before", s.Restarts())
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

func TestExecPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		exec bool
	}{
		{"python3 src/serve.py --model 'a b' --port 80", true},
		{"  gunicorn -b 127.0.0.1:80 app:app > log 2>&1", true},
		{"cd src && python3 serve.py", false},
		{"python3 a.py; echo done", false},
		{"OMP_NUM_THREADS=1 python3 a.py", false},
		{"exec python3 a.py", false},
		{"(python3 a.py)", false},
		{"if true; then x; fi", false},
		{"python3 a.py --sep '|'", false},
	}
	for _, tt := range tests {
		if got := execPrefix(tt.line) == "exec "; got != tt.exec {
			t.Errorf("execPrefix(%q) execs = %v, want %v", tt.line, got, tt.exec)
		}
	}
}

func TestServer_DiesWithItsParent(t *testing.T) {
	t.Parallel()
	needPython(t)
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	// A helper process (this test binary, re-run) starts the server and is
	// killed with SIGKILL: the server must not outlive it.
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperStartAndHang$")
	cmd.Env = append(os.Environ(), "MLCD_COMMAND_HELPER="+serverLine(dir))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "pids"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return pid > 0 && fileHas(filepath.Join(dir, "ready"))
	})
	cmd.Process.Kill()
	cmd.Wait()
	waitFor(t, func() bool { return !alive(pid) })
}

func fileHas(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestHelperStartAndHang is the parent process of TestServer_DiesWithItsParent.
func TestHelperStartAndHang(t *testing.T) {
	line := os.Getenv("MLCD_COMMAND_HELPER")
	if line == "" {
		t.Skip("helper process only")
	}
	s, err := Start(context.Background(), Config{Command: line})
	if err != nil {
		t.Fatal(err)
	}
	dir := strings.Fields(line)[len(strings.Fields(line))-1]
	os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644)
	_ = s
	select {}
}

func TestServer_CommandDoesNotReceiveMlcdSecrets(t *testing.T) {
	t.Parallel()
	needPython(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	env := append(os.Environ(), "GITHUB_TOKEN=ghp_serve_secret", "MLCD_WEBHOOK_SECRET=hook_secret", "KEEP_ME=1")
	start(t, Config{Command: "env > " + envFile + "; " + serverLine(dir), Dir: dir, Env: env})
	got, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "KEEP_ME=1\n") {
		t.Errorf("the serve command lost the rest of its environment:\n%s", got)
	}
	for _, secret := range []string{"ghp_serve_secret", "hook_secret"} {
		if strings.Contains(string(got), secret) {
			t.Errorf("the serve command received %s", secret)
		}
	}
}
