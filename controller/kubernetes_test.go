package controller

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/registry"
)

const kubeFile = "deploy/k8s/churn-xgb.yaml"

// kubeDeploy is the deploy: section of a pipeline served by Kubernetes.
func kubeDeploy(extra string) string {
	return "deploy:\n  require: merge-commit\n  target: kubernetes\n  kubernetes:\n    path: deploy/k8s\n" +
		"    namespace: ml\n    image: ghcr.io/acme/mlcd:1.4\n" + extra
}

// servedManifests decodes the manifests at rev:file of the bare remote
// strictly into Kubernetes' types and returns the Deployment, after
// checking the ConfigMap holds the version file the pod serves.
func servedManifests(t *testing.T, bare, rev, file string) *appsv1.Deployment {
	t.Helper()
	data, err := gittest.TryGit(bare, nil, "show", rev+":"+file)
	if err != nil {
		t.Fatalf("no manifests at %s:%s: %v", rev, file, err)
	}
	docs := bytes.Split([]byte(data+"\n"), []byte("\n---\n"))
	if len(docs) != 3 {
		t.Fatalf("%d documents at %s:%s, want ConfigMap, Deployment, Service", len(docs), rev, file)
	}
	var cm corev1.ConfigMap
	var dep appsv1.Deployment
	var svc corev1.Service
	for i, into := range []any{&cm, &dep, &svc} {
		if err := yaml.UnmarshalStrict(docs[i], into); err != nil {
			t.Fatalf("document %d of %s:%s: %v", i, rev, file, err)
		}
	}
	args := dep.Spec.Template.Spec.Containers[0].Args
	n, _ := strconv.Atoi(strings.TrimPrefix(args[1], "churn-xgb@"))
	v, err := registry.Parse(registry.VersionPath(gatedModel, n), []byte(cm.Data["v"+strconv.Itoa(n)+".yaml"]))
	if err != nil {
		t.Fatalf("the ConfigMap's version file: %v", err)
	}
	if v.Artifact.SHA256 != args[len(args)-1] || v.Stage != registry.StageProduction {
		t.Errorf("the ConfigMap holds %s v%d (%s) at %s; the pod serves digest %s", v.Model, v.Version, v.Artifact.SHA256, v.Stage, args[len(args)-1])
	}
	return &dep
}

// served is what a Deployment runs: model@version and its digest.
func served(dep *appsv1.Deployment) (spec, digest string) {
	args := dep.Spec.Template.Spec.Containers[0].Args
	return args[1], args[len(args)-1]
}

// lastCommitOf is the last commit of rev's history that touched path.
func lastCommitOf(t *testing.T, bare, rev, path string) string {
	t.Helper()
	return gittest.Git(t, bare, "log", "-1", "--format=%H", rev, "--", path)
}

