package controller

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// A controller whose store is a bucket runs, records and registers; its
// report copies the artifacts it shows, fetched from the bucket.
func TestController_BucketStore(t *testing.T) {
	srv := s3test.StartT(t)
	bucket := srv.NewBucket(t)
	bare, _ := newRemote(t)
	c := newController(t, bare, func(cfg *Config) { cfg.Store = srv.URL(bucket, "ctl") })
	ctx := context.Background()
	r, err := c.Once(ctx)
	if err != nil || r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("Once: %+v, %v", r, err)
	}
	if _, ok := remoteFile(t, bare, "models/demo-model/v1.yaml"); !ok {
		t.Error("no version registered")
	}
	st, err := store.OpenBlob(ctx, srv.URL(bucket, "ctl"))
	if err != nil {
		t.Fatal(err)
	}
	train := r.Task("train")
	for _, o := range train.Outputs {
		if has, err := st.Has(ctx, o.SHA256); !has || err != nil {
			t.Errorf("output %s not in the bucket: %v", o.Path, err)
		}
	}
	for _, o := range train.Outputs { // model.json and metrics.json, shown as text
		if _, err := os.Stat(filepath.Join(c.ReportDir(), "artifacts", o.SHA256+".json")); err != nil {
			t.Errorf("the report has no copy of %s: %v", o.Path, err)
		}
	}
}
