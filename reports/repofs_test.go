package reports

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outsideFile writes a file outside the repository that holds a secret,
// and returns its path and the secret.
func outsideFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	os.Remove(link)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// readSite returns every file of the site but the overview (which names
// refused files), concatenated.
func readSite(t *testing.T, out string) string {
	t.Helper()
	var all strings.Builder
	for rel, data := range siteFiles(t, out, t.TempDir()) {
		if rel != "index.html" {
			all.WriteString(rel + "\n" + data + "\n")
		}
	}
	return all.String()
}

func TestBuild_RepositoryFilesLeadingOutsideAreRefused(t *testing.T) {
	t.Parallel()
	const secret = "GITHUB_TOKEN=ghp_leakedleakedleaked"
	env := outsideFile(t, "environ", secret+"\x00MLCD_WEBHOOK_SECRET=hook\x00")
	record, _ := os.ReadFile(filepath.Join("testdata", "small", "repo", "runs", "churn", "20260301T100000Z-1003.json"))
	outRecord := outsideFile(t, "run.json", strings.ReplaceAll(string(record), "20260301T100000Z-1003", "20260309T100000Z-9999")+
		strings.Repeat(" ", 10)+"\n")
	outDeploy := outsideFile(t, "deploy.yaml", "schema: 1\nmodel: \"leaked-model\"\n")
	version, _ := os.ReadFile(filepath.Join("testdata", "small", "repo", "models", "churn-xgb", "v1.yaml"))
	outVersion := outsideFile(t, "v9.yaml", strings.ReplaceAll(string(version), "churn-xgb", "leaked-model"))
	outModels := filepath.Dir(outVersion)

	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	symlink(t, env, filepath.Join(repo, "README.md"))
	symlink(t, outRecord, filepath.Join(repo, "runs", "churn", "20260309T100000Z-9999.json"))
	symlink(t, "../../../"+filepath.Base(filepath.Dir(outRecord))+"/x.json", filepath.Join(repo, "runs", "churn", "up.json"))
	symlink(t, outDeploy, filepath.Join(repo, "deployments", "leaked-model.yaml"))
	symlink(t, outVersion, filepath.Join(repo, "models", "churn-xgb", "v9.yaml"))
	symlink(t, outModels, filepath.Join(repo, "models", "leaked-model"))
	// A symlink that stays inside the repository is read as before.
	symlink(t, "v1.yaml", filepath.Join(repo, "models", "churn-rf", "v1-link.yml"))

	out := t.TempDir()
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Build(context.Background(), repo)
	if err == nil {
		t.Fatal("Build: no error for files that lead outside the repository")
	}
	for _, want := range []string{
		"README.md: refused: a symlink to " + env + ", which leads outside the repository",
		"runs/churn/20260309T100000Z-9999.json: refused",
		"runs/churn/up.json: refused",
		"deployments/leaked-model.yaml: refused",
		"models/churn-xgb/v9.yaml: refused",
		"models/leaked-model: refused",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Build's error lacks %q:\n%v", want, err)
		}
	}
	site := readSite(t, out)
	for _, leak := range []string{"ghp_leakedleakedleaked", "MLCD_WEBHOOK_SECRET", "20260309T100000Z-9999", "leaked-model", "v9"} {
		if strings.Contains(site, leak) {
			t.Errorf("the site holds %q, read through a symlink out of the repository", leak)
		}
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if strings.Contains(string(index), "ghp_leaked") || strings.Contains(string(index), "MLCD_WEBHOOK_SECRET") {
		t.Errorf("index.html shows the content of a file outside the repository")
	}
	for _, want := range []string{"Refused files", "README.md", "runs/churn/20260309T100000Z-9999.json", "models/churn-xgb/v9.yaml"} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html does not name %q as refused", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "runs", "churn", "20260301T100000Z-1003.html")); err != nil {
		t.Errorf("the files inside the repository are no longer shown: %v", err)
	}
}