func TestController_KubernetesTargetCommitsManifests(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, kubeDeploy("    store: s3://models/churn?region=eu-west-1\n"))
	state := t.TempDir()
	var h hook
	c := newController(t, bare, func(cfg *Config) { cfg.StateDir = state; cfg.OnDeploy = h.onDeploy })
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}

	// A promotion through the gate: its manifests are committed.
	merge1, _ := promoteMerge(p, 1)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	m1 := lastCommitOf(t, bare, "main", kubeFile)
	if m1 == "" {
		t.Fatalf("no manifests committed to %s", kubeFile)
	}
	if spec, digest := served(servedManifests(t, bare, "main", kubeFile)); spec != "churn-xgb@1" || digest != strings.Repeat("1", 64) {
		t.Errorf("the Deployment serves %s with digest %s, want churn-xgb@1 pinned to v1's digest", spec, digest)
	}
	if calls := h.got(); len(calls) != 0 {
		t.Errorf("OnDeploy called %v: Kubernetes serves the version, not this process", calls)
	}
	rec := remoteRecord(t, bare)
	want := journal.Served{Version: 1, Digest: strings.Repeat("1", 64), Commit: merge1, Target: journal.TargetKubernetes,
		Manifests: m1, Endpoint: "mlcd-churn-xgb.ml.svc:8080", Status: journal.StatusCommitted}
	if got := rec.Current; got == nil || got.Since.IsZero() {
		t.Fatalf("current = %+v", got)
	} else if got.Since = want.Since; *got != want {
		t.Errorf("current = %+v\nwant      %+v", *got, want)
	}
	if last := rec.History[len(rec.History)-1]; last.Kind != journal.KindDeploy || last.Manifests != m1 || last.Target != journal.TargetKubernetes {
		t.Errorf("last event = %+v, want a deploy naming the manifests' commit %s", last, m1)
	}
	if d := c.Status().Desired[gatedModel]; d.Manifests != m1 || d.Target != journal.TargetKubernetes {
		t.Errorf("desired = %+v", d)
	}
	// The bot's manifests start no run.
	if need, err := c.needsRun(ctx, remoteHead(t, bare), []string{kubeFile}); err != nil || need {
		t.Errorf("needsRun(%s) = %v, %v: the bot's manifests must not start a run", kubeFile, need, err)
	}

	// A second promotion: new manifests on top; the previous commit of
	// the file is v1's, which is what a rollback (a revert) brings back.
	promoteMerge(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := lastCommitOf(t, bare, "main", kubeFile)
	if spec, _ := served(servedManifests(t, bare, m2, kubeFile)); m2 == m1 || spec != "churn-xgb@2" {
		t.Fatalf("after v2's promotion the manifests (%s) serve %s", m2, spec)
	}
	if prev := lastCommitOf(t, bare, m2+"^", kubeFile); prev != m1 {
		t.Errorf("the manifests' previous commit is %s, want v1's %s", prev, m1)
	}
	if got := remoteRecord(t, bare).Current; got.Version != 2 || got.Manifests != m2 {
		t.Errorf("current = %+v, want v2 with manifests %s", got, m2)
	}
	pullKeeping(p)
	p.Git("revert", "--no-edit", m2)
	if got, want := p.Git("show", "HEAD:"+kubeFile), gittest.Git(t, bare, "show", m1+":"+kubeFile); got != want {
		t.Errorf("reverting the manifests' commit gives:\n%s\nwant v1's manifests:\n%s", got, want)
	}
	p.Git("reset", "--hard", "origin/main")

	// A refused promotion writes no manifests.
	tip := remoteHead(t, bare)
	refused := promoteDirect(p, 1)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lastCommitOf(t, bare, "main", kubeFile); got != m2 {
		t.Errorf("a refused promotion committed manifests %s", got)
	}
	rec = remoteRecord(t, bare)
	if last := rec.History[len(rec.History)-1]; last.Kind != journal.KindRefusal || last.Commit != refused {
		t.Errorf("last event = %+v, want the refusal of %s", last, refused[:7])
	}
	if rec.Current.Version != 2 || rec.Current.Manifests != m2 {
		t.Errorf("current = %+v after a refusal, want v2 unchanged", rec.Current)
	}
	_ = tip

	// A restart and a fresh state (a CI job) commit nothing again.
	tip = remoteHead(t, bare)
	c2 := newController(t, bare, func(cfg *Config) { cfg.StateDir = state })
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := newController(t, bare, nil)
	if err := fresh.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if now := remoteHead(t, bare); now != tip {
		t.Errorf("a restart or a fresh state committed again: %s -> %s\n%s", tip[:7], now[:7], gittest.Git(t, bare, "log", "--format=%h %s", tip+"..main"))
	}
	if d := fresh.Status().Desired[gatedModel]; d.Version != 2 || d.Manifests != m2 {
		t.Errorf("a fresh state's desired = %+v, want v2 at manifests %s", d, m2)
	}
	// mlcd watch's deployer (restoring what the gate allowed) serves
	// nothing Kubernetes serves.
	d, err := fresh.StartDeployer(ctx, DeployerOptions{Endpoint: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	if s, ok := d.Serving(gatedModel); ok {
		t.Errorf("the local deployer serves %+v of a model Kubernetes serves", s)
	}
	if now := remoteHead(t, bare); now != tip {
		t.Errorf("the local deployer recorded something: %s", gittest.Git(t, bare, "log", "--format=%h %s", tip+"..main"))
	}
	gittest.CheckNoForcedUpdates(t, bare, "main")
}

func TestController_KubernetesManifestsOnABranchOfTheirOwn(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, kubeDeploy("    branch: gitops\n    store: s3://models/churn\n"))
	c := newController(t, bare, nil)
	ctx := context.Background()
	promoteMerge(p, 1)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	gitops := gittest.Git(t, bare, "rev-parse", "gitops")
	if spec, _ := served(servedManifests(t, bare, "gitops", kubeFile)); spec != "churn-xgb@1" {
		t.Errorf("gitops serves %s", spec)
	}
	if files := gittest.Git(t, bare, "ls-tree", "-r", "--name-only", "gitops"); files != kubeFile {
		t.Errorf("gitops holds %q, want the manifests alone", files)
	}
	if _, ok := remoteFile(t, bare, kubeFile); ok {
		t.Errorf("the manifests are on main too")
	}
	if got := remoteRecord(t, bare).Current; got == nil || got.Manifests != gitops {
		t.Errorf("current = %+v, want the manifests' commit %s on gitops", got, gitops)
	}
}

func TestController_KubernetesNeedsAStorePodsReach(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, kubeDeploy(""))
	c := newController(t, bare, nil) // the store: a folder of this machine
	ctx := context.Background()
	promoteMerge(p, 1)
	err := c.ReconcileDeploys(ctx)
	if err == nil || !strings.Contains(err.Error(), "pods cannot read") || !strings.Contains(err.Error(), "deploy.kubernetes.store") {
		t.Fatalf("err = %v, want a clear error about the store", err)
	}
	if _, ok := remoteFile(t, bare, kubeFile); ok {
		t.Error("manifests committed with a store the pods cannot reach")
	}
	// The decision is kept; fixing mlcd.yaml commits the manifests.
	pullKeeping(p)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+kubeDeploy("    store: s3://models/churn\n"))
	p.Commit("the pods read the models from S3")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if spec, _ := served(servedManifests(t, bare, "main", kubeFile)); spec != "churn-xgb@1" {
		t.Errorf("serves %s", spec)
	}
}

