package gitstore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// BenchmarkRemoteHead is the poll when nothing changed, against a remote
// served by git http-backend on loopback with basic auth. It reports the
// HTTP requests and the upload-pack bytes per poll (both must stay 1 and 0).
func BenchmarkRemoteHead(b *testing.B) {
	root := b.TempDir()
	gittest.NewBareIn(b, root, "repo.git")
	srv := gittest.Serve(b, root, gittest.ServeOptions{User: "ada", Password: "pw"})
	p := gittest.Person(b, srv.AuthURL("repo.git"))
	p.Write("mlcd.yaml", "pipeline: demo\n")
	p.Commit("first")
	p.Push()
	r := open(b, srv.AuthURL("repo.git"), Options{})
	ctx := testContext(b)
	srv.Reset()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.RemoteHead(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reqs := srv.Requests()
	posts, bytes := gittest.UploadPackPosts(reqs)
	b.ReportMetric(float64(len(reqs))/float64(b.N), "requests/op")
	b.ReportMetric(float64(posts)/float64(b.N), "upload-pack-posts/op")
	b.ReportMetric(float64(bytes)/float64(b.N), "upload-pack-B/op")
}

// BenchmarkPublish records one run (a new run record: fetch, commit and
// push) into a remote whose history already holds n run records, one commit
// each. "flat" is the repository contract's layout, every record of the
// pipeline in runs/demo/, so each commit rewrites a folder of n entries;
// "sharded" keeps 100 records per folder, which separates the cost of the
// history (none: nothing walks it) from the cost of the folder's size.
func BenchmarkPublish(b *testing.B) {
	for _, tc := range []struct {
		n         int
		transport string
		perDir    int
	}{
		{1000, "file", 0}, {10000, "file", 0},
		{1000, "http", 0}, {10000, "http", 0},
		{1000, "file", 100}, {10000, "file", 100},
	} {
		layout := "flat"
		if tc.perDir > 0 {
			layout = "sharded"
		}
		b.Run(fmt.Sprintf("history=%d/%s/%s", tc.n, layout, tc.transport), func(b *testing.B) {
			benchPublish(b, tc.n, tc.perDir, tc.transport)
		})
	}
}

func benchPublish(b *testing.B, n, perDir int, transport string) {
	fixture := historyFixture(b, n, perDir)
	root := b.TempDir()
	bare := filepath.Join(root, "repo.git")
	gittest.Git(b, root, "clone", "--quiet", "--bare", fixture, bare)
	gittest.Git(b, bare, "config", "core.logAllRefUpdates", "true")
	url := "file://" + bare
	if transport == "http" {
		url = gittest.Serve(b, root, gittest.ServeOptions{User: "ada", Password: "pw"}).AuthURL("repo.git")
	}
	// The state clone as mlcd keeps it between passes: already up to date.
	state := filepath.Join(b.TempDir(), "state.git")
	gittest.Git(b, root, "clone", "--quiet", "--bare", fixture, state)
	r, err := Open(testContext(b), state, Options{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	ctx := testContext(b)
	i := n
	self0, git0 := cpuTimes()
	b.ResetTimer()
	for b.Loop() {
		i++
		rec := map[string][]byte{recordPath(i, perDir): record(i)}
		if _, err := r.Publish(ctx, fmt.Sprintf("mlcd: record run %d", i), files(rec)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU per op does not depend on how busy the machine is, unlike ns/op.
	self1, git1 := cpuTimes()
	b.ReportMetric(float64(self1-self0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(git1-git0)/float64(time.Millisecond)/float64(b.N), "git-cpu-ms/op")
}

func recordPath(i, perDir int) string {
	if perDir > 0 {
		return fmt.Sprintf("runs/demo/%04d/%06d.json", i/perDir, i)
	}
	return fmt.Sprintf("runs/demo/%06d.json", i)
}

func record(i int) []byte {
	return fmt.Appendf(nil, `{"schema":1,"id":"%06d","pipeline":"demo","status":"success","metrics":{"f1":0.%03d}}`+"\n", i, i%997)
}

var (
	fixtureMu sync.Mutex
	fixtures  = map[[2]int]string{}
)

// historyFixture returns a bare repository whose main has n commits, each
// adding one run record (perDir records per folder, 0 = one folder), built
// once per test binary with git fast-import.
func historyFixture(b *testing.B, n, perDir int) string {
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if dir, ok := fixtures[[2]int{n, perDir}]; ok {
		return dir
	}
	var stream bytes.Buffer
	for i := 1; i <= n; i++ {
		msg := fmt.Sprintf("mlcd: record run %d\n", i)
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\ncommitter mlcd-bot <mlcd-bot@users.noreply.mlcd.dev> %d +0000\ndata %d\n%s",
			i, 1700000000+i, len(msg), msg)
		if i > 1 {
			fmt.Fprintf(&stream, "from :%d\n", i-1)
		}
		rec := record(i)
		fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", recordPath(i, perDir), len(rec), rec)
	}
	// Not b.TempDir: the fixture outlives the sub-benchmark that built it.
	dir, err := mkdirTemp("mlcd-gitstore-history-")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gittest.TryGit("", nil, "init", "--quiet", "--bare", "--initial-branch=main", dir); err != nil {
		b.Fatal(err)
	}
	if _, err := gittest.TryGit(dir, stream.Bytes(), "fast-import", "--quiet"); err != nil {
		b.Fatal(err)
	}
	// Packed as a hosting service keeps a repository (one pack with a
	// reachability bitmap), so the server's side of a push costs what it
	// costs there, not what fast-import's raw pack costs.
	if _, err := gittest.TryGit(dir, nil, "repack", "-adq", "--write-bitmap-index"); err != nil {
		b.Fatal(err)
	}
	fixtures[[2]int{n, perDir}] = dir
	return dir
}