func TestBuild_READMELinkInsideRepositoryShown(t *testing.T) {
	t.Parallel()
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	if err := os.WriteFile(filepath.Join(repo, "intro.md"), []byte("# Intro from a linked file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, "intro.md", filepath.Join(repo, "README.md"))
	out := t.TempDir()
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(context.Background(), repo); err != nil {
		t.Fatalf("Build: %v", err)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(index), "Intro from a linked file") || strings.Contains(string(index), "Refused files") {
		t.Errorf("a README linked inside the repository is not shown as it is:\n%s", index)
	}
}

func TestBuild_ManifestPagesOutsideSiteNotRemoved(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	if err := os.CopyFS(repo, os.DirFS(filepath.Join("testdata", "small", "repo"))); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(top, "VICTIM.txt")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(repo, "site")
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	// A committed manifest, made by the same templates, that lists a page
	// outside the site: a build that does not produce it removes it.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m := manifest{Version: manifestVersion(), Tool: b.tool, Pages: map[string]string{
		"../../VICTIM.txt": "x", "index.html": "x", "runs/../../../VICTIM.txt": "x",
	}}
	if err := gob.NewEncoder(f).Encode(&m); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := b.Build(context.Background(), repo); err != nil {
		t.Fatalf("Build: %v", err)
	}
	if data, err := os.ReadFile(victim); err != nil || string(data) != "keep me" {
		t.Fatalf("a file outside the site, named by the manifest, is gone or changed: %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Errorf("the site was not written: %v", err)
	}
}

func TestBuild_SiteFolderSymlinkOutOfRepositoryRefused(t *testing.T) {
	t.Parallel()
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	elsewhere := t.TempDir()
	symlink(t, elsewhere, filepath.Join(repo, "site"))
	b, err := New(Options{Out: filepath.Join(repo, "site")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Build(context.Background(), repo)
	want := "site is a symlink to " + elsewhere + ", which leaves the repository"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Build: %v, want an error containing %q", err, want)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("pages written through the symlink into its target: %d files", len(ents))
	}
}

func TestBuild_SymlinkInSiteFolderNotWrittenThrough(t *testing.T) {
	t.Parallel()
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	elsewhere := t.TempDir()
	out := filepath.Join(repo, "site")
	symlink(t, elsewhere, filepath.Join(out, "runs"))
	symlink(t, filepath.Join(elsewhere, "victim.html"), filepath.Join(out, "index.html"))
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Build(context.Background(), repo)
	if err == nil {
		t.Error("Build: no error for a site folder whose runs/ leads outside it")
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("pages written through a symlink in the site into its target: %v", ents)
	}
}

// FuzzLocalSlash holds the manifest's path check to its promise: a path
// it accepts stays inside the folder it is joined to.
func FuzzLocalSlash(f *testing.F) {
	for _, s := range []string{"index.html", "runs/p/x.html", "../x", "a/../../x", "/etc/passwd", `a\..\..\x`, "a//b", "./a", ""} {
		f.Add(s)
	}
	root := filepath.FromSlash("/site/root")
	f.Fuzz(func(t *testing.T, rel string) {
		if !localSlash(rel) {
			return
		}
		joined := filepath.Join(root, filepath.FromSlash(rel))
		inside, err := filepath.Rel(root, joined)
		if err != nil || !filepath.IsLocal(inside) || inside != filepath.FromSlash(rel) {
			t.Fatalf("localSlash accepted %q, which joins to %q", rel, joined)
		}
	})
}

func TestBuild_READMELinkedToProcEnvironRefused(t *testing.T) {
	t.Parallel()
	environ, err := os.ReadFile("/proc/self/environ")
	if err != nil || len(environ) == 0 {
		t.Fatalf("read /proc/self/environ: %v", err)
	}
	first, _, _ := strings.Cut(string(environ), "\x00") // e.g. PATH=/usr/bin:...
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	symlink(t, "/proc/self/environ", filepath.Join(repo, "README.md"))
	out := t.TempDir()
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Build(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "README.md: refused: a symlink to /proc/self/environ") {
		t.Errorf("Build: %v", err)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if strings.Contains(string(index), first) {
		t.Errorf("index.html holds the environment (%.20s...)", first)
	}
}

// folderFS opens a folder's files through one root of the folder, and
// decides as the repository's root does: a symlink to elsewhere in the
// repository is read, one that leads outside is refused with its path.
func TestFolderFS_AsTheRepositorysRoot(t *testing.T) {
	repo := t.TempDir()
	for name, content := range map[string]string{"runs/p/a.json": "a", "runs/p/b.json": "b", "other/c.json": "c"} {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	symlink(t, "../../other/c.json", filepath.Join(repo, "runs", "p", "in.json"))
	symlink(t, outsideFile(t, "secret", "secret"), filepath.Join(repo, "runs", "p", "out.json"))
	root, err := os.OpenRoot(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f := newFolderFS(root)
	defer f.close()
	for name, want := range map[string]string{"runs/p/a.json": "a", "runs/p/b.json": "b", "runs/p/in.json": "c"} {
		if got, err := fs.ReadFile(f, name); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if len(f.dirs) != 1 || f.dirs["runs/p"] == nil {
		t.Errorf("folders opened: %v, want runs/p once", f.dirs)
	}
	_, err = fs.ReadFile(f, "runs/p/out.json")
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != "runs/p/out.json" || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("symlink outside: %v; want a path error naming runs/p/out.json", err)
	}
	for _, name := range []string{"runs/p/none.json", "runs/q/x.json"} {
		if _, err := fs.ReadFile(f, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if _, err := f.Open("runs/p/../p/a.json"); err == nil {
		t.Error("a path with .. opened")
	}
	// Past maxFolderRoots folders, files are read through the
	// repository's root.
	for i := range maxFolderRoots {
		f.dir(fmt.Sprintf("runs/q%d", i))
	}
	if len(f.dirs) != maxFolderRoots {
		t.Errorf("%d folders held, want at most %d", len(f.dirs), maxFolderRoots)
	}
	if err := os.WriteFile(filepath.Join(repo, "other", "d.json"), []byte("d"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := fs.ReadFile(f, "other/d.json"); err != nil || string(got) != "d" {
		t.Errorf("a file of a folder past the bound: %q, %v", got, err)
	}
}
