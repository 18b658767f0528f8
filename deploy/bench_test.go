package deploy

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/deploy/xgboost"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

const benchBody = `{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1.5, -2, 0.25]]}}`

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func benchHandler(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discard{h: http.Header{}}
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, "/invocations", strings.NewReader(benchBody))
			req.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(w, req)
		}
	})
}

// BenchmarkGateway compares one single-row prediction through the gateway
// (route lookup, in-flight count, metrics) with the scoring handler alone.
func BenchmarkGateway(b *testing.B) {
	const model = "xgboost/testdata/tiny.json"
	m, err := xgboost.Load(context.Background(), model)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("handler", func(b *testing.B) { benchHandler(b, scoring.Handler(m, scoring.Options{})) })
	b.Run("gateway", func(b *testing.B) {
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		obj, err := st.PutFile(context.Background(), model)
		if err != nil {
			b.Fatal(err)
		}
		d, err := New(Config{Store: st, Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		v := &registry.Version{Model: "churn", Version: 1, Flavor: "xgboost",
			Artifact: registry.Artifact{File: "model.json", SHA256: obj.SHA256, Size: obj.Size}}
		if _, err := d.Deploy(context.Background(), v, ""); err != nil {
			b.Fatal(err)
		}
		defer d.Close(context.Background())
		benchHandler(b, d.Handler())
	})
}
