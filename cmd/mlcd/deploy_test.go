package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/regtest"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

func TestDeployCommand_Once(t *testing.T) {
	t.Parallel()
	storeDir := t.TempDir()
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.PutFile(context.Background(), "../../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	v := regtest.Version{Model: "churn", N: 1, Stage: registry.StageProduction, SHA256: obj.SHA256, Size: obj.Size}
	p.Write("mlcd.yaml", "version: 1\npipeline: demo\ntasks:\n  train: {run: \"true\", model: "+v.Spec()+"}\ndeploy: {listen: \"127.0.0.1:5005\", require: none}\n")
	v.TrainedOn = p.Commit("the pipeline")
	regtest.Write(p, v)
	p.Commit("churn v1 in Production")
	p.Push()

	state := filepath.Join(t.TempDir(), "state")
	env := append(gittest.Env(), "MLCD_STORE="+storeDir)
	res := runBinary(t, t.TempDir(), env, "deploy", "--once", "--repo", bare, "--state", state)
	if res.code != 0 || !strings.Contains(res.stdout, "churn v1 serving") {
		t.Fatalf("mlcd deploy --once: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	data, err := gittest.TryGit(bare, nil, "show", "main:"+journal.Path("churn"))
	if err != nil {
		t.Fatalf("no record on the branch: %v", err)
	}
	rec, err := journal.Parse(journal.Path("churn"), []byte(data+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Current == nil || rec.Current.Version != 1 || rec.Current.Endpoint != "127.0.0.1:5005" || rec.Current.Digest != obj.SHA256 {
		t.Errorf("record: current = %+v", rec.Current)
	}
	head := gittest.Git(t, bare, "rev-parse", "main")

	// A second pass finds the version recorded as serving: it serves it
	// again and commits nothing.
	res = runBinary(t, t.TempDir(), env, "deploy", "--once", "--repo", bare, "--state", state)
	if res.code != 0 || !strings.Contains(res.stdout, "churn v1 serving") {
		t.Fatalf("second pass: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if now := gittest.Git(t, bare, "rev-parse", "main"); now != head {
		t.Errorf("the second pass committed: %s -> %s", head, now)
	}
	if res := runBinary(t, t.TempDir(), env, "deploy", "--once"); res.code != exitBadInput {
		t.Errorf("without --repo: exit %d, want 3", res.code)
	}
}

// TestDeployCommand_OnceKubernetes: with deploy.target kubernetes, mlcd
// deploy --once commits the manifests and serves nothing itself.
func TestDeployCommand_OnceKubernetes(t *testing.T) {
	t.Parallel()
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	v := regtest.Version{Model: "churn", N: 1, Stage: registry.StageProduction}
	p.Write("mlcd.yaml", "version: 1\npipeline: demo\ntasks:\n  train: {run: \"true\", model: "+v.Spec()+"}\n"+
		"deploy:\n  require: none\n  target: kubernetes\n  kubernetes: {path: k8s, image: mlcd, store: \"s3://models/churn\"}\n")
	v.TrainedOn = p.Commit("the pipeline")
	regtest.Write(p, v)
	p.Commit("churn v1 in Production")
	p.Push()

	state := filepath.Join(t.TempDir(), "state")
	res := runBinary(t, t.TempDir(), gittest.Env(), "deploy", "--once", "--repo", bare, "--state", state)
	if res.code != 0 || !strings.Contains(res.stdout, "mlcd commits to k8s/ on main; nothing is served here") || strings.Contains(res.stdout, "model endpoint") {
		t.Fatalf("mlcd deploy --once: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	manifests, err := gittest.TryGit(bare, nil, "show", "main:k8s/churn.yaml")
	if err != nil || !strings.Contains(manifests, `- "churn@1"`) {
		t.Fatalf("manifests on main: %v\n%s", err, manifests)
	}
	data, err := gittest.TryGit(bare, nil, "show", "main:"+journal.Path("churn"))
	if err != nil {
		t.Fatalf("no record on the branch: %v", err)
	}
	rec, err := journal.Parse(journal.Path("churn"), []byte(data+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c := rec.Current; c == nil || c.Target != journal.TargetKubernetes || c.Status != journal.StatusCommitted || c.Version != 1 {
		t.Errorf("record: current = %+v", rec.Current)
	}
}

func TestDeployCommand_FollowsTheBranch(t *testing.T) {
	t.Parallel()
	storeDir := t.TempDir()
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.PutFile(context.Background(), "../../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	version := func(n int) regtest.Version {
		return regtest.Version{Model: "churn", N: n, SHA256: obj.SHA256, Size: obj.Size}
	}
	p.Write("mlcd.yaml", "version: 1\npipeline: demo\ntasks:\n  train: {run: \"true\", model: "+version(1).Spec()+"}\ndeploy: {require: none}\n")
	trained := p.Commit("the pipeline")
	for n, stage := range map[int]registry.Stage{1: registry.StageProduction, 2: registry.StageNone} {
		v := version(n)
		v.Stage, v.TrainedOn = stage, trained
		regtest.Write(p, v)
	}
	p.Commit("churn v1 in Production")
	p.Push()

	state := filepath.Join(t.TempDir(), "state")
	start := func(addr string) *serveProc {
		cmd := exec.Command(mlcdBinary(t), "deploy", "--repo", bare, "--state", state, "--listen", addr, "--interval", "200ms")
		cmd.Env = append(append(os.Environ(), gittest.Env()...), "MLCD_STORE="+storeDir)
		return startProc(t, cmd, addr)
	}
	proc := start(anyPort)
	addr := proc.Addr
	waitVersion(t, addr, "1")
	waitRecorded(t, bare, 1) // the bot's commit follows the switch
	p.Git("pull", "--quiet", "--rebase", "origin", "main")
	v2 := version(2)
	v2.TrainedOn = trained
	p.Write(registry.VersionPath("churn", 2), v2.VersionFile(registry.StageProduction))
	p.Commit("promote churn v2")
	p.Push()
	waitVersion(t, addr, "2")

	proc.kill()
	// On a port of its own again: the killed one's port, free once it
	// died, could be taken by another test's server before this one
	// listened on it.
	addr = start(anyPort).Addr
	// From deployments/churn.yaml, or the desired state if the kill beat the record.
	waitVersion(t, addr, "2")
	waitRecorded(t, bare, 2)
}

// waitRecorded waits until the remote's deployments/churn.yaml says
// version n serves and the versions before it are archived.
func waitRecorded(t *testing.T, bare string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec, _ := gittest.TryGit(bare, nil, "show", "main:"+journal.Path("churn"))
		ok := strings.Contains(rec, "current:\n  version: "+strconv.Itoa(n)+"\n")
		for i := 1; i < n; i++ {
			old, _ := gittest.TryGit(bare, nil, "show", "main:"+registry.VersionPath("churn", i))
			ok = ok && strings.Contains(old, "stage: Archived")
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("v%d not recorded as serving (or older versions not archived) after 30s:\n%s", n, rec)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getVersion is the model version the endpoint's /health names.
func getVersion(addr string) string {
	resp, err := http.Get("http://" + addr + "/health")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var h struct {
		ModelVersion string `json:"model_version"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	return h.ModelVersion
}

func waitVersion(t *testing.T, addr, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for getVersion(addr) != want {
		if time.Now().After(deadline) {
			t.Fatalf("/health names version %q after 30s, want %q", getVersion(addr), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
