package controller

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/deploy/kubernetes"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// With deploy.target kubernetes, a version the merge gate allows is not
// served by this process: mlcd commits the manifests that serve it to
// deploy.kubernetes.path (on its branch), for Argo CD or Flux to apply,
// and records the manifests' commit in deployments/<model>.yaml. A
// rollback is the previous commit of that file; a refused promotion writes
// no manifests.

// kubeTarget is deploy.kubernetes of mlcd.yaml at head; nil for the local
// target. When mlcd.yaml at head is invalid or missing, the last valid one
// of the branch decides (the gate, too, ignores an invalid mlcd.yaml), so
// that a typo never turns a Kubernetes deploy into a local one.
func (c *Controller) kubeTarget(ctx context.Context, head string) *pipeline.Kubernetes {
	p, err := c.pipelineAt(ctx, head)
	if err != nil || p == nil {
		if p = c.lastValidPipeline(ctx, head); p == nil {
			return c.kube
		}
	}
	c.kube = kubeOf(p)
	return c.kube
}

// lastValidPipeline is the newest mlcd.yaml on head's first-parent line
// that parses; nil when none does.
func (c *Controller) lastValidPipeline(ctx context.Context, head string) *pipeline.Pipeline {
	changed, _, err := c.repo.FirstParentChanges(ctx, head, "", pipeline.FileName, 0)
	if err != nil {
		return nil
	}
	for _, ci := range changed {
		data, err := c.repo.ReadFile(ctx, ci.Hash, pipeline.FileName)
		if err != nil {
			continue // removed there
		}
		if p, err := pipeline.Parse(pipeline.FileName, data); err == nil {
			return p
		}
	}
	return nil
}

// manifestsPending reports whether a desired deployment's manifests are
// still to be committed.
func manifestsPending(st *deployState) bool {
	for _, d := range st.Desired {
		if d.Target == journal.TargetKubernetes && d.Manifests == "" {
			return true
		}
	}
	return false
}

// commitManifests commits, for each model whose desired version's
// manifests are not committed yet, the manifests that serve it, then
// records them in its journal. Only each model's last allowed version is
// written: a pass that allows v2 then v3 commits v3's manifests alone. A
// model that fails keeps its manifests pending for the next pass and
// holds up no other.
func (c *Controller) commitManifests(ctx context.Context, st *deployState, head string) error {
	var errs []error
	for model, want := range st.Desired {
		if want.Target != journal.TargetKubernetes || want.Manifests != "" {
			continue
		}
		if ctx.Err() != nil {
			return errors.Join(append(errs, ctx.Err())...)
		}
		if err := c.commitModelManifests(ctx, st, head, model, want); err != nil {
			errs = append(errs, fmt.Errorf("manifests of %s v%d: %w", model, want.Version, err))
		}
	}
	return errors.Join(errs...)
}

// commitModelManifests commits and records the manifests of one model's
// desired version.
func (c *Controller) commitModelManifests(ctx context.Context, st *deployState, head, model string, want DesiredDeploy) (err error) {
	k := c.kube
	if k == nil {
		return fmt.Errorf("it is to be served by Kubernetes, but mlcd.yaml at %s has no deploy.kubernetes (promote it again to serve it here)", short(head))
	}
	if k, err = imageInForce(k, st.Ledger); err != nil {
		return err
	}
	v, err := c.desiredVersion(ctx, head, model, want)
	if err != nil {
		return err
	}
	commit, err := c.publishManifests(ctx, k, head, v, want)
	if err != nil {
		c.setDeployStatus(ctx, want.Commit, forge.StateError, "manifests not committed: "+err.Error())
		return err
	}
	if err := c.recordManifests(ctx, k, v, want, commit); err != nil {
		return err
	}
	want.Manifests = commit
	st.Desired[model] = want
	if err := c.state.saveDeploys(st); err != nil {
		return err
	}
	c.showDesired(st)
	c.setDeployStatus(ctx, want.Commit, forge.StateSuccess, fmt.Sprintf("manifests of %s v%d committed: %s", model, want.Version, short(commit)))
	c.refreshReport(ctx)
	return nil
}

// imageInForce is k with the image the merge gate let serve: a change of
// deploy.kubernetes.image takes effect only once it passed the gate, so
// that a direct push cannot have the next promotion run another image.
func imageInForce(k *pipeline.Kubernetes, l *gate.Ledger) (*pipeline.Kubernetes, error) {
	if l == nil || !l.Serving || l.Policy.Image == k.Image {
		return k, nil
	}
	if l.Policy.Image == "" {
		return nil, fmt.Errorf("no image in force: deploy.kubernetes.image %q has not passed the merge gate (a change to it takes effect only as a loosening of the gate does)", k.Image)
	}
	inForce := *k
	inForce.Image = l.Policy.Image
	return &inForce, nil
}

