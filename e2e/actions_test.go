package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// actionsRepo is a repository on a git server that asks for a token, as
// GitHub does, holding examples/quickstart and the workflow that `mlcd
// export github` wrote for it.
type actionsRepo struct {
	srv    *gittest.Server
	bare   string
	person *gittest.Clone
	mlcd   string
	store  *objectStore
}

// objectStore is the store the jobs share, and nothing else: a bucket on a
// real S3 server (versitygw) on loopback, its URL in the repository's
// variable MLCD_STORE and its credentials in the secrets, as a repository
// on GitHub holds them.
type objectStore struct {
	url     string
	secrets map[string]string
	dir     string // where the server keeps the objects, for the test's checks
}

func newObjectStore(t *testing.T) *objectStore {
	t.Helper()
	srv, err := s3test.Start(context.Background(), t.TempDir())
	switch {
	case errors.Is(err, s3test.ErrNotInstalled) && os.Getenv("CI") != "true":
		t.Skip(err.Error())
	case err != nil:
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	bucket := srv.NewBucket(t)
	return &objectStore{
		url:     srv.URL(bucket, "mlcd"),
		secrets: map[string]string{"AWS_ACCESS_KEY_ID": srv.Access, "AWS_SECRET_ACCESS_KEY": srv.Secret},
		dir:     filepath.Join(srv.Root, bucket, "mlcd"),
	}
}

// vars are the repository's variables: MLCD_STORE.
func (a *actionsRepo) vars() map[string]string { return map[string]string{"MLCD_STORE": a.store.url} }

const actionsToken = "ghs_replayToken"

func newActionsRepo(t *testing.T, exportArgs ...string) *actionsRepo {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "examples", "quickstart"))
	if err != nil {
		t.Fatal(err)
	}
	return newActionsRepoOf(t, func(dir, _ string) { overlay(t, src, dir, ".") }, exportArgs...)
}

// newActionsRepoOf is newActionsRepo with the files that fill(dir, mlcd)
// writes into the person's clone.
func newActionsRepoOf(t *testing.T, fill func(dir, mlcd string), exportArgs ...string) *actionsRepo {
	t.Helper()
	root := t.TempDir()
	a := &actionsRepo{bare: gittest.NewBareIn(t, root, "ml.git"), mlcd: filepath.Join(t.TempDir(), "mlcd")}
	a.srv = gittest.Serve(t, root, gittest.ServeOptions{User: "x-access-token", Password: actionsToken})
	proctest.BuildMlcd(t, a.mlcd)
	a.person = gittest.Person(t, a.srv.AuthURL("ml.git"))
	fill(a.person.Dir, a.mlcd)
	export := exec.Command(a.mlcd, append([]string{"export", "github", "--out", ".github/workflows/mlcd-tasks.yml"}, exportArgs...)...)
	export.Dir = a.person.Dir
	if out, err := export.CombinedOutput(); err != nil {
		t.Fatalf("mlcd export github: %v\n%s", err, out)
	}
	a.person.Git("add", ".")
	a.person.Commit("a pipeline, with its tasks as GitHub Actions jobs")
	a.person.Push()
	a.store = newObjectStore(t)
	return a
}

