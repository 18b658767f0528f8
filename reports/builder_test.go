package reports

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestNew_ParsesEveryTemplate(t *testing.T) {
	b, err := New(Options{Out: t.TempDir()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	files, err := fs.Glob(templates.FS, "html/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		if name == "layout" || name == "svg" {
			continue
		}
		if b.pages[name] == nil {
			t.Errorf("template %s is not parsed as a page: add it to pageTemplates", f)
		}
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without an output folder: no error")
	}
}

// buildSite renders the fixture repo testdata/<name> into a new folder.
func buildSite(t *testing.T, name string) (string, Stats) {
	t.Helper()
	out := t.TempDir()
	b, err := New(Options{Out: out, StoreDir: filepath.Join("testdata", name, "store")})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(context.Background(), filepath.Join("testdata", name, "repo"))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return out, stats
}

// siteFiles reads every page of a site, with the absolute store folder
// replaced so that golden files do not depend on the machine.
func siteFiles(t *testing.T, out, store string) map[string]string {
	t.Helper()
	abs, err := filepath.Abs(store)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ManifestName {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		files[filepath.ToSlash(rel)] = string(bytes.ReplaceAll(data, []byte(filepath.ToSlash(abs)), []byte("/STORE")))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestBuilder_BuildGolden(t *testing.T) {
	out, _ := buildSite(t, "small")
	got := siteFiles(t, out, "testdata/small/store")
	golden := filepath.Join("testdata", "golden", "small")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for rel, data := range got {
			if strings.HasPrefix(rel, "static/") {
				continue
			}
			p := filepath.Join(golden, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]string{}
	err := filepath.WalkDir(golden, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(golden, p)
		want[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatalf("read golden files (run go test -update): %v", err)
	}
	for rel := range got {
		if strings.HasPrefix(rel, "static/") {
			delete(got, rel)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("site differs from testdata/golden/small (-want +got); run go test -update if intended:\n%s", diff)
	}
}

func TestBuilder_BuildIncremental(t *testing.T) {
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	out := t.TempDir()
	b := builtSite(t, repo, Options{Out: out, PageSize: 2})
	ctx := context.Background()
	before := statAll(t, out)

	// A second build with nothing new writes nothing, not even the
	// manifest, and reads no record.
	manifestBefore, err := os.Stat(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 0 || stats.Parsed != 0 {
		t.Errorf("unchanged repo: wrote %d files, read %d records; want 0, 0", stats.Written, stats.Parsed)
	}
	if after, err := os.Stat(filepath.Join(out, ManifestName)); err != nil || !os.SameFile(manifestBefore, after) {
		t.Errorf("unchanged repo: the manifest was written again (%v)", err)
	}

	// A new run touches its own page, its pipeline's last data chunk, the
	// last runs page, the runs index and the overview; nothing else.
	src := filepath.Join(repo, "runs", "churn", "20260301T120000Z-3009.json")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("20260301T120000Z-3009"), []byte("20260302T120000Z-9999"))
	data = bytes.ReplaceAll(data, []byte(`"start": "2026-03-01T12:00:00Z"`), []byte(`"start": "2026-03-02T12:00:00Z"`))
	if err := os.WriteFile(filepath.Join(repo, "runs", "churn", "20260302T120000Z-9999.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err = b.Build(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	after := statAll(t, out)
	var changed []string
	for rel, fi := range after {
		if old, ok := before[rel]; !ok || !os.SameFile(old, fi) {
			changed = append(changed, rel)
		}
	}
	want := []string{"index.html", "runs/all-3.js", "runs/charts.html", "runs/churn/20260302T120000Z-9999.html", "runs/churn/data-0.js",
		"runs/index.html", "runs/page-3.html"}
	if diff := cmp.Diff(want, sorted(changed)); diff != "" {
		t.Errorf("files written after one new run (-want +got):\n%s", diff)
	}
	if stats.Parsed != 1 {
		t.Errorf("records read after one new run = %d, want 1", stats.Parsed)
	}
	// The pages written again from the manifest's summaries are the pages a
	// build from nothing writes.
	fresh := t.TempDir()
	fb, err := New(Options{Out: fresh, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fb.Build(ctx, repo); err != nil {
		t.Fatal(err)
	}
	for _, rel := range want {
		got, err1 := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel)))
		exp, err2 := os.ReadFile(filepath.Join(fresh, filepath.FromSlash(rel)))
		if err1 != nil || err2 != nil || !bytes.Equal(got, exp) {
			t.Errorf("%s after an incremental build differs from a full build's (%v, %v)", rel, err1, err2)
		}
	}

	// Removing the run removes its pages.
	if err := os.Remove(filepath.Join(repo, "runs", "churn", "20260302T120000Z-9999.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(ctx, repo); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "runs", "churn", "20260302T120000Z-9999.html")); !os.IsNotExist(err) {
		t.Errorf("page of a deleted run still there: %v", err)
	}
}

func statAll(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	m := map[string]os.FileInfo{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ManifestName {
			return err
		}
		fi, err := os.Stat(p)
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = fi
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestBuilder_BuildBadRecord(t *testing.T) {
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	bad := filepath.Join(repo, "runs", "churn", "broken.json")
	if err := os.WriteFile(bad, []byte(`{"id": "x", `), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "runs/churn/broken.json") {
		t.Errorf("Build with a broken record: error %v, want one naming runs/churn/broken.json", err)
	}
	if stats.Runs != 5 {
		t.Errorf("runs rendered beside a broken record = %d, want 5", stats.Runs)
	}
	if _, err := os.Stat(filepath.Join(out, "runs", "index.html")); err != nil {
		t.Errorf("runs index not written beside a broken record: %v", err)
	}
	if got := chunkSlugs(t, out, "churn"); len(got) != 1 || len(got[0]) != 3 {
		t.Errorf("churn's data chunks %v, want one of its 3 good runs", got)
	}
	// The next build names the record again, and keeps the chunk of the
	// good runs as it is.
	chunk, err := os.Stat(filepath.Join(out, "runs", "churn", "data-0.js"))
	if err != nil {
		t.Fatal(err)
	}
	stats, err = b.Build(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), "runs/churn/broken.json") {
		t.Errorf("second build with a broken record: error %v, want one naming runs/churn/broken.json", err)
	}
	if after, err := os.Stat(filepath.Join(out, "runs", "churn", "data-0.js")); err != nil || !os.SameFile(chunk, after) || stats.Parsed != 0 {
		t.Errorf("second build: %d records read, chunk written again %v (%v); want none read, the chunk kept", stats.Parsed, err == nil && !os.SameFile(chunk, after), err)
	}
}

func TestBuilder_BuildEscapesUntrustedValues(t *testing.T) {
	out, stats := buildSite(t, "xss")
	if stats.Runs != 2 {
		t.Fatalf("runs = %d, want 2", stats.Runs)
	}
	files := siteFiles(t, out, "testdata/xss/store")
	// The fixture's mlcd.yaml promotes on a metric with a hostile name, and
	// a param with hostile values varies: the charts across runs draw them.
	if charts := files["runs/charts.html"]; strings.Count(charts, `<circle class="pt`) < 8 {
		t.Errorf("the charts page draws %d dots of the hostile runs, want a time, a commit and a param chart of them", strings.Count(charts, `<circle class="pt`))
	}
	for rel, data := range files {
		if strings.HasPrefix(rel, "logs/") {
			continue // served as text/plain from .txt files
		}
		for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, "<iframe", `src="javascript:`, "<svg onload"} {
			if strings.Contains(data, bad) {
				i := strings.Index(data, bad)
				t.Errorf("%s contains %q: ...%s...", rel, bad, data[max(0, i-80):min(len(data), i+80)])
			}
		}
	}
}

// Pages are named after record files, so two records that carry the same
// run id (a hand-copied file) still get a page each.
func TestBuilder_BuildDuplicateRunIDs(t *testing.T) {
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	data, err := os.ReadFile(filepath.Join(repo, "runs", "churn", "20260301T100000Z-1003.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "runs", "churn", "copy.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Runs != 6 {
		t.Errorf("runs = %d, want 6", stats.Runs)
	}
	for _, page := range []string{"20260301T100000Z-1003.html", "copy.html", "data-0.js", "data.js"} {
		if _, err := os.Stat(filepath.Join(out, "runs", "churn", page)); err != nil {
			t.Errorf("page %s: %v", page, err)
		}
	}
	chunk, err := os.ReadFile(filepath.Join(out, "runs", "churn", "data-0.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(chunk, []byte(`"slug":"copy"`)) || !bytes.Contains(chunk, []byte(`"slug":"20260301T100000Z-1003"`)) {
		t.Errorf("the data chunk lacks one of the two runs with one id:\n%s", chunk)
	}
}

// A page removed from the site by hand is written again by the next
// build, though its inputs did not change.
func TestBuilder_BuildRestoresDeletedPages(t *testing.T) {
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	out := t.TempDir()
	b := builtSite(t, repo, Options{Out: out, PageSize: 2})
	ctx := context.Background()
	gone := []string{"runs/churn/20260301T120000Z-3009.html", "runs/churn/data-0.js", "runs/churn/data.js", "runs/page-1.html"}
	for _, rel := range gone {
		if err := os.Remove(filepath.Join(out, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := b.Build(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range gone {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(rel))); err != nil {
			t.Errorf("%s not written again: %v", rel, err)
		}
	}
	if stats.Written != len(gone) {
		t.Errorf("files written = %d, want the %d removed", stats.Written, len(gone))
	}
}

// builtSite returns a Builder of opts that has built repo once.
func builtSite(t *testing.T, repo string, opts Options) *Builder {
	t.Helper()
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	return b
}
