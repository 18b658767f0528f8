package registry

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// BenchmarkLoad_GitCommit reads 200 models x 50 versions from a commit of
// the controller's clone (gitstore's tree FS), as the controller and
// `mlcd check` do, and resolves every model's Production version.
func BenchmarkLoad_GitCommit(b *testing.B) {
	dir := writeTree(b, benchTree(200, 50))
	gittest.Git(b, dir, "init", "--quiet", "--initial-branch=main")
	gittest.Git(b, dir, "add", "-A")
	gittest.Git(b, dir, "-c", "gc.auto=0", "commit", "--quiet", "-m", "registry") // no gc left running in the temp dir
	ctx := context.Background()
	repo, err := gitstore.Open(ctx, filepath.Join(b.TempDir(), "clone"), gitstore.Options{URL: dir})
	if err != nil {
		b.Fatal(err)
	}
	head, err := repo.Fetch(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, shared := range []bool{false, true} {
		name := "new-loader"
		if shared {
			name = "controller-loader" // one Loader across passes, as the controller keeps
		}
		b.Run(name, func(b *testing.B) { benchLoadCommit(b, repo, head, shared) })
	}
}

func benchLoadCommit(b *testing.B, repo *gitstore.Repo, head string, shared bool) {
	ctx := context.Background()
	var l Loader
	for b.Loop() {
		fsys, err := repo.FS(ctx, head)
		if err != nil {
			b.Fatal(err)
		}
		loader := &l
		if !shared {
			loader = new(Loader)
		}
		r, err := loader.Load(fsys)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range r.Models() {
			if r.Production(m.Name) == nil {
				b.Fatalf("%s has no Production version", m.Name)
			}
		}
	}
}
