package xgboost

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"tiny.json", "tiny.ubj"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkModel_Predict(b *testing.B) {
	m, err := Load(context.Background(), filepath.Join("testdata", "tiny.json"))
	if err != nil {
		b.Fatal(err)
	}
	f := &scoring.Frame{Width: 3, Rows: 1, Values: []float64{0.5, -1, 2}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Predict(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
}