// publishManifests writes the manifests of v and commits them as the bot;
// it returns the commit that holds them.
func (c *Controller) publishManifests(ctx context.Context, k *pipeline.Kubernetes, head string, v *registry.Version, want DesiredDeploy) (string, error) {
	storeURL, err := c.podStore(ctx, k, head)
	if err != nil {
		return "", err
	}
	data, err := kubernetes.Manifests(k, kubernetes.Serving{Model: v.Model, Version: v.Version, Digest: v.Artifact.SHA256,
		Commit: want.Commit, VersionFile: registry.Marshal(v), Store: storeURL})
	if err != nil {
		return "", err
	}
	file := kubernetes.File(k, v.Model)
	return c.repo.PublishFolder(ctx, gitstore.FolderUpdate{
		Branch:  k.Branch,
		Folder:  k.Path,
		Message: fmt.Sprintf("mlcd: serve %s v%d on Kubernetes\n\nPromoted by %s; model file sha256 %s.", v.Model, v.Version, want.Commit, v.Artifact.SHA256),
		Files:   map[string][]byte{file: data},
	})
}

// podStore is the artifact store's URL as the pods reach it:
// deploy.kubernetes.store, else the store mlcd uses, which must then be
// one a pod can reach (not a folder of this machine).
func (c *Controller) podStore(ctx context.Context, k *pipeline.Kubernetes, head string) (string, error) {
	if k.Store != "" {
		return k.Store, nil
	}
	p, _ := c.pipelineAt(ctx, head)
	loc, err := c.storeLocation(p)
	if err != nil {
		return "", err
	}
	if scheme, _, ok := strings.Cut(loc.URL, "://"); !ok || scheme == "file" {
		return "", fmt.Errorf("the artifact store %s is a folder of this machine, which pods cannot read: set deploy.kubernetes.store (or store:) to an object store such as s3://bucket/prefix", loc)
	}
	return loc.URL, nil
}

// storeLocation is where openStore finds the artifact store for p.
func (c *Controller) storeLocation(p *pipeline.Pipeline) (store.Location, error) {
	src := store.Sources{Flag: c.cfg.Store, Default: c.cfg.DefaultStore}
	if p != nil {
		src.Config = p.Store
	}
	if src.Default == "" {
		src.Default = c.state.store()
	}
	return store.Locate(src)
}

// recordManifests commits deployments/<model>.yaml: the version is
// "committed" (the cluster's health is Argo CD's or Flux's to report),
// with a deploy event naming the manifests' commit, and the previous
// Production version archived, in one commit.
func (c *Controller) recordManifests(ctx context.Context, k *pipeline.Kubernetes, v *registry.Version, want DesiredDeploy, manifests string) error {
	now := time.Now().UTC()
	cur := &journal.Served{Version: v.Version, Digest: v.Artifact.SHA256, Commit: want.Commit, Target: journal.TargetKubernetes,
		Manifests: manifests, Endpoint: kubernetes.Endpoint(k, v.Model), Since: now, Status: journal.StatusCommitted}
	edit := func(rec *journal.Record, tip fs.FS) (map[string][]byte, error) {
		if old := rec.Current; old != nil && old.Version == cur.Version && old.Manifests == cur.Manifests && old.Target == cur.Target {
			return nil, nil // recorded already (a pass cut short after the journal's commit)
		}
		reg, err := c.registry.Load(tip)
		if reg == nil {
			return nil, err
		}
		files := registry.ArchivePrevious(reg, v.Model, v.Version)
		rec.Current = cur
		rec.Append(journal.Event{Time: now, Kind: journal.KindDeploy, Version: v.Version, Digest: cur.Digest, Commit: want.Commit,
			Target: journal.TargetKubernetes, Manifests: manifests})
		for p := range files {
			if old := versionOfPath(reg, v.Model, p); old != 0 {
				rec.Append(journal.Event{Time: now, Kind: journal.KindArchive, Version: old, Commit: want.Commit,
					Reason: fmt.Sprintf("v%d replaced it in Production", v.Version)})
			}
		}
		return files, nil
	}
	msg := fmt.Sprintf("mlcd: deploy %s v%d (Kubernetes manifests %s)", v.Model, v.Version, short(manifests))
	if err := c.publishJournal(ctx, v.Model, msg, edit); err != nil {
		return fmt.Errorf("record the manifests of %s v%d: %w", v.Model, v.Version, err)
	}
	return nil
}

// inManifests reports whether path (slash-separated) is in the manifests
// folder of k on the tracked branch: the bot's, like runs/ and models/.
func (c *Controller) inManifests(k *pipeline.Kubernetes, path string) bool {
	if k == nil || (k.Branch != "" && k.Branch != c.cfg.Branch) {
		return false
	}
	return strings.HasPrefix(path, k.Path+"/")
}
