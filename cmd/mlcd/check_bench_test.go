package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/registry"
)

// BenchmarkCheck is `mlcd check` on a pull request that promotes one
// version in a registry of 200 models x 50 versions (10,000 files): open
// the checkout, resolve, find the merge base, load and compare both trees.
func BenchmarkCheck(b *testing.B) {
	bare := gittest.NewBare(b)
	p := gittest.Person(b, bare)
	for m := range 200 {
		for n := 1; n <= 50; n++ {
			v := promoVersion(n, registry.StageNone, 0.5)
			v.Model = fmt.Sprintf("model-%03d", m)
			path := filepath.Join(p.Dir, filepath.FromSlash(v.Path()))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(path, registry.Marshal(v), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	p.Git("add", "-A")
	p.Commit("10,000 versions")
	p.Push()
	p.Branch("promote")
	v := promoVersion(7, registry.StageNone, 0.5)
	v.Model = "model-123"
	next, err := registry.SetStage(v.Path(), registry.Marshal(v), registry.StageProduction)
	if err != nil {
		b.Fatal(err)
	}
	p.Write(v.Path(), string(next))
	p.Commit("promote model-123 v7")
	b.Setenv("MLCD_STORE", "")
	b.Setenv("XDG_DATA_HOME", b.TempDir())
	opts := &globalOptions{stdout: io.Discard, stderr: io.Discard}
	co := &checkOptions{head: "HEAD", repo: p.Dir, branch: "main"}
	b.ResetTimer()
	for b.Loop() {
		if err := runCheck(context.Background(), opts, co, os.Getenv, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
