package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
)

// newcomer is a person following the README on a fresh machine: their
// home, their checkout, a bare remote, and the mlcd binary.
type newcomer struct {
	home, work, remote, bin string
	env                     []string
}

// TestNewcomer walks the first hour of a new user, with nothing but what
// `mlcd init` wrote and no mlcd environment variables: init, its sample
// scikit-learn pipeline as written, a bare remote, `mlcd watch`, version 1,
// `mlcd promote`, a --no-ff merge, the version served by mlcd's own sklearn
// workers (no server code of the user's), an HTTP prediction, and
// `mlcd report` and `mlcd status` in the checkout. The only flags beyond
// the defaults are watch's poll interval and the endpoint's port (so the
// test never collides with a demo on 127.0.0.1:1234).
func TestNewcomer(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole first hour with real scikit-learn")
	}
	requirePython(t)
	nc := newNewcomer(t)

	out := nc.mlcd(t, nc.work, "init", ".")
	if !strings.Contains(out, "wrote mlcd.yaml") {
		t.Fatalf("mlcd init:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(nc.work, "src", "serve.py")); err == nil {
		t.Errorf("mlcd init wrote a src/serve.py: the sample model is served by mlcd itself")
	}
	nc.git(t, nc.work, "add", "-A")
	nc.git(t, nc.work, "commit", "-qm", "The pipeline from mlcd init")
	nc.git(t, nc.work, "push", "-q", "origin", "main")

	// Port 0: mlcd says which port it got (a port picked here and
	// released could be taken by another test before mlcd listened).
	log := nc.watch(t, "--repo", nc.remote, "--interval", "1s", "--endpoint", "127.0.0.1:0")
	var endpoint string
	waitFor(t, 60*time.Second, "mlcd watch naming its model endpoint", func() bool {
		_, after, _ := strings.Cut(log.String(), "mlcd: model endpoint on http://")
		var ok bool
		endpoint, _, ok = strings.Cut(after, "\n")
		return ok
	})
	waitFor(t, 180*time.Second, "version 1 of example-linear on the remote", func() bool {
		return nc.remoteHas("models/example-linear/v1.yaml")
	})

	// Promote from the checkout (--repo defaults to ., whose origin is the
	// remote), then merge as a reviewer would.
	nc.git(t, nc.work, "pull", "-q", "--ff-only", "origin", "main")
	out = nc.mlcd(t, nc.work, "promote", "example-linear", "1")
	if !strings.Contains(out, "git merge --no-ff origin/mlcd/promote-example-linear-v1") {
		t.Fatalf("mlcd promote does not say how to merge:\n%s", out)
	}
	// The controller may push between the fetch and the push (a record, or
	// a run on the schedule mlcd init wrote): the reviewer then merges
	// again onto the remote's new main.
	for try := 1; ; try++ {
		nc.git(t, nc.work, "fetch", "-q", "origin")
		nc.git(t, nc.work, "reset", "-q", "--hard", "origin/main")
		nc.git(t, nc.work, "merge", "-q", "--no-ff", "-m", "Promote example-linear v1", "origin/mlcd/promote-example-linear-v1")
		out, err := nc.command(nc.work, "git", "push", "-q", "origin", "main").CombinedOutput()
		if err == nil {
			break
		}
		if try == 10 {
			t.Fatalf("git push of the merge, refused %d times: %v\n%s", try, err, out)
		}
	}
	waitFor(t, 120*time.Second, "the deploy of example-linear v1", func() bool {
		out, err := gittest.TryGit(nc.remote, nil, "show", "main:deployments/example-linear.yaml")
		return err == nil && strings.Contains(out, "current:\n  version: 1")
	})

	nc.checkPrediction(t, endpoint)
	nc.checkReportAndStatus(t)
}

