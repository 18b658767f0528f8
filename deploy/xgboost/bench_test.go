package xgboost

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
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

// syntheticModel builds a binary:logistic model of trees full trees of
// the given depth over features features, with random splits, the shape of
// the serving benchmark's model (100 trees, depth 6, 10 features).
func syntheticModel(b *testing.B, trees, depth, features int) *Model {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	g := &gbtreeJSON{}
	for range trees {
		n := 1<<(depth+1) - 1
		t := treeJSON{LeftChildren: make([]int32, n), RightChildren: make([]int32, n), SplitIndices: make([]int64, n),
			SplitConditions: make([]float32, n), DefaultLeft: make([]int, n)}
		for i := range n {
			if l := 2*i + 1; l < n {
				t.LeftChildren[i], t.RightChildren[i] = int32(l), int32(l+1)
				t.SplitIndices[i] = int64(rng.IntN(features))
				t.SplitConditions[i] = float32(rng.NormFloat64())
				t.DefaultLeft[i] = rng.IntN(2)
			} else {
				t.LeftChildren[i], t.RightChildren[i] = -1, -1
				t.SplitConditions[i] = float32(rng.NormFloat64() / 10)
			}
		}
		g.Trees = append(g.Trees, t)
		g.TreeInfo = append(g.TreeInfo, 0)
	}
	f := &modelFile{Learner: &learnerJSON{
		GradientBooster: boosterJSON{Name: "gbtree", Model: g},
		ModelParam:      modelParamJSON{BaseScore: "0.5", NumFeature: strconv.Itoa(features), NumClass: "0"},
	}}
	f.Learner.Objective.Name = "binary:logistic"
	m, err := build(f)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkModel_Predict_100x6(b *testing.B) {
	m := syntheticModel(b, 100, 6, 10)
	for _, rows := range []int{1, 1000} {
		b.Run(strconv.Itoa(rows)+"rows", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			f := &scoring.Frame{Width: 10, Rows: rows, Values: make([]float64, rows*10)}
			for i := range f.Values {
				f.Values[i] = rng.NormFloat64()
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Predict(context.Background(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
