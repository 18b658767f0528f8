package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// mlcd run with a bucket store puts the outputs and logs there; a run on
// another machine (nothing local shared) is fully cached from the bucket;
// mlcd report copies the task's log into the site through a local copy.
func TestRunAndReport_BucketStore(t *testing.T) {
	srv := s3test.StartT(t)
	bucket := srv.NewBucket(t)
	t.Setenv("MLCD_STORE", srv.URL(bucket, "team"))
	dir := writePipeline(t, "pipeline: p\ntasks:\n  a: {run: \"echo hello from a; echo data > $MLCD_OUT/out.txt\"}\n")
	var seen []string
	run := func() *pipeline.Run { // the new record
		t.Helper()
		t.Setenv("XDG_CACHE_HOME", t.TempDir()) // another machine
		out, code, err := mlcd(t, "run", dir)
		if code != exitOK {
			t.Fatalf("run: exit %d, %v\n%s", code, err, out)
		}
		runs, err := pipeline.ListRuns(dir, "p")
		if err != nil || len(runs) != len(seen)+1 {
			t.Fatalf("%d records, %v; want %d", len(runs), err, len(seen)+1)
		}
		for _, r := range runs {
			if !slices.Contains(seen, r.ID) {
				seen = append(seen, r.ID)
				return r
			}
		}
		t.Fatal("no new record")
		return nil
	}
	first := run()
	a := first.Task("a")
	if len(a.Attempts) != 1 || len(a.Outputs) != 1 {
		t.Fatalf("task a: %+v", a)
	}
	for _, d := range []string{a.Attempts[0].Log, a.Outputs[0].SHA256} {
		key := "team/sha256/" + d[:2] + "/" + d[2:]
		if _, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
			t.Errorf("object %s not in the bucket: %v", key, err)
		}
	}
	if again := run(); !again.Task("a").CacheHit {
		t.Errorf("second run: task a ran; want a cache hit from the bucket")
	}
	site := filepath.Join(t.TempDir(), "site")
	if out, code, err := mlcd(t, "report", "--repo", dir, "--out", site); code != exitOK {
		t.Fatalf("report: exit %d, %v\n%s", code, err, out)
	}
	data, err := os.ReadFile(filepath.Join(site, "logs", a.Attempts[0].Log+".txt"))
	if err != nil || !strings.Contains(string(data), "hello from a") {
		t.Errorf("the site's copy of the log: %q, %v", data, err)
	}
}

// A bucket that does not exist is bad input, named without secrets.
func TestRunCommand_MissingBucket(t *testing.T) {
	srv := s3test.StartT(t)
	t.Setenv("MLCD_STORE", srv.URL("no-such-bucket", "team"))
	dir := writePipeline(t, "pipeline: p\ntasks:\n  a: {run: \"true\"}\n")
	_, code, err := mlcd(t, "run", dir)
	if code != exitBadInput || err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/team") ||
		!strings.Contains(err.Error(), "bucket does not exist") || strings.Contains(err.Error(), srv.Secret) {
		t.Errorf("run against a missing bucket: exit %d, %v", code, err)
	}
}
