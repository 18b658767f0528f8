package executor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// sh is a task running script with sh -c, as mlcd.yaml's string form.
func sh(name, script string, needs ...string) *pipeline.Task {
	return &pipeline.Task{
		Name: name, Run: []string{"sh", "-c", script}, Shell: true, Needs: needs,
		Cache: true, TriggerRule: pipeline.AllSuccess,
	}
}

func pipe(name string, tasks ...*pipeline.Task) *pipeline.Pipeline {
	return &pipeline.Pipeline{Version: 1, Name: name, Tasks: tasks}
}

// env is a test's checkout and store (with its cache index), reused
// across runs.
type env struct {
	t     testing.TB
	dir   string
	store *store.Local
	out   syncBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	root := t.TempDir()
	st, err := store.Open(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "repo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, dir: dir, store: st}
}

func (e *env) opts() Options {
	return Options{
		Dir: e.dir, Store: e.store, Cache: true, InputHashes: filepath.Join(e.store.Root(), "cache", "inputs.json"), Jobs: 4,
		Output: &e.out, KillGrace: 2 * time.Second, WorkDir: e.t.TempDir(),
	}
}

// run runs p and fails the test when the run could not be carried out.
func (e *env) run(p *pipeline.Pipeline, mod ...func(*Options)) *pipeline.Run {
	e.t.Helper()
	o := e.opts()
	for _, m := range mod {
		m(&o)
	}
	r, err := Run(context.Background(), p, o)
	if err != nil {
		e.t.Fatalf("Run: %v\noutput:\n%s", err, e.out.String())
	}
	return r
}

func (e *env) write(rel, content string) {
	e.t.Helper()
	p := filepath.Join(e.dir, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func statuses(r *pipeline.Run) map[string]string {
	m := map[string]string{}
	for _, t := range r.Tasks {
		s := string(t.Status)
		if t.CacheHit {
			s += "(cached)"
		}
		m[t.Name] = s
	}
	return m
}

// ran lists the tasks that executed (were not cache hits) in the run.
func ran(r *pipeline.Run) []string {
	var names []string
	for _, t := range r.Tasks {
		if !t.CacheHit && len(t.Attempts) > 0 {
			names = append(names, t.Name)
		}
	}
	return names
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFile waits until path exists and returns its trimmed content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

// alive reports whether pid is a live process (a zombie is not alive).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// waitGone fails the test when pid is still alive after a generous wait.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d is still running: orphaned", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