// TestController_ManifestsStartNoRun: on the tracked branch, the
// manifests folder is the bot's, like runs/: a change there alone starts
// no run even when on.paths takes every path.
func TestController_ManifestsStartNoRun(t *testing.T) {
	t.Parallel()
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", "pipeline: demo\ntasks:\n  a: {run: \"true\"}\n"+kubeDeploy(""))
	head := p.Commit("the pipeline")
	p.Push()
	c := newController(t, bare, nil)
	ctx := context.Background()
	if _, err := c.repo.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		paths []string
		want  bool
	}{
		{[]string{kubeFile}, false},
		{[]string{kubeFile, journal.Path(gatedModel)}, false},
		{[]string{"deploy/k8sx/a.yaml"}, true},
		{[]string{kubeFile, "src/train.py"}, true},
	} {
		if got, err := c.needsRun(ctx, head, tt.paths); err != nil || got != tt.want {
			t.Errorf("needsRun(%v) = %v, %v; want %v", tt.paths, got, err, tt.want)
		}
	}
}

// TestController_KubernetesTargetSurvivesABrokenPipeline: an invalid
// mlcd.yaml at the tip does not turn a Kubernetes deploy into a local one,
// even for a fresh state.
func TestController_KubernetesTargetSurvivesABrokenPipeline(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, kubeDeploy("    store: s3://models/churn\n"))
	merge, _ := promoteMerge(p, 1)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+kubeDeploy("    store: s3://models/churn\n")+"  bogus: 1\n")
	p.Commit("a typo")
	p.Push()
	var h hook
	c := newController(t, bare, func(cfg *Config) { cfg.OnDeploy = h.onDeploy })
	if err := c.ReconcileDeploys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls := h.got(); len(calls) != 0 {
		t.Errorf("OnDeploy called %v: the version went to the local deployer", calls)
	}
	if spec, _ := served(servedManifests(t, bare, "main", kubeFile)); spec != "churn-xgb@1" {
		t.Errorf("serves %s", spec)
	}
	if got := remoteRecord(t, bare).Current; got == nil || got.Target != journal.TargetKubernetes || got.Commit != merge {
		t.Errorf("current = %+v", got)
	}
}

// deploy.kubernetes.image decides what serves a promoted version: a
// direct push changing it does not take effect (the next promotion's
// manifests keep the image in force), a merge that brings it does.
func TestController_KubernetesImageChangesOnlyThroughTheGate(t *testing.T) {
	t.Parallel()
	section := kubeDeploy("    store: s3://models/churn?region=eu-west-1\n")
	bare, p := gatedRemote(t, section)
	c := newController(t, bare, nil)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	image := func() string {
		t.Helper()
		return servedManifests(t, bare, "main", kubeFile).Spec.Template.Spec.Containers[0].Image
	}

	pullKeeping(p)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+strings.Replace(section, "ghcr.io/acme/mlcd:1.4", "evil.example/mlcd:1", 1))
	pushed := p.Commit("another image")
	p.Push()
	promoteMerge(p, 1)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := image(); got != "ghcr.io/acme/mlcd:1.4" {
		t.Errorf("after a direct push of another image the manifests run %q, want the image in force", got)
	}
	var refused bool
	for _, e := range c.Status().Errors {
		refused = refused || strings.Contains(e.Message, "commit "+pushed[:7]+" changes what serves (deploy.kubernetes.image goes from")
	}
	if !refused {
		t.Errorf("status errors %+v; want the image change refused, saying why", c.Status().Errors)
	}

	pullKeeping(p)
	p.Branch("image")
	p.Write("mlcd.yaml", demoPipeline+gatedTask+strings.Replace(section, "ghcr.io/acme/mlcd:1.4", "ghcr.io/acme/mlcd:1.5", 1))
	p.Commit("mlcd 1.5")
	p.Switch("main")
	p.Merge("image", "Merge pull request from image")
	p.Push()
	promoteMerge(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := image(); got != "ghcr.io/acme/mlcd:1.5" {
		t.Errorf("after a merge bringing another image the manifests run %q, want it", got)
	}
}
