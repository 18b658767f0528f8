package registry

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// benchTree is a registry of models x versions; version 1 of every model is
// in Production.
func benchTree(models, versions int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for m := range models {
		name := fmt.Sprintf("model-%03d", m)
		for n := 1; n <= versions; n++ {
			v := sampleVersion(name, n)
			if n == 1 {
				v.Stage = StageProduction
			}
			fsys[v.Path()] = &fstest.MapFile{Data: Marshal(v)}
		}
	}
	return fsys
}

func writeTree(b *testing.B, fsys fstest.MapFS) string {
	b.Helper()
	dir := b.TempDir()
	for p, f := range fsys {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkLoad reads 200 models x 50 versions and resolves the Production
// version of every model (issue target: under 50 ms).
func BenchmarkLoad(b *testing.B) {
	tree := benchTree(200, 50)
	b.Run("MapFS", func(b *testing.B) { benchLoad(b, tree) })
	b.Run("DirFS", func(b *testing.B) { benchLoad(b, os.DirFS(writeTree(b, tree))) })
}

func benchLoad(b *testing.B, fsys fs.FS) {
	b.ReportAllocs()
	for b.Loop() {
		r, err := Load(fsys)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range r.Models() {
			if m.Production() == nil {
				b.Fatalf("%s: no production", m.Name)
			}
		}
	}
}

// BenchmarkParse is the cost of one canonical file on the fast path, and on
// the full YAML parser for comparison.
func BenchmarkParse(b *testing.B) {
	v := sampleVersion("churn-rf", 7)
	data := string(Marshal(v))
	fn := fileName{model: "churn-rf", version: 7}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := parseFast(data, fn); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("yaml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, errs := parseYAML(v.Path(), data, fn); len(errs) > 0 {
				b.Fatal(errs)
			}
		}
	})
}
