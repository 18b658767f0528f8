package ghactions

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// setupSteps are the first steps of every job: the commit of the run, and
// mlcd. fullHistory is for the record job, which pushes.
func setupSteps(w *out, fullHistory bool) {
	w.line(2, "steps:")
	w.line(3, "- uses: %s", CheckoutAction)
	w.line(4, "with:")
	if fullHistory {
		w.line(5, "fetch-depth: 0")
	}
	w.line(5, "persist-credentials: false # mlcd pushes with GITHUB_TOKEN; tasks never see a token")
	w.line(3, "- uses: %s", SetupGoAction)
	w.line(4, "with:")
	w.line(5, "go-version: stable")
	w.line(3, "- name: Install mlcd")
	w.line(4, "run: %s", InstallMLCD)
}

// mlcdEnv writes the env: of a step that runs mlcd, with the store's
// credentials and the given secrets.
func mlcdEnv(w *out, secrets ...string) {
	w.line(4, "env:")
	for _, kv := range storeEnv {
		w.line(5, "%s: %s", kv[0], kv[1])
	}
	for _, s := range secrets {
		w.line(5, "%s: ${{ secrets.%s }}", s, s)
	}
}

// runsOn is the runs-on: value of labels.
func runsOn(labels []string) string {
	switch len(labels) {
	case 0:
		return pipeline.DefaultRunsOn
	case 1:
		return scalar(labels[0])
	}
	return flow(labels)
}

// planJobYAML writes the job that starts the run: `mlcd task plan` puts
// the plan into the store and names the run.
func planJobYAML(w *out, p *pipeline.Pipeline) {
	w.line(1, "%s:", planJob)
	w.line(2, "# Start the run: its plan goes into the store, its id to the other jobs.")
	w.line(2, "runs-on: %s", runsOn(p.Defaults.RunsOn))
	w.line(2, "permissions:")
	w.line(3, "contents: read")
	w.line(2, "outputs:")
	w.line(3, "run: ${{ steps.plan.outputs.run }}")
	setupSteps(w, false)
	w.line(3, "- name: Plan the run")
	w.line(4, "id: plan")
	w.line(4, "run: |")
	if bucketStore(p.Store) {
		w.line(5, "# Without MLCD_STORE, the store: of %s.", pipeline.FileName)
	} else {
		w.line(5, `if [ -z "$MLCD_STORE" ]; then`)
		w.line(6, `echo "::error::Set the repository variable MLCD_STORE to the object store the jobs share (docs/github-actions.md)."`)
		w.line(6, "exit 1")
		w.line(5, "fi")
	}
	w.line(5, `case "$EVENT" in push | schedule) trigger=$EVENT ;; *) trigger=manual ;; esac`)
	w.line(5, `run=$(mlcd task plan --trigger "$trigger")`)
	w.line(5, `echo "run=$run" >> "$GITHUB_OUTPUT"`)
	mlcdEnv(w)
	w.line(5, "EVENT: ${{ github.event_name }}")
}

