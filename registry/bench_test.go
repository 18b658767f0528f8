package registry

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
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
	b.Run("LoadDir", func(b *testing.B) {
		dir := writeTree(b, tree)
		b.ResetTimer()
		for b.Loop() {
			r, err := LoadDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range r.Models() {
				if r.Production(m.Name) == nil {
					b.Fatalf("%s has no Production version", m.Name)
				}
			}
		}
	})
}

func benchLoad(b *testing.B, fsys fs.FS) {
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
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

// BenchmarkDiff compares the registries of two commits of a 200 x 50
// registry that differ in one file (a promotion): Diff alone; the head
// built from the base and the changed path (what a git diff gives); and
// the head loaded in full through a Loader that loaded the base (issue
// target: under 10 ms).
func BenchmarkDiff(b *testing.B) {
	base := benchTree(200, 50)
	head := maps.Clone(base)
	p := VersionPath("model-100", 50)
	head[p] = &fstest.MapFile{Data: []byte(strings.Replace(string(base[p].Data), "stage: None", "stage: Production", 1))}
	var l Loader
	br, err := l.Load(base)
	if err != nil {
		b.Fatal(err)
	}
	hr, err := l.Load(head)
	if err != nil {
		b.Fatal(err)
	}
	check := func(cs []Change) {
		if len(cs) != 1 || cs[0].ToStage != StageProduction {
			b.Fatalf("Diff = %+v", cs)
		}
	}
	b.Run("diff", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			check(Diff(br, hr))
		}
	})
	b.Run("update+diff", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			hr, err := br.Update(head, []string{p})
			if err != nil {
				b.Fatal(err)
			}
			check(Diff(br, hr))
		}
	})
	b.Run("cached-load+diff", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			hr, err := l.Load(head)
			if err != nil {
				b.Fatal(err)
			}
			check(Diff(br, hr))
		}
	})
}

// reportCPU adds the CPU time per operation (all goroutines, user and
// system) to the benchmark's output.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
