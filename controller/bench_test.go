package controller

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

const benchPipeline = `version: 1
pipeline: bench
tasks:
  first: {run: 'cat src/seed > "$MLCD_OUT/seed"', inputs: ["src/*"]}
`

// BenchmarkPushToFirstTask measures, on the production path, the time from
// the end of a person's `git push` to the start of the first task of the run
// it causes: a remote served by git http-backend on 127.0.0.1 with basic
// auth, `mlcd watch`'s controller, and the executor. With a webhook, the
// push is followed by GitHub's signed delivery (poll interval one hour, so
// only the webhook can start it); with polling, the interval is 1 s.
// Run with a fixed count: go test -run '^$' -bench PushToFirstTask -benchtime 10x
func BenchmarkPushToFirstTask(b *testing.B) {
	b.Run("webhook", func(b *testing.B) { benchPushToFirstTask(b, true) })
	b.Run("poll-1s", func(b *testing.B) { benchPushToFirstTask(b, false) })
}

func benchPushToFirstTask(b *testing.B, webhook bool) {
	root := b.TempDir()
	gittest.NewBareIn(b, root, "repo.git")
	srv := gittest.Serve(b, root, gittest.ServeOptions{User: "ada", Password: "pw"})
	person := gittest.Person(b, srv.AuthURL("repo.git"))
	person.Write("mlcd.yaml", benchPipeline)
	person.Write("src/seed", "0\n")
	person.Commit("pipeline")
	person.Push()

	const secret = "bench"
	cfg := Config{URL: srv.AuthURL("repo.git"), StateDir: filepath.Join(b.TempDir(), "state"), Interval: time.Second}
	if webhook {
		cfg.Interval, cfg.Listen, cfg.WebhookSecret = time.Hour, benchAddr(b), secret
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	waitRuns(b, c, 1)

	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		person.Pull()
		person.Write("src/seed", fmt.Sprintf("%d\n", i+1))
		person.Commit("data")
		person.Push()
		pushed := time.Now()
		if webhook {
			deliver(b, "http://"+cfg.Listen+"/hooks/github", secret, fmt.Sprintf("d-%d", i), person.Head())
		}
		r := waitRuns(b, c, i+2)
		start := r.Tasks[0].Attempts[0].Start
		lat = append(lat, start.Sub(pushed.Truncate(time.Millisecond)))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-max")
}

// waitRuns waits until the controller has recorded n runs and returns the
// newest record.
func waitRuns(b *testing.B, c *Controller, n int) *pipeline.Run {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		runs := c.recordedRuns(b)
		if len(runs) >= n {
			return runs[len(runs)-1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("fewer than %d runs recorded after 30s", n)
	return nil
}

// recordedRuns reads the run records of the branch as last fetched.
func (c *Controller) recordedRuns(b *testing.B) []*pipeline.Run {
	ctx := context.Background()
	head, err := c.repo.Fetch(ctx)
	if err != nil {
		return nil
	}
	out, err := gittest.TryGit(c.repo.Dir(), nil, "ls-tree", "-r", "--name-only", head, "runs/bench/")
	if err != nil {
		return nil
	}
	var runs []*pipeline.Run
	for _, name := range strings.Fields(out) {
		data, err := c.repo.ReadFile(ctx, head, name)
		if err != nil {
			b.Fatal(err)
		}
		r, err := pipeline.DecodeRun(data)
		if err != nil {
			b.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

func deliver(b *testing.B, url, secret, id, after string) {
	body := `{"ref":"refs/heads/main","after":"` + after + `","repository":{"full_name":"o/r"}}`
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
}

func benchAddr(b *testing.B) string {
	l, err := netListen()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
