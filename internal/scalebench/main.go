// Command scalebench measures the artifact store at scale (make
// bench-scale, its object store half): the fan-out DAG of make bench-dag
// (one root, width parallel tasks, one join), each task writing an output
// of -size bytes, run with a folder store and with a bucket store on a
// loopback S3 server (versitygw, posix backend) in the same process,
// interleaved. It prints the median of -runs runs of each, the object
// store's overhead per task, and the fully cached rerun that a fresh
// executor makes from each store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

type config struct {
	width, runs, jobs int
	size              int64
}

func main() {
	var c config
	flag.IntVar(&c.width, "width", 198, "parallel tasks between the root and the join")
	flag.Int64Var(&c.size, "size", 1<<20, "bytes of each task's output")
	flag.IntVar(&c.runs, "runs", 3, "runs of each kind; the median is printed")
	flag.IntVar(&c.jobs, "jobs", 2, "tasks at once")
	flag.Parse()
	if err := run(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

// timings are the wall times of one kind of store.
type timings struct{ run, cached []time.Duration }

func run(ctx context.Context, c config) error {
	work, err := os.MkdirTemp("", "mlcd-scalebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	srv, err := s3test.Start(ctx, work)
	if err != nil {
		return err
	}
	defer srv.Close()
	for k, v := range srv.Env() {
		os.Setenv(k, v)
	}
	repo := filepath.Join(work, "repo")
	p, err := writeDAG(repo, c)
	if err != nil {
		return err
	}
	var local, bucket timings
	for i := range c.runs {
		dir := filepath.Join(work, fmt.Sprintf("store-%d", i))
		if err := measure(ctx, p, repo, c, &local, func(context.Context) (store.Store, error) { return store.Open(dir) }); err != nil {
			return fmt.Errorf("folder store: %w", err)
		}
		os.RemoveAll(dir)
		name := fmt.Sprintf("bench-%d", i)
		if err := srv.CreateBucket(ctx, name); err != nil {
			return err
		}
		open := func(ctx context.Context) (store.Store, error) { return store.OpenBlob(ctx, srv.URL(name, "mlcd")) }
		if err := measure(ctx, p, repo, c, &bucket, open); err != nil {
			return fmt.Errorf("bucket store: %w\n%s", err, srv.Log())
		}
		os.RemoveAll(filepath.Join(srv.Root, name))
	}
	report(c, len(p.Tasks), local, bucket)
	return storeOps(ctx, srv, work, c)
}

// measure times one run of p with every task executed (NoCache, the
// index still written), then a fully cached rerun by a fresh executor
// with the store opened anew, as another machine would.
func measure(ctx context.Context, p *pipeline.Pipeline, repo string, c config, t *timings, open func(context.Context) (store.Store, error)) error {
	for _, noCache := range []bool{true, false} {
		start := time.Now()
		st, err := open(ctx)
		if err != nil {
			return err
		}
		r, err := executor.Run(ctx, p, executor.Options{Dir: repo, Store: st, Cache: true, NoCache: noCache, Jobs: c.jobs})
		elapsed := time.Since(start)
		if err != nil {
			return err
		}
		if r.Status != pipeline.StatusSuccess {
			return fmt.Errorf("run %s: %s", r.Status, r.Error)
		}
		if !noCache {
			for _, task := range r.Tasks {
				if !task.CacheHit {
					return fmt.Errorf("cached rerun: task %s ran", task.Name)
				}
			}
			t.cached = append(t.cached, elapsed)
		} else {
			t.run = append(t.run, elapsed)
		}
		if cl, ok := st.(interface{ Close() error }); ok {
			cl.Close()
		}
	}
	return nil
}

// writeDAG writes mlcd.yaml of the fan-out DAG into dir and loads it.
func writeDAG(dir string, c config) (*pipeline.Pipeline, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cmd := fmt.Sprintf(`head -c %d /dev/urandom > \"$MLCD_OUT/out.bin\"`, c.size)
	var b strings.Builder
	fmt.Fprintf(&b, "pipeline: scale\ntasks:\n  root: {run: \"%s\"}\n", cmd)
	var mids []string
	for i := range c.width {
		fmt.Fprintf(&b, "  t%d: {run: \"%s\", needs: [root]}\n", i, cmd)
		mids = append(mids, fmt.Sprintf("t%d", i))
	}
	fmt.Fprintf(&b, "  join: {run: \"%s\", needs: [%s]}\n", cmd, strings.Join(mids, ", "))
	if err := os.WriteFile(filepath.Join(dir, pipeline.FileName), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	p, err := pipeline.Load(dir)
	if err != nil {
		return nil, errors.Join(errors.New("the generated pipeline"), err)
	}
	return p, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func report(c config, tasks int, local, bucket timings) {
	lr, br := median(local.run), median(bucket.run)
	lc, bc := median(local.cached), median(bucket.cached)
	perTask := (br - lr) / time.Duration(tasks)
	fmt.Printf("bench-scale (object store): %d tasks x %d KiB output, jobs %d, median of %d\n", tasks, c.size>>10, c.jobs, c.runs)
	fmt.Printf("  folder store        run %8.2f s   cached rerun %6.3f s\n", lr.Seconds(), lc.Seconds())
	fmt.Printf("  S3 (versitygw)      run %8.2f s   cached rerun %6.3f s\n", br.Seconds(), bc.Seconds())
	fmt.Printf("  object store overhead per task: %.1f ms (target < 15 ms); S3/folder run time %.2fx\n",
		float64(perTask.Microseconds())/1000, br.Seconds()/lr.Seconds())
	fmt.Printf("  fully cached rerun from S3: %.3f s (target < 1 s); S3/folder %.2fx\n", bc.Seconds(), bc.Seconds()/lc.Seconds())
}
