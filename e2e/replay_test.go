package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/mlcd-dev/mlcd/ghactions"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// A replay of a GitHub Actions workflow on this machine, as GitHub would
// run it with no two jobs on one runner: the jobs in an order their needs:
// allow, each in a folder of its own (a fresh clone, an empty HOME and
// TMPDIR, its own bin on PATH), with the expressions of its if:, env: and
// outputs: evaluated, and the actions it uses replaced by what they do
// (checkout: a clone of the pushed commit; setup-go: nothing, since mlcd
// comes from the test). Jobs share nothing the replay gives them but the
// variables and secrets, so what one job leaves on its disk no other sees.

// workflowFile is a workflow as the replay reads it: strictly, so that a
// key it does not know fails the replay instead of being ignored.
type workflowFile struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency map[string]any    `yaml:"concurrency"`
	Env         map[string]string `yaml:"env"`
	Jobs        map[string]*wfJob `yaml:"jobs"`
}

type wfJob struct {
	Needs          []string          `yaml:"needs"`
	If             string            `yaml:"if"`
	RunsOn         any               `yaml:"runs-on"`
	TimeoutMinutes int               `yaml:"timeout-minutes"`
	Permissions    map[string]string `yaml:"permissions"`
	Outputs        map[string]string `yaml:"outputs"`
	Env            map[string]string `yaml:"env"`
	Steps          []wfStep          `yaml:"steps"`
}

