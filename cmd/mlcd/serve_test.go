package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// servedTree is a working tree whose registry holds model churn v1..v3
// (v2 in Production, v3 in Staging with alias champion), all serving the
// checked-in tiny XGBoost model from a store; it returns the tree and the
// store.
func servedTree(t *testing.T) (dir, storeDir string) {
	t.Helper()
	dir, storeDir = t.TempDir(), t.TempDir()
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.PutFile(context.Background(), "../../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	stages := []registry.Stage{registry.StageArchived, registry.StageProduction, registry.StageStaging}
	for i, stage := range stages {
		v := &registry.Version{
			Schema: registry.Schema, Model: "churn", Version: i + 1, Stage: stage,
			RunID: "20261126T233401Z-ab12", Pipeline: "demo", Task: "train", Commit: strings.Repeat("a", 40),
			Artifact: registry.Artifact{File: "model.json", SHA256: obj.SHA256, Size: obj.Size},
			Flavor:   pipeline.FlavorXGBoost, Created: time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC),
		}
		if i == 2 {
			v.Aliases = []string{"champion"}
		}
		p := filepath.Join(dir, v.Path())
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, registry.Marshal(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, storeDir
}

func TestResolveVersion(t *testing.T) {
	t.Parallel()
	dir, _ := servedTree(t)
	tests := []struct {
		spec    string
		version int
		err     string
	}{
		{"churn", 2, ""},
		{"churn@Production", 2, ""},
		{"churn@staging", 3, ""},
		{"churn@1", 1, ""},
		{"churn@v3", 3, ""},
		{"churn@champion", 3, ""},
		{"churn@9", 0, `model churn has no version "9"`},
		{"churn@None", 0, `has no version "None"`},
		{"other", 0, `no model "other"`},
		{"@2", 0, "want MODEL[@VERSION|@STAGE|@ALIAS]"},
		{"bad", 0, "models/bad/v1.yaml:1:1: unknown key \"nonsense\""},
	}
	os.MkdirAll(filepath.Join(dir, "models", "bad"), 0o755)
	os.WriteFile(filepath.Join(dir, "models", "bad", "v1.yaml"), []byte("nonsense: 1\n"), 0o644)
	for _, tt := range tests {
		v, err := resolveVersion(dir, tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || exitCode(err) != exitBadInput {
				t.Errorf("resolveVersion(%q) error = %v (exit %d), want %q, exit 3", tt.spec, err, exitCode(err), tt.err)
			}
			continue
		}
		if err != nil || v.Version != tt.version {
			t.Errorf("resolveVersion(%q) = %v, %v; want version %d", tt.spec, v, err, tt.version)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveProc is a running `mlcd serve`; done is closed when it exited.
type serveProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startServe starts `mlcd serve` and waits until its /ping answers 200.
func startServe(t *testing.T, dir, storeDir, addr string, args ...string) *serveProc {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(mlcdBinary(t), append([]string{"serve", "--repo", dir, "--host", host, "--port", port}, args...)...)
	cmd.Env = append(os.Environ(), "MLCD_STORE="+storeDir)
	return startProc(t, cmd, addr)
}

// startProc starts cmd and waits until addr/ping answers 200.
func startProc(t *testing.T, cmd *exec.Cmd, addr string) *serveProc {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it answered /ping:\n%s", cmd.Args[1], out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /ping within 30s:\n%s", cmd.Args[1], out.String())
		}
	}
}

func score(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/invocations", "application/json",
		strings.NewReader(`{"dataframe_records": [{"a": 1, "b": 2, "c": 3}, {"a": 0, "b": 0, "c": 0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeCommand_KillAndRestart(t *testing.T) {
	t.Parallel()
	dir, storeDir := servedTree(t)
	addr := freeAddr(t)
	p := startServe(t, dir, storeDir, addr, "churn@champion")
	status, first := score(t, addr)
	if status != 200 || !strings.HasPrefix(first, `{"predictions": [[`) {
		t.Fatalf("POST /invocations = %d %s", status, first)
	}
	if got := getVersion(addr); got != "3" {
		t.Errorf("/health names version %q, want 3", got)
	}
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	startServe(t, dir, storeDir, addr, "churn@champion", "--max-body", "1KiB")
	if status, again := score(t, addr); status != 200 || again != first {
		t.Errorf("after kill -9 and a restart: %d %s, want %s", status, again, first)
	}
	big := `{"instances": [` + strings.Repeat(`{"a": 1, "b": 2, "c": 3},`, 60) + `{"a": 1, "b": 2, "c": 3}]}`
	resp, err := http.Post("http://"+addr+"/invocations", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), "limit of 1024 bytes (1 KiB)") {
		t.Errorf("a body over --max-body 1KiB = %d %s, want 413 naming the limit", resp.StatusCode, b)
	}
}

func TestServeCommand_SIGTERMStopsCleanly(t *testing.T) {
	t.Parallel()
	dir, storeDir := servedTree(t)
	addr := freeAddr(t)
	p := startServe(t, dir, storeDir, addr, "churn")
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	if code := p.cmd.ProcessState.ExitCode(); code != exitCancelled {
		t.Errorf("exit code after SIGTERM = %d, want %d", code, exitCancelled)
	}
	if _, err := http.Get("http://" + addr + "/ping"); err == nil {
		t.Error("the port still answers after mlcd serve exited")
	}
}

func TestServeCommand_BrokenModelFails(t *testing.T) {
	t.Parallel()
	dir, storeDir := servedTree(t)
	st, _ := store.Open(storeDir)
	obj, _ := st.Put(context.Background(), strings.NewReader("not a model"))
	v, err := resolveVersion(dir, "churn@1")
	if err != nil {
		t.Fatal(err)
	}
	v.Artifact.SHA256 = obj.SHA256
	os.WriteFile(filepath.Join(dir, v.Path()), registry.Marshal(v), 0o644)
	host, port, _ := net.SplitHostPort(freeAddr(t))
	res := runBinary(t, dir, []string{"MLCD_STORE=" + storeDir}, "serve", "churn@1", "--host", host, "--port", port)
	if res.code != exitError || !strings.Contains(res.stderr, "version failed its health check: load model") {
		t.Errorf("serve of a broken model: exit %d, stderr %s", res.code, res.stderr)
	}
}

// Serving from a store that lacks the artifact (or from no store at all)
// says which store was searched, is not a failed health check, and
// creates no store.
func TestServeCommand_ArtifactNotInTheStore(t *testing.T) {
	t.Parallel()
	dir, _ := servedTree(t)
	other := t.TempDir()
	if _, err := store.Open(other); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "nostore")
	host, port, _ := net.SplitHostPort(freeAddr(t))
	for _, tt := range []struct{ storeDir, want string }{
		{other, "is not in the artifact store " + other},
		{missing, "no artifact store at " + missing + " ($MLCD_STORE)"},
	} {
		res := runBinary(t, dir, []string{"MLCD_STORE=" + tt.storeDir}, "serve", "churn@1", "--host", host, "--port", port)
		if res.code != exitBadInput || !strings.Contains(res.stderr, tt.want) || strings.Contains(res.stderr, "health check") {
			t.Errorf("serve with store %s: exit %d, stderr %s; want 3 and %q", tt.storeDir, res.code, res.stderr, tt.want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a failed serve created the store %s: %v", missing, err)
	}
}

// TestEndpointServer_HasEveryTimeout: the model endpoint's server (mlcd
// serve, mlcd deploy, mlcd watch) cuts off slow or silent clients: no
// timeout is left off.
func TestEndpointServer_HasEveryTimeout(t *testing.T) {
	t.Parallel()
	srv := endpointServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("endpoint timeouts: header %s, read %s, write %s, idle %s; want all set",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}
