package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlcd-dev/mlcd/diag"
)

// treeOf is a repository tree holding the canonical files of vs.
func treeOf(vs ...*Version) fstest.MapFS {
	fsys := fstest.MapFS{"mlcd.yaml": {Data: []byte("pipeline: churn\n")}}
	for _, v := range vs {
		fsys[v.Path()] = &fstest.MapFile{Data: Marshal(v)}
	}
	return fsys
}

func withStage(v *Version, st Stage, aliases ...string) *Version {
	v.Stage = st
	v.Aliases = aliases
	return v
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tree := treeOf(
		withStage(sampleVersion("churn-rf", 1), StageArchived),
		withStage(sampleVersion("churn-rf", 2), StageProduction, "champion"),
		sampleVersion("churn-rf", 10),
		withStage(sampleVersion("churn-xgb", 1), StageStaging),
	)
	tree["models/churn-rf/README.md"] = &fstest.MapFile{Data: []byte("# notes\n")}
	r, err := Load(tree)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range r.Models() {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ","); got != "churn-rf,churn-xgb" {
		t.Errorf("Models() = %s", got)
	}
	rf := r.Model("churn-rf")
	if got := rf.Latest().Version; got != 10 {
		t.Errorf("Latest() = v%d, want v10 (numeric, not lexical, order)", got)
	}
	if p := r.Production("churn-rf"); p == nil || p.Version != 2 {
		t.Errorf("Production(churn-rf) = %+v, want v2", p)
	}
	if p := r.Production("churn-xgb"); p != nil {
		t.Errorf("Production(churn-xgb) = v%d, want none", p.Version)
	}
	if v := rf.Alias("champion"); v == nil || v.Version != 2 {
		t.Errorf("Alias(champion) = %+v", v)
	}
	if r.Version("churn-rf", 3) != nil || r.Version("nope", 1) != nil {
		t.Error("Version() found a version that does not exist")
	}
}

func TestLoad_noRegistry(t *testing.T) {
	t.Parallel()
	r, err := Load(fstest.MapFS{"mlcd.yaml": {Data: []byte("x")}})
	if err != nil || len(r.Models()) != 0 {
		t.Fatalf("Load(empty) = %v, %v", r.Models(), err)
	}
}

func TestLoad_problems(t *testing.T) {
	t.Parallel()
	tree := treeOf(
		withStage(sampleVersion("churn-rf", 1), StageArchived, "champion"),
		withStage(sampleVersion("churn-rf", 2), StageProduction, "blue", "champion"),
	)
	tree["models/churn-rf/v3.yaml"] = &fstest.MapFile{Data: []byte(edit("stage:", "stage: prod\n"))}
	tree["models/stray.yaml"] = &fstest.MapFile{Data: []byte("x: 1\n")}
	r, err := Load(tree)
	if r == nil || r.Version("churn-rf", 2) == nil {
		t.Fatal("Load dropped the valid versions along with the bad one")
	}
	var pe *diag.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *diag.Error", err)
	}
	want := strings.Join([]string{
		`models/churn-rf/v2.yaml:5:17: alias "champion" is already on version 1 of churn-rf: an alias names one version`,
		`models/churn-rf/v3.yaml:4:8: stage "prod": want one of None, Staging, Production, Archived`,
		`models/stray.yaml: not a version file: want models/<model>/v<N>.yaml`,
	}, "\n")
	if err.Error() != want {
		t.Errorf("Load error:\n%s\nwant:\n%s", err, want)
	}
}

func TestLoader_Load_reusesUnchangedFiles(t *testing.T) {
	t.Parallel()
	tree := treeOf(sampleVersion("churn-rf", 1), sampleVersion("churn-rf", 2))
	var l Loader
	first, err := l.Load(tree)
	if err != nil {
		t.Fatal(err)
	}
	next := treeOf(sampleVersion("churn-rf", 1), withStage(sampleVersion("churn-rf", 2), StageProduction))
	second, err := l.Load(next)
	if err != nil {
		t.Fatal(err)
	}
	if first.Version("churn-rf", 1) != second.Version("churn-rf", 1) {
		t.Error("unchanged file parsed again")
	}
	if got := second.Version("churn-rf", 2).Stage; got != StageProduction {
		t.Errorf("changed file read from the cache: stage %s", got)
	}
	if first.Version("churn-rf", 2).Stage != StageNone {
		t.Error("loading the next tree changed a version of the first")
	}
}

// The registry read from a working tree on disk, on one goroutine and on
// several, is the one read from memory.
func TestLoader_Load_dirFS(t *testing.T) {
	t.Parallel()
	tree := fstest.MapFS{}
	for m := range 3 {
		for n := 1; n <= 100; n++ {
			v := sampleVersion(fmt.Sprintf("m%d", m), n)
			if n == 42 {
				v.Stage = StageProduction
			}
			tree[v.Path()] = &fstest.MapFile{Data: Marshal(v)}
		}
	}
	tree["models/m0/README.md"] = &fstest.MapFile{Data: []byte("notes")}
	dir := t.TempDir()
	for p, f := range tree {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := mustLoad(t, tree)
	for _, workers := range []int{1, 0} {
		l := Loader{Workers: workers}
		got, err := l.Load(os.DirFS(dir))
		if err != nil {
			t.Fatal(err)
		}
		if d := Diff(want, got); len(d) != 0 {
			t.Errorf("workers %d: disk and memory differ: %+v", workers, d)
		}
		for _, m := range got.Models() {
			if p := m.Production(); p == nil || p.Version != 42 || len(m.Versions) != 100 {
				t.Errorf("workers %d: %s has %d versions, production %+v", workers, m.Name, len(m.Versions), p)
			}
		}
	}
}
