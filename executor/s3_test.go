package executor

import (
	"context"
	"slices"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// A run against a bucket store is rerun fully cached by another executor
// that shares nothing with the first but the bucket: the cache index and
// the outputs come from the store.
func TestRun_BucketStoreSharesTheCache(t *testing.T) {
	srv := s3test.StartT(t)
	bucket := srv.NewBucket(t)
	open := func() store.Store { // each run is another machine
		st, err := store.OpenBlob(context.Background(), srv.URL(bucket, "mlcd"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	p := func(v string) *pipeline.Pipeline {
		return pipe("p",
			sh("prepare", `seq 1 100000 > "$MLCD_OUT/data.csv"`),
			sh("train", `wc -l < "$MLCD_IN_PREPARE/data.csv" > "$MLCD_OUT/model.txt"; echo '{"rows": 100000}' > "$MLCD_OUT/metrics.json" # `+v, "prepare"))
	}
	run := func(p *pipeline.Pipeline) *pipeline.Run {
		e := newEnv(t) // a fresh checkout and a local store that stays unused
		o := e.opts()
		o.Store, o.InputHashes = open(), ""
		r, err := Run(context.Background(), p, o)
		if err != nil || r.Status != pipeline.StatusSuccess {
			t.Fatalf("Run: %v, %s\n%s", err, r.Status, e.out.String())
		}
		return r
	}
	first := run(p("1"))
	if got := ran(first); !slices.Equal(got, []string{"prepare", "train"}) {
		t.Fatalf("first run ran %v", got)
	}
	st := open()
	for _, task := range first.Tasks {
		for _, o := range task.Outputs {
			if has, err := st.Has(context.Background(), o.SHA256); !has || err != nil {
				t.Errorf("output %s/%s not in the bucket: %v", task.Name, o.Path, err)
			}
		}
	}
	again := run(p("1"))
	if got := ran(again); len(got) != 0 {
		t.Errorf("rerun from the bucket ran %v, want nothing", got)
	}
	if again.Task("train").Metrics["rows"] != 100000 || !slices.Equal(again.Task("train").Outputs, first.Task("train").Outputs) {
		t.Errorf("cached train = %+v, want the first run's outputs and metrics", again.Task("train"))
	}
	// Only train changed: it runs on prepare's output, fetched from the bucket.
	changed := run(p("2"))
	if got := ran(changed); !slices.Equal(got, []string{"train"}) {
		t.Fatalf("after changing train, ran %v", got)
	}
	if !slices.Equal(changed.Task("train").Outputs, first.Task("train").Outputs) {
		t.Errorf("train on the fetched input = %+v, want the same model", changed.Task("train").Outputs)
	}
}
