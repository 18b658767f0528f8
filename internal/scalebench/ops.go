package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/store"
)

// taskOps is how many tasks' worth of store calls storeOps times.
const taskOps = 100

// storeOps times, one task after another, the store calls the executor
// makes for a task of the DAG: put its output and its log, write its cache
// index entry, then (a rerun) read the entry back and check the output is
// there. It isolates the store's cost from the run's, which varies more
// on a busy machine.
func storeOps(ctx context.Context, srv *s3test.Server, work string, c config) error {
	out, logFile := filepath.Join(work, "out.bin"), filepath.Join(work, "task.log")
	if err := os.WriteFile(logFile, []byte("training...\ndone\n"), 0o644); err != nil {
		return err
	}
	folder, err := store.Open(filepath.Join(work, "ops-store"))
	if err != nil {
		return err
	}
	if err := srv.CreateBucket(ctx, "ops"); err != nil {
		return err
	}
	bucket, err := store.OpenBlob(ctx, srv.URL("ops", "mlcd"))
	if err != nil {
		return err
	}
	defer bucket.Close()
	data := make([]byte, c.size)
	var times [2]struct{ put, lookup time.Duration }
	for i := range taskOps {
		rand.Read(data)
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
		for j, st := range []store.Store{folder, bucket} {
			put, lookup, err := oneTask(ctx, st, out, logFile, i)
			if err != nil {
				return fmt.Errorf("store %s: %w", st, err)
			}
			times[j].put += put
			times[j].lookup += lookup
		}
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / taskOps }
	fmt.Printf("  store calls of one task (mean of %d, one at a time): put output+log and index it / cache lookup\n", taskOps)
	fmt.Printf("    folder store    %6.2f ms / %5.2f ms\n", per(times[0].put), per(times[0].lookup))
	fmt.Printf("    S3 (versitygw)  %6.2f ms / %5.2f ms   (+%.2f ms / +%.2f ms)\n", per(times[1].put), per(times[1].lookup),
		per(times[1].put-times[0].put), per(times[1].lookup-times[0].lookup))
	return nil
}

func oneTask(ctx context.Context, st store.Store, out, logFile string, i int) (put, lookup time.Duration, err error) {
	start := time.Now()
	obj, err := st.PutFile(ctx, out)
	if err != nil {
		return 0, 0, err
	}
	if _, err := st.PutFile(ctx, logFile); err != nil {
		return 0, 0, err
	}
	doc := fmt.Sprintf("cache/ops-%d", i)
	if err := st.WriteDoc(ctx, doc, []byte(`{"outputs":["`+obj.SHA256+`"]}`)); err != nil {
		return 0, 0, err
	}
	put = time.Since(start)
	start = time.Now()
	if _, err := st.ReadDoc(ctx, doc); err != nil {
		return 0, 0, err
	}
	if has, err := st.Has(ctx, obj.SHA256); err != nil || !has {
		return 0, 0, fmt.Errorf("output not found: %v", err)
	}
	return put, time.Since(start), nil
}