type wfStep struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	Uses string            `yaml:"uses"`
	With map[string]any    `yaml:"with"`
	If   string            `yaml:"if"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
}

// jobResult is how a job ended: success, failure or skipped.
type jobResult struct {
	result  string
	outputs map[string]string
	dir     string // the job's own folder
	log     strings.Builder
}

// replayer holds what the replay gives every job.
type replayer struct {
	t        *testing.T
	cloneURL string // the checkout's URL, with the credentials actions/checkout has
	plainURL string // origin after the checkout (persist-credentials: false)
	sha      string // the pushed commit
	mlcd     string // the mlcd binary "Install mlcd" puts on PATH
	root     string // each job's folder is root/<job>
	secrets  map[string]string
	vars     map[string]string
	github   map[string]string
}

// play runs the workflow and returns each job's result, by id, and the
// order the jobs ran in.
func (r *replayer) play(data []byte) (map[string]*jobResult, []string) {
	r.t.Helper()
	var wf workflowFile
	if err := yaml.UnmarshalWithOptions(data, &wf, yaml.Strict()); err != nil {
		r.t.Fatalf("the replay cannot read the workflow: %v", err)
	}
	order := jobOrder(r.t, wf.Jobs)
	results := map[string]*jobResult{}
	for _, id := range order {
		res := r.playJob(&wf, id, results)
		results[id] = res
		if r.t.Failed() {
			r.t.Logf("job %s (%s):\n%s", id, res.result, res.log.String())
			r.t.FailNow()
		}
	}
	return results, order
}

// jobOrder is an order of the jobs in which each comes after its needs;
// ties go by id, so that the replay is the same every time.
func jobOrder(t *testing.T, jobs map[string]*wfJob) []string {
	t.Helper()
	ids := make([]string, 0, len(jobs))
	for id, j := range jobs {
		ids = append(ids, id)
		for _, n := range j.Needs {
			if jobs[n] == nil {
				t.Fatalf("job %s needs %q, which the workflow does not have", id, n)
			}
		}
	}
	sort.Strings(ids)
	var order []string
	done := map[string]bool{}
	for len(order) < len(ids) {
		progress := false
		for _, id := range ids {
			if !done[id] && !slices.ContainsFunc(jobs[id].Needs, func(n string) bool { return !done[n] }) {
				order, done[id], progress = append(order, id), true, true
			}
		}
		if !progress {
			t.Fatalf("the jobs' needs make a cycle: ran %v of %v", order, ids)
		}
	}
	return order
}

func (r *replayer) playJob(wf *workflowFile, id string, results map[string]*jobResult) *jobResult {
	t := r.t
	j := wf.Jobs[id]
	res := &jobResult{outputs: map[string]string{}, dir: filepath.Join(r.root, id)}
	sc := &exprScope{secrets: r.secrets, vars: r.vars, github: r.github, needs: map[string]*jobResult{}, steps: map[string]map[string]string{}, success: true}
	for _, n := range j.Needs {
		sc.needs[n] = results[n]
		sc.success = sc.success && results[n].result == "success"
	}
	cond := j.If
	if cond == "" {
		cond = "success()"
	}
	if ok, err := condition(cond, sc); err != nil || !ok {
		if err != nil {
			t.Errorf("job %s: %v", id, err)
		}
		res.result = "skipped"
		return res
	}
	for _, sub := range []string{"home", "tmp", "bin", "work"} {
		if err := os.MkdirAll(filepath.Join(res.dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := r.baseEnv(res.dir)
	for _, layer := range []map[string]string{wf.Env, j.Env} {
		env = r.addEnv(id, env, layer, sc)
	}
	res.result = "success"
	if !r.playSteps(id, j.Steps, env, sc, res) {
		res.result = "failure"
	}
	for name, expr := range j.Outputs {
		v, err := interpolate(expr, sc)
		if err != nil {
			t.Errorf("job %s: outputs.%s: %v", id, name, err)
		}
		res.outputs[name] = v
	}
	return res
}

// playSteps runs the job's steps as GitHub does: a step runs when its if:
// says so, by default when every step before it succeeded. It reports
// whether they all did.
func (r *replayer) playSteps(id string, steps []wfStep, env map[string]string, sc *exprScope, res *jobResult) bool {
	for _, s := range steps {
		if s.ID != "" {
			sc.steps[s.ID] = map[string]string{} // a step that fails or is skipped has no outputs
		}
	}
	failed := false
	for i, s := range steps {
		sc.success = !failed
		cond := s.If
		if cond == "" {
			cond = "success()"
		}
		ok, err := condition(cond, sc)
		if err != nil {
			r.t.Errorf("job %s step %d: %v", id, i, err)
			return false
		}
		if !ok {
			fmt.Fprintf(&res.log, "-- step %d %s%s: skipped\n", i, s.Name, s.Uses)
			continue
		}
		outputs, err := r.playStep(id, i, s, r.addEnv(id, env, s.Env, sc), res)
		if err != nil {
			fmt.Fprintf(&res.log, "-- step %d failed: %v\n", i, err)
			failed = true
			continue
		}
		if s.ID != "" {
			sc.steps[s.ID] = outputs
		}
	}
	return !failed
}

// baseEnv is what a fresh runner has: its own HOME, TMPDIR and bin on a
// PATH of the system's folders, git's configuration of the machine off.
func (r *replayer) baseEnv(dir string) map[string]string {
	env := map[string]string{
		"HOME": filepath.Join(dir, "home"), "TMPDIR": filepath.Join(dir, "tmp"),
		"PATH":             filepath.Join(dir, "bin") + ":/usr/local/bin:/usr/bin:/bin",
		"GITHUB_WORKSPACE": filepath.Join(dir, "work"), "GITHUB_ACTIONS": "true", "CI": "true",
	}
	for _, kv := range gittest.Env()[len(os.Environ()):] {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// addEnv returns env with the layer's variables, evaluated, on top.
func (r *replayer) addEnv(job string, env, layer map[string]string, sc *exprScope) map[string]string {
	out := make(map[string]string, len(env)+len(layer))
	for k, v := range env {
		out[k] = v
	}
	for k, v := range layer {
		val, err := interpolate(v, sc)
		if err != nil {
			r.t.Errorf("job %s: env %s: %v", job, k, err)
		}
		out[k] = val
	}
	return out
}

// playStep runs one step in the job's folder and returns its outputs.
func (r *replayer) playStep(job string, i int, s wfStep, env map[string]string, res *jobResult) (map[string]string, error) {
	work := filepath.Join(res.dir, "work")
	fmt.Fprintf(&res.log, "-- step %d %s%s\n", i, s.Name, s.Uses)
	switch {
	case s.Uses == ghactions.CheckoutAction:
		r.checkWith(job, s, "fetch-depth", "persist-credentials")
		return nil, r.checkout(work, res)
	case s.Uses == ghactions.SetupGoAction:
		r.checkWith(job, s, "go-version")
		return nil, nil // mlcd is built by the test; the tasks need no Go
	case s.Uses != "":
		r.t.Errorf("job %s: the replay does not know the action %s", job, s.Uses)
		return nil, fmt.Errorf("unknown action")
	case s.Run == ghactions.InstallMLCD:
		return nil, os.Symlink(r.mlcd, filepath.Join(res.dir, "bin", "mlcd"))
	}
	outFile := filepath.Join(res.dir, "tmp", fmt.Sprintf("github-output-%d", i))
	if err := os.WriteFile(outFile, nil, 0o644); err != nil {
		return nil, err
	}
	env["GITHUB_OUTPUT"] = outFile
	script := filepath.Join(res.dir, "tmp", fmt.Sprintf("step-%d.sh", i))
	if err := os.WriteFile(script, []byte(s.Run), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-e", script)
	cmd.Dir = work
	cmd.Env = nil
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = &res.log, &res.log
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	return readOutputs(outFile)
}

// checkout is actions/checkout: a clone of the pushed commit on its
// branch, with no credentials left in it.
func (r *replayer) checkout(work string, res *jobResult) error {
	for _, args := range [][]string{
		{"clone", "--quiet", r.cloneURL, work},
		{"-C", work, "checkout", "--quiet", "-B", "main", r.sha},
		{"-C", work, "remote", "set-url", "origin", r.plainURL},
	} {
		if out, err := gittest.TryGit("", nil, args...); err != nil {
			fmt.Fprintln(&res.log, out)
			return err
		}
	}
	return nil
}

func (r *replayer) checkWith(job string, s wfStep, known ...string) {
	for k := range s.With {
		if !slices.Contains(known, k) {
			r.t.Errorf("job %s: %s with %s: the replay does not know it", job, s.Uses, k)
		}
	}
}

// readOutputs reads a step's $GITHUB_OUTPUT: name=value lines (the
// multi-line form is not one the workflow uses).
func readOutputs(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.Contains(k, "<<") {
			return nil, fmt.Errorf("GITHUB_OUTPUT: cannot read %q", sc.Text())
		}
		out[k] = v
	}
	return out, sc.Err()
}

// isolationWorkflow has jobs that look for what other jobs left behind.
const isolationWorkflow = `name: isolation
on: {push: {}}
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      word: ${{ steps.w.outputs.word }}
    steps:
      - uses: actions/checkout@v4
      - id: w
        run: |
          echo left > leftover; echo left > "$HOME/leftover"; echo left > "$TMPDIR/leftover"
          echo "word=hello" >> "$GITHUB_OUTPUT"
  b:
    needs: [a]
    runs-on: ubuntu-latest
    env:
      WORD: ${{ needs.a.outputs.word }}
    steps:
      - uses: actions/checkout@v4
      - run: |
          test "$WORD" = hello
          test "$(git rev-parse HEAD)" = "$SHA"
          test ! -e leftover && test ! -e "$HOME/leftover" && test ! -e "$TMPDIR/leftover"
          test -f README
        env:
          SHA: ${{ github.sha }}
  c:
    needs: [a]
    runs-on: ubuntu-latest
    steps:
      - run: exit 1
      - run: echo never
  d:
    needs: [c]
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  e:
    needs: [c]
    if: ${{ always() }}
    runs-on: ubuntu-latest
    steps:
      - run: test -z "$(ls -A)" && test -z "$(ls -A "$HOME")"
`

// The replay itself: a job sees nothing another job left in its checkout,
// HOME or TMPDIR, gets its needs' outputs, and a failed job skips the jobs
// that need it.
func TestReplay_JobsShareNoDisk(t *testing.T) {
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "r.git")
	person := gittest.Person(t, bare)
	person.Write("README", "hello\n")
	sha := person.Commit("a commit")
	person.Push()
	r := &replayer{t: t, cloneURL: bare, plainURL: bare, sha: sha, root: t.TempDir(),
		github: map[string]string{"sha": sha}}
	results, order := r.play([]byte(isolationWorkflow))
	if got := strings.Join(order, " "); got != "a b c d e" {
		t.Errorf("order %s", got)
	}
	want := map[string]string{"a": "success", "b": "success", "c": "failure", "d": "skipped", "e": "success"}
	for id, w := range want {
		if results[id].result != w {
			t.Errorf("job %s: %s, want %s\n%s", id, results[id].result, w, results[id].log.String())
		}
	}
	if strings.Contains(results["c"].log.String(), "never") {
		t.Error("a step after a failed one ran")
	}
}
