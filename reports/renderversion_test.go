package reports

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// The embedded sources are the package's: a Go file added to the package
// is hashed without anyone remembering to list it.
func TestRenderVersion_CoversEveryFile(t *testing.T) {
	onDisk, err := sourceHash(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := sourceHash(sources)
	if err != nil {
		t.Fatal(err)
	}
	if onDisk != embedded {
		t.Errorf("hash of the package's files %s, of the embedded ones %s: the embed pattern misses files", onDisk, embedded)
	}
	if !strings.HasPrefix(manifestVersion(), embedded+"+") {
		t.Errorf("manifestVersion() %q is not derived from the sources' hash %s", manifestVersion(), embedded)
	}
}

func TestRenderVersion_ChangesWithTheCode(t *testing.T) {
	base := fstest.MapFS{
		"view_runs.go":      {Data: []byte(`package reports; const td = "<td>"`)},
		"chart.go":          {Data: []byte(`package reports; const w = 640`)},
		"chart_test.go":     {Data: []byte(`package reports`)},
		"testdata/x.golden": {Data: []byte(`x`)},
	}
	want, err := sourceHash(base)
	if err != nil {
		t.Fatal(err)
	}
	with := func(name, data string) fs.FS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[name] = &fstest.MapFile{Data: []byte(data)}
		return m
	}
	for _, tc := range []struct {
		name    string
		fsys    fs.FS
		changes bool
	}{
		{"markup written by Go", with("view_runs.go", `package reports; const td = "<td class=x>"`), true},
		{"a new source file", with("pointchart.go", `package reports`), true},
		{"a test", with("chart_test.go", `package reports // more`), false},
		{"test data", with("testdata/x.golden", `y`), false},
	} {
		got, err := sourceHash(tc.fsys)
		if err != nil {
			t.Fatal(err)
		}
		if (got != want) != tc.changes {
			t.Errorf("%s: version %s, before %s; want changed = %v", tc.name, got, want, tc.changes)
		}
	}
}

// An old manifest, of a version whose code wrote other markup, is not
// used: every page is written again. Only its list of files is kept,
// without their hashes, for the files of the old site to be removed.
func TestRenderVersion_OldManifestIgnored(t *testing.T) {
	dir, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	m := &manifest{Version: "older code", Tool: "t", Pages: map[string]string{"a.html": "h"}, names: newInterner(nil)}
	if err := writeManifest(newSiteWriter(dir), m); err != nil {
		t.Fatal(err)
	}
	if got := readManifest(dir, "t"); got.current || len(got.Pages) != 1 || got.Pages["a.html"] != "" || len(got.runs) != 0 {
		t.Errorf("manifest of other code: current %v, pages %v, %d runs; want a fresh start that knows a.html", got.current, got.Pages, len(got.runs))
	}
	m.Version = manifestVersion()
	if err := writeManifest(newSiteWriter(dir), m); err != nil {
		t.Fatal(err)
	}
	if got := readManifest(dir, "t"); !got.current || got.Pages["a.html"] != "h" {
		t.Errorf("manifest of this code: current %v, pages %v; want it used", got.current, got.Pages)
	}
}