// taskJobYAML writes the job of one task, or of a group's tasks one after
// the other.
func taskJobYAML(w *out, j *job, setup []string) {
	w.line(1, "%s:", scalar(j.id))
	if j.group != "" {
		w.line(2, "# Group %s: %s, in this order, on one runner.", j.group, strings.Join(taskNames(j.tasks), ", "))
	}
	w.line(2, "needs: %s", flow(append([]string{planJob}, j.needs...)))
	if len(j.needs) > 0 && anyRule(j) {
		w.line(2, "# A trigger rule other than all_success: the job runs whatever its needs")
		w.line(2, "# ended, and `mlcd task exec` applies the rule.")
		w.line(2, "if: ${{ !cancelled() && needs.%s.result == 'success' }}", planJob)
	}
	w.line(2, "runs-on: %s", runsOn(j.runsOn))
	if m := timeoutMinutes(j.tasks); m > 0 {
		w.line(2, "timeout-minutes: %d # the tasks' timeouts and retries, and the setup", m)
	}
	w.line(2, "permissions:")
	w.line(3, "contents: read")
	w.line(2, "env:")
	w.line(3, "%s: ${{ needs.%s.outputs.run }}", RunVar, planJob)
	w.line(3, "MLCD_JOB_ID: ${{ github.run_id }}/%s # the run record names the job that ran each task", j.id)
	setupSteps(w, false)
	if len(setup) > 0 {
		w.line(3, "- name: Install what the tasks need")
		w.line(4, "run: |")
		for _, s := range setup {
			w.line(5, "%s", strings.TrimSpace(s))
		}
	}
	for i, t := range j.tasks {
		w.line(3, "- name: %s", scalar("task "+t.Name))
		if i > 0 {
			// A failed task does not stop its group: exec runs the tasks
			// that do not need it and records the others as upstream_failed.
			w.line(4, "if: ${{ !cancelled() }}")
		}
		w.line(4, `run: mlcd task exec --run "$%s" --task %s`, RunVar, t.Name)
		mlcdEnv(w, t.Secrets...)
	}
}

func taskNames(tasks []*pipeline.Task) []string {
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = t.Name
	}
	return names
}

// anyRule: a task of the job has a trigger rule other than all_success,
// so the job must start even when one of its needs failed.
func anyRule(j *job) bool {
	return slices.ContainsFunc(j.tasks, func(t *pipeline.Task) bool { return t.TriggerRule != pipeline.AllSuccess })
}

// setupAllowance is the time a job's setup may take: checkout, Go, mlcd.
const setupAllowance = 15 * time.Minute

// maxJobMinutes is the longest job GitHub runs (on a self-hosted runner).
const maxJobMinutes = 5 * 24 * 60

// timeoutMinutes is the job's limit when every task has a timeout: every
// attempt to its timeout, the longest waits between them, and the setup.
// 0 means no limit of the job's own.
func timeoutMinutes(tasks []*pipeline.Task) int {
	total := setupAllowance
	for _, t := range tasks {
		if t.Timeout <= 0 {
			return 0
		}
		total += time.Duration(t.Retries+1)*t.Timeout + time.Duration(t.Retries)*t.MaxDelay
	}
	return int(min(math.Ceil(total.Minutes()), maxJobMinutes))
}

// recordJobYAML writes the last job: it runs whatever the tasks' jobs did,
// so that a failed run is recorded too, and pushes the record as the bot.
func recordJobYAML(w *out, p *pipeline.Pipeline, jobs []*job) {
	needs := []string{planJob}
	for _, j := range jobs {
		needs = append(needs, j.id)
	}
	w.line(1, "%s:", recordJob)
	w.line(2, "# Assemble the run record from the tasks' results in the store, register")
	w.line(2, "# the new model versions, and push both as the bot; also when tasks failed.")
	w.line(2, "needs: %s", flow(needs))
	w.line(2, "if: ${{ always() && needs.%s.result == 'success' }}", planJob)
	w.line(2, "runs-on: %s", runsOn(p.Defaults.RunsOn))
	w.line(2, "permissions:")
	w.line(3, "contents: write # push runs/ and models/ as the bot")
	w.line(2, "env:")
	w.line(3, "%s: ${{ needs.%s.outputs.run }}", RunVar, planJob)
	setupSteps(w, true)
	w.line(3, "- name: Record the run")
	w.line(4, `run: mlcd task collect --run "$%s" --push`, RunVar)
	mlcdEnv(w, "GITHUB_TOKEN")
}

// String is the group as the command line writes it.
func (g Group) String() string { return fmt.Sprintf("%s=%s", g.Name, strings.Join(g.Tasks, ",")) }

// bucketStore reports whether mlcd.yaml's store: is in an object store,
// which every runner can reach; a folder is on one machine only.
func bucketStore(url string) bool {
	for _, scheme := range []string{"s3://", "gs://", "azblob://"} {
		if strings.HasPrefix(url, scheme) {
			return true
		}
	}
	return false
}