// replay plays the pushed workflow as GitHub runs it after the push.
func (a *actionsRepo) replay(t *testing.T, vars map[string]string) (map[string]*jobResult, []string) {
	t.Helper()
	wf, err := os.ReadFile(filepath.Join(a.person.Dir, ".github", "workflows", "mlcd-tasks.yml"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"GITHUB_TOKEN": actionsToken}
	for k, v := range a.store.secrets {
		secrets[k] = v
	}
	r := &replayer{
		t: t, cloneURL: a.srv.AuthURL("ml.git"), plainURL: a.srv.URL("ml.git"), sha: a.person.Head(), mlcd: a.mlcd,
		root:    t.TempDir(),
		secrets: secrets,
		vars:    vars,
		github:  map[string]string{"event_name": "push", "run_id": "4242", "ref": "refs/heads/main"},
	}
	results, order := r.play(wf)
	for id, res := range results {
		for name, secret := range secrets {
			if strings.Contains(res.log.String(), secret) {
				t.Errorf("job %s printed the secret %s", id, name)
			}
		}
	}
	return results, order
}

// The workflow `mlcd export github` writes, played job by job in fresh
// clones and empty folders that share nothing but the object store: the
// record job pushes a record of every task, with its outputs and metrics
// from the job that ran it, and registers the models.
func TestActionsJobs_Replay(t *testing.T) {
	a := newActionsRepo(t, "--group", "train=train_small,train_medium")
	results, order := a.replay(t, a.vars())
	if got, want := strings.Join(order, " "), "plan prepare train train_large evaluate record"; got != want {
		t.Errorf("the jobs ran in the order %s, want %s", got, want)
	}
	for id, res := range results {
		if res.result != "success" {
			t.Errorf("job %s: %s\n%s", id, res.result, res.log.String())
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	runID := results["plan"].outputs["run"]
	if runID == "" {
		t.Fatal("the plan job has no output run")
	}
	a.person.Pull()
	r, err := pipeline.ReadRun(pipeline.RunPath(a.person.Dir, "quickstart", runID))
	if err != nil {
		t.Fatalf("the record job pushed no record of run %s: %v\n%s", runID, err, results["record"].log.String())
	}
	if r.Status != pipeline.StatusSuccess || r.Trigger.Kind != "push" || r.Git.Commit == "" {
		t.Errorf("run %s: status %s, trigger %q, commit %q", r.ID, r.Status, r.Trigger.Kind, r.Git.Commit)
	}
	wantJob := map[string]string{"prepare": "prepare", "train_small": "train", "train_medium": "train", "train_large": "train_large", "evaluate": "evaluate"}
	for task, job := range wantJob {
		tr := r.Task(task)
		switch {
		case tr == nil:
			t.Errorf("the record has no task %s", task)
		case tr.Status != pipeline.StatusSuccess || len(tr.Outputs) == 0 || len(tr.Metrics) == 0:
			t.Errorf("task %s: %s, outputs %v, metrics %v", task, tr.Status, tr.Outputs, tr.Metrics)
		case tr.JobID != "4242/"+job:
			t.Errorf("task %s ran in job %q, want 4242/%s", task, tr.JobID, job)
		}
	}
	if tr := r.Task("train_small"); tr != nil && (tr.Output("model.txt") == nil || tr.Metrics["accuracy"] <= 0) {
		t.Errorf("train_small: outputs %v, metrics %v", tr.Outputs, tr.Metrics)
	}
	for _, m := range []string{"quickstart-small", "quickstart-medium", "quickstart-large"} {
		v := readFile(t, filepath.Join(a.person.Dir, "models", m, "v1.yaml"))
		if !strings.Contains(v, runID) {
			t.Errorf("models/%s/v1.yaml does not name run %s:\n%s", m, runID, v)
		}
	}
	if log := a.person.Git("log", "-1", "--format=%an %s"); !strings.Contains(log, "record run "+runID) {
		t.Errorf("the last commit is %q, want the bot's record of run %s", log, runID)
	}
	gittest.CheckNoForcedUpdates(t, a.bare, "main")
}

// Without MLCD_STORE the jobs would have no store in common: the plan job
// fails saying what to set, and no task runs and nothing is recorded.
func TestActionsJobs_ReplayWithoutStore(t *testing.T) {
	a := newActionsRepo(t)
	head := a.person.Head()
	results, _ := a.replay(t, nil)
	if res := results["plan"]; res.result != "failure" || !strings.Contains(res.log.String(), "Set the repository variable MLCD_STORE") {
		t.Errorf("plan: %s, want a failure naming MLCD_STORE:\n%s", res.result, res.log.String())
	}
	for id, res := range results {
		if id != "plan" && res.result != "skipped" {
			t.Errorf("job %s: %s, want skipped", id, res.result)
		}
	}
	if got := gittest.Git(t, a.bare, "rev-parse", "main"); got != head {
		t.Errorf("main moved to %s without a run", got)
	}
}

// A task that fails skips the jobs that need it, except a task whose
// trigger rule is all_done, which runs, and does not stop the other tasks
// of its group; the record job still records the run as failed, with the
// tasks that succeeded and their outputs, and registers nothing of the
// failed task.
func TestActionsJobs_ReplayFailedTask(t *testing.T) {
	src, err := filepath.Abs(filepath.Join("..", "examples", "quickstart"))
	if err != nil {
		t.Fatal(err)
	}
	a := newActionsRepoOf(t, func(dir, _ string) {
		overlay(t, src, dir, ".")
		train := readFile(t, filepath.Join(dir, "src", "train.sh"))
		fail := "set -eu\nif [ \"$1\" = small ]; then echo 'out of memory' >&2; exit 3; fi\n"
		yaml := readFile(t, filepath.Join(dir, "mlcd.yaml")) + `  notify:
    needs: [evaluate]
    run: echo "the run ended" > "$MLCD_OUT/notice.txt"
    trigger_rule: all_done
`
		for name, data := range map[string]string{"src/train.sh": strings.Replace(train, "set -eu\n", fail, 1), "mlcd.yaml": yaml} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}, "--group", "train=train_small,train_medium")
	results, _ := a.replay(t, a.vars())
	want := map[string]string{"plan": "success", "prepare": "success", "train": "failure", "train_large": "success",
		"evaluate": "skipped", "notify": "success", "record": "failure"}
	for id, w := range want {
		if got := results[id].result; got != w {
			t.Errorf("job %s: %s, want %s\n%s", id, got, w, results[id].log.String())
		}
	}
	runID := results["plan"].outputs["run"]
	a.person.Pull()
	r, err := pipeline.ReadRun(pipeline.RunPath(a.person.Dir, "quickstart", runID))
	if err != nil {
		t.Fatalf("no record of the failed run %s: %v\n%s", runID, err, results["record"].log.String())
	}
	if r.Status != pipeline.StatusFailed {
		t.Errorf("run %s: %s, want failed", r.ID, r.Status)
	}
	if tr := r.Task("train_small"); tr == nil || tr.Status != pipeline.StatusFailed {
		t.Errorf("train_small: %+v, want failed", tr)
	}
	// The group's next task ran, in the same job, after the failure.
	for _, task := range []string{"train_medium", "train_large"} {
		if tr := r.Task(task); tr == nil || tr.Status != pipeline.StatusSuccess || tr.Output("model.txt") == nil {
			t.Errorf("%s: %+v, want success with its model", task, tr)
		}
	}
	if tr := r.Task("evaluate"); tr == nil || tr.Status != pipeline.StatusUpstreamFailed {
		t.Errorf("evaluate: %+v, want upstream_failed: its job was skipped after train_small failed", tr)
	}
	// all_done: the job ran although its need was skipped, and mlcd task
	// exec ran the task.
	if tr := r.Task("notify"); tr == nil || tr.Status != pipeline.StatusSuccess || tr.Output("notice.txt") == nil {
		t.Errorf("notify: %+v, want success with its notice", tr)
	}
	if _, err := os.Stat(filepath.Join(a.person.Dir, "models", "quickstart-small")); !os.IsNotExist(err) {
		t.Errorf("the failed task's model was registered: %v", err)
	}
	if _, err := os.Stat(filepath.Join(a.person.Dir, "models", "quickstart-medium", "v1.yaml")); err != nil {
		t.Errorf("the model of the group's task that succeeded was not registered: %v", err)
	}
}

// The pipeline `mlcd init` writes (scikit-learn, a model mlcd serves
// itself) replayed as jobs: the record job registers its version with the
// model's digest, which the train job put in the store.
func TestActionsJobs_ReplayScaffold(t *testing.T) {
	requirePython(t)
	a := newActionsRepoOf(t, func(dir, mlcd string) {
		if out, err := exec.Command(mlcd, "init", "--force", dir).CombinedOutput(); err != nil {
			t.Fatalf("mlcd init: %v\n%s", err, out)
		}
	})
	results, order := a.replay(t, a.vars())
	if got := strings.Join(order, " "); got != "plan prepare train record" {
		t.Errorf("jobs ran in the order %s", got)
	}
	for id, res := range results {
		if res.result != "success" {
			t.Fatalf("job %s: %s\n%s", id, res.result, res.log.String())
		}
	}
	runID := results["plan"].outputs["run"]
	a.person.Pull()
	r, err := pipeline.ReadRun(pipeline.RunPath(a.person.Dir, "example", runID))
	if err != nil {
		t.Fatal(err)
	}
	model := r.Task("train").Output("model.pkl")
	if r.Status != pipeline.StatusSuccess || model == nil {
		t.Fatalf("run %s: %s, train's outputs %v", r.ID, r.Status, r.Task("train").Outputs)
	}
	v := readFile(t, filepath.Join(a.person.Dir, "models", "example-linear", "v1.yaml"))
	if !strings.Contains(v, model.SHA256) || !strings.Contains(v, "flavor: sklearn") {
		t.Errorf("models/example-linear/v1.yaml does not name the model %s:\n%s", model.SHA256, v)
	}
	if _, err := os.Stat(filepath.Join(a.store.dir, "sha256", model.SHA256[:2], model.SHA256[2:])); err != nil {
		t.Errorf("the model is not in the bucket: %v", err)
	}
}
