package registry

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// BenchmarkLoadCold reads 200 models x 50 versions as a new process does:
// every iteration opens the repository anew (fresh go-git storage, empty
// object cache), reads the head commit's registry with a new Loader and
// resolves every model's Production version. The objects are in one
// packfile with deltas, as after a clone from a host that ran git gc.
//
//   - checkout: a clone with a working tree, opened as `mlcd check` opens
//     it in CI (gitstore.OpenWorkTree);
//   - bare: the controller's bare clone, opened at a restart
//     (gitstore.Open);
//   - LoadDir: the same clone's working tree read through LoadDir, every
//     file read and parsed.
func BenchmarkLoadCold(b *testing.B) {
	clone, head := packedClone(b, 200, 50)
	ctx := context.Background()
	b.Run("checkout", func(b *testing.B) {
		benchCold(b, func() (*gitstore.Repo, error) {
			return gitstore.OpenWorkTree(ctx, clone, gitstore.Options{})
		}, head)
	})
	bare := filepath.Join(b.TempDir(), "bare")
	gittest.Git(b, "", "clone", "--quiet", "--bare", clone, bare)
	b.Run("bare", func(b *testing.B) {
		benchCold(b, func() (*gitstore.Repo, error) {
			return gitstore.Open(ctx, bare, gitstore.Options{URL: clone})
		}, head)
	})
	b.Run("LoadDir", func(b *testing.B) { benchLoadDir(b, clone) })
}

// benchLoadDir loads dir with a new Loader each time.
func benchLoadDir(b *testing.B, dir string) {
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		r, err := new(Loader).LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		checkProduction(b, r)
	}
}

func benchCold(b *testing.B, open func() (*gitstore.Repo, error), head string) {
	ctx := context.Background()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		repo, err := open()
		if err != nil {
			b.Fatal(err)
		}
		fsys, err := repo.FS(ctx, head)
		if err != nil {
			b.Fatal(err)
		}
		r, err := new(Loader).Load(fsys)
		if err != nil {
			b.Fatal(err)
		}
		checkProduction(b, r)
		if err := repo.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func checkProduction(b *testing.B, r *Registry) {
	b.Helper()
	if n := len(r.Models()); n != 200 {
		b.Fatalf("%d models, want 200", n)
	}
	for _, m := range r.Models() {
		if r.Production(m.Name) == nil {
			b.Fatalf("%s has no Production version", m.Name)
		}
	}
}

// packedClone commits a registry of models x versions to a repository,
// packs it with deltas as a host's git gc does, and clones it (the clone's
// objects are the one packfile the clone received). It returns the
// clone's folder and its head commit.
func packedClone(b *testing.B, models, versions int) (string, string) {
	b.Helper()
	src := writeTree(b, benchTree(models, versions))
	gittest.Git(b, src, "init", "--quiet", "--initial-branch=main")
	gittest.Git(b, src, "add", "-A")
	gittest.Git(b, src, "-c", "gc.auto=0", "commit", "--quiet", "-m", "registry") // no gc left running in the temp dir
	gittest.Git(b, src, "repack", "-adf", "--quiet")
	clone := filepath.Join(b.TempDir(), "clone")
	gittest.Git(b, "", "clone", "--quiet", "--no-local", src, clone)
	head := gittest.Git(b, clone, "rev-parse", "HEAD")
	return clone, head
}
