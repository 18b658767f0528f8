package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/proctest"
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

// anyPort is the address to give a server under test: port 0, so the
// system picks a free port as the server listens and it says which (a
// port picked by the test and released could be taken by another test
// before the server listens on it).
const anyPort = "127.0.0.1:0"

// serveProc is a running `mlcd serve` or `mlcd deploy`.
type serveProc struct {
	*proctest.Process
	Addr string // where it listens, host:port
}

// kill kills the process with SIGKILL, as a crash does, and waits for it
// and for what it left running: the git-receive-pack of a push to a local
// remote goes on without it, writing into the bare repository.
func (p *serveProc) kill() { _ = p.Kill() }

// startServe starts `mlcd serve` on addr (anyPort: a free port) and waits
// until its /ping answers 200.
func startServe(t *testing.T, dir, storeDir, addr string, args ...string) *serveProc {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(mlcdBinary(t), append([]string{"serve", "--repo", dir, "--host", host, "--port", port}, args...)...)
	cmd.Env = append(os.Environ(), "MLCD_STORE="+storeDir)
	return startProc(t, cmd, addr)
}

// listensOn is what mlcd serve and mlcd deploy say before the address
// they listen on.
var listensOn = regexp.MustCompile(` on http://(\S+)\n`)

// startProc starts cmd, a server told to listen on addr, and waits until
// its /ping answers 200. For port 0 the address is the one the server
// says it listens on.
func startProc(t *testing.T, cmd *exec.Cmd, addr string) *serveProc {
	t.Helper()
	out := &proctest.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	p := &serveProc{Process: proctest.Start(t, cmd), Addr: addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if strings.HasSuffix(p.Addr, ":0") {
			if m := listensOn.FindStringSubmatch(out.String()); m != nil {
				p.Addr = m[1]
			}
		} else if resp, err := http.Get("http://" + p.Addr + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.Done():
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
	p := startServe(t, dir, storeDir, anyPort, "churn@champion")
	addr := p.Addr
	status, first := score(t, addr)
	if status != 200 || !strings.HasPrefix(first, `{"predictions": [[`) {
		t.Fatalf("POST /invocations = %d %s", status, first)
	}
	if got := getVersion(addr); got != "3" {
		t.Errorf("/health names version %q, want 3", got)
	}
	p.kill()
	// On a port of its own again: the killed server's port, free once it
	// died, could be taken by another test's server before this one
	// listened on it.
	addr = startServe(t, dir, storeDir, anyPort, "churn@champion", "--max-body", "1KiB").Addr
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
	p := startServe(t, dir, storeDir, anyPort, "churn")
	addr := p.Addr
	p.Cmd.Process.Signal(syscall.SIGTERM)
	_ = p.Wait()
	if code := p.Cmd.ProcessState.ExitCode(); code != exitCancelled {
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
	host, port, _ := net.SplitHostPort(anyPort)
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
	host, port, _ := net.SplitHostPort(anyPort)
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

// TestServeCommand_PinnedDigest: --digest serves the version only when its
// model file is the pinned one.
func TestServeCommand_PinnedDigest(t *testing.T) {
	t.Parallel()
	dir, storeDir := servedTree(t)
	host, port, _ := net.SplitHostPort(anyPort)
	wrong := strings.Repeat("0", 64)
	res := runBinary(t, dir, []string{"MLCD_STORE=" + storeDir}, "serve", "churn@2", "--host", host, "--port", port, "--digest", wrong)
	if res.code != exitBadInput || !strings.Contains(res.stderr, "not --digest "+wrong) {
		t.Errorf("serve with another digest: exit %d, stderr %s; want 3 naming the digest", res.code, res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, registry.VersionPath("churn", 2)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := registry.Parse(registry.VersionPath("churn", 2), data)
	if err != nil {
		t.Fatal(err)
	}
	addr := startServe(t, dir, storeDir, anyPort, "churn@2", "--digest", v.Artifact.SHA256).Addr
	if code, body := score(t, addr); code != 200 {
		t.Errorf("serve with its own digest: %d %s", code, body)
	}
}