func newNewcomer(t *testing.T) *newcomer {
	t.Helper()
	root := t.TempDir()
	nc := &newcomer{home: filepath.Join(root, "home"), work: filepath.Join(root, "work"),
		remote: filepath.Join(root, "remote.git"), bin: filepath.Join(root, "bin", "mlcd")}
	proctest.BuildMlcd(t, nc.bin)
	// A fresh user: their own home (so the default state folder and store
	// are theirs), Debian's Python first, mlcd on PATH, no MLCD_* and no
	// XDG_* variables.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "MLCD_") || strings.HasPrefix(k, "XDG_") || k == "HOME" || k == "PATH" ||
			strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "GIT_") {
			continue
		}
		nc.env = append(nc.env, kv)
	}
	nc.env = append(nc.env, "HOME="+nc.home, "PATH=/usr/bin:/bin:"+filepath.Dir(nc.bin),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Dana Scientist", "GIT_AUTHOR_EMAIL=dana@example.com",
		"GIT_COMMITTER_NAME=Dana Scientist", "GIT_COMMITTER_EMAIL=dana@example.com")
	for _, d := range []string{nc.home, nc.work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	nc.git(t, root, "init", "-q", "--bare", "-b", "main", nc.remote)
	nc.git(t, nc.work, "init", "-q", "-b", "main")
	nc.git(t, nc.work, "remote", "add", "origin", nc.remote)
	return nc
}

func (nc *newcomer) command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, nc.env
	return cmd
}

func (nc *newcomer) git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := nc.command(dir, "git", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (nc *newcomer) mlcd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := nc.command(dir, nc.bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mlcd %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func (nc *newcomer) remoteHas(path string) bool {
	_, err := gittest.TryGit(nc.remote, nil, "cat-file", "-e", "main:"+path)
	return err == nil
}

// watch starts `mlcd watch` and stops it (SIGTERM, then waits) at the end
// of the test; its log is shown when the test fails. It returns the log
// as it is written.
func (nc *newcomer) watch(t *testing.T, args ...string) *proctest.Output {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, nc.bin, append([]string{"watch"}, args...)...)
	cmd.Dir, cmd.Env = nc.work, nc.env
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	log := &proctest.Output{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("mlcd watch's log:\n%s", log.String())
		}
	})
	return log
}

// checkPrediction sends rows to the endpoint as JSON and as CSV (its
// columns in another order): the answers are the linear model's,
// y = 3*x1 - 2*x2 + 1 up to the data's noise.
func (nc *newcomer) checkPrediction(t *testing.T, endpoint string) {
	t.Helper()
	waitFor(t, 30*time.Second, "the endpoint's /ping", func() bool {
		resp, err := http.Get("http://" + endpoint + "/ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	want := []float64{3*0.5 - 2*0.25 + 1, 3*-0.5 - 2*0.5 + 1}
	for _, req := range []struct{ ctype, body string }{
		{"application/json", `{"dataframe_split": {"columns": ["x1", "x2"], "data": [[0.5, 0.25], [-0.5, 0.5]]}}`},
		{"text/csv", "x2,x1\n0.25,0.5\n0.5,-0.5\n"},
	} {
		resp, err := http.Post("http://"+endpoint+"/invocations", req.ctype, strings.NewReader(req.body))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Predictions []float64 `json:"predictions"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(got.Predictions) != len(want) {
			t.Fatalf("%s prediction: %d, %v, %v", req.ctype, resp.StatusCode, got.Predictions, err)
		}
		for i := range want {
			if math.Abs(got.Predictions[i]-want[i]) > 0.2 {
				t.Errorf("%s prediction %d = %v, want about %v", req.ctype, i, got.Predictions[i], want[i])
			}
		}
	}
}

// checkReportAndStatus: in the checkout, `mlcd report` finds the store the
// watch trained into (the one default) and shows v1 in Production, and
// `mlcd status` finds the controller that follows the checkout's origin.
func (nc *newcomer) checkReportAndStatus(t *testing.T) {
	t.Helper()
	nc.git(t, nc.work, "pull", "-q", "--ff-only", "origin", "main")
	out := nc.mlcd(t, nc.work, "report")
	site := filepath.Join(nc.work, "site")
	if !strings.Contains(out, "open file://"+filepath.Join(site, "index.html")) {
		t.Errorf("mlcd report does not say where the site is:\n%s", out)
	}
	page, err := os.ReadFile(filepath.Join(site, "models", "example-linear", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<td>v1</td><td>Production</td>") {
		t.Errorf("the report's model page does not show v1 in Production")
	}
	if _, err := os.Stat(filepath.Join(nc.home, ".local", "share", "mlcd", "store", "sha256")); err != nil {
		t.Errorf("the watch did not train into the default store: %v", err)
	}
	if out := nc.mlcd(t, nc.work, "status"); !strings.Contains(out, "repository  "+nc.remote) {
		t.Errorf("mlcd status in the checkout:\n%s", out)
	}
}
