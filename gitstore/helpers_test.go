package gitstore

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// remote is a bare repository with a first commit, reachable by file://
// (and over HTTP when served).
type remote struct {
	bare   string
	url    string
	person *gittest.Clone
	first  string
}

// newRemote creates a bare repository on disk whose main holds mlcd.yaml
// and src/train.py, pushed by a person.
func newRemote(t *testing.T) *remote {
	t.Helper()
	bare := gittest.NewBare(t)
	url := "file://" + bare
	p := gittest.Person(t, url)
	p.Write("mlcd.yaml", "pipeline: demo\n")
	p.Write("src/train.py", "print('train')\n")
	first := p.Commit("first")
	p.Push()
	return &remote{bare: bare, url: url, person: p, first: first}
}

// served is a bare repository served over HTTP with basic auth.
type served struct {
	remote
	srv *gittest.Server
}

func newServed(t *testing.T, opts gittest.ServeOptions) *served {
	t.Helper()
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "repo.git")
	srv := gittest.Serve(t, root, opts)
	p := gittest.Person(t, srv.AuthURL("repo.git"))
	p.Write("mlcd.yaml", "pipeline: demo\n")
	p.Write("src/train.py", "print('train')\n")
	first := p.Commit("first")
	p.Push()
	return &served{remote: remote{bare: bare, url: srv.URL("repo.git"), person: p, first: first}, srv: srv}
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// open opens (cloning) the remote at url into a fresh state folder.
func open(t testing.TB, url string, opts Options) *Repo {
	t.Helper()
	opts.URL = url
	r, err := Open(testContext(t), filepath.Join(t.TempDir(), "state", "repo.git"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

// files returns a build function that always writes fs.
func files(m map[string][]byte) BuildFunc {
	return func(context.Context, fs.FS) (map[string][]byte, error) { return m, nil }
}
