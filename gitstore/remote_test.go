package gitstore

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestOpen_ClonesThenReopensWithoutNetwork(t *testing.T) {
	t.Parallel()
	s := newServed(t, gittest.ServeOptions{User: "ada", Password: "pw"})
	dir := filepath.Join(t.TempDir(), "repo.git")
	opts := Options{URL: s.srv.AuthURL("repo.git")}
	r, err := Open(testContext(t), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := r.tip()
	if err != nil || tip.String() != s.first {
		t.Fatalf("after clone tip = %s, %v; want %s", tip, err, s.first)
	}
	s.srv.Reset()
	r2, err := Open(testContext(t), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.srv.Requests()); n != 0 {
		t.Fatalf("reopening made %d requests, want 0", n)
	}
	if got, err := r2.Fetch(testContext(t)); err != nil || got != s.first {
		t.Fatalf("Fetch after reopen = %s, %v; want %s", got, err, s.first)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(cfg), "pw") {
		t.Fatalf("the clone's config holds the password:\n%s", cfg)
	}
}

func TestOpen_RefusesNonEmptyFolder(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testContext(t), dir, Options{URL: rm.url}); err == nil {
		t.Fatal("Open cloned into a folder holding other files")
	}
	if data, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(data) != "mine" {
		t.Fatalf("the folder's file was touched: %q, %v", data, err)
	}
}

func TestOpen_EmptyRemote(t *testing.T) {
	t.Parallel()
	bare := gittest.NewBare(t)
	r := open(t, "file://"+bare, Options{})
	if _, err := r.RemoteHead(testContext(t)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RemoteHead of an empty remote: %v, want ErrNotFound", err)
	}
	got, err := r.Publish(testContext(t), "mlcd: first record", files(map[string][]byte{"runs/demo/1.json": []byte("{}\n")}))
	if err != nil {
		t.Fatal(err)
	}
	if want := gittest.Git(t, bare, "rev-parse", "main"); got != want {
		t.Fatalf("Publish = %s, remote main = %s", got, want)
	}
	if parents := gittest.Git(t, bare, "rev-list", "--parents", "-n1", "main"); parents != got {
		t.Fatalf("first commit has parents: %s", parents)
	}
}

func TestRepo_RemoteHeadIsOneRequestWithoutObjects(t *testing.T) {
	t.Parallel()
	s := newServed(t, gittest.ServeOptions{User: "ada", Password: "pw"})
	r := open(t, s.srv.AuthURL("repo.git"), Options{})
	ctx := testContext(t)

	s.srv.Reset()
	head, err := r.RemoteHead(ctx)
	if err != nil || head != s.first {
		t.Fatalf("RemoteHead = %s, %v; want %s", head, err, s.first)
	}
	reqs := s.srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || !strings.HasSuffix(reqs[0].Path, "/info/refs") ||
		reqs[0].Query != "service=git-upload-pack" {
		t.Fatalf("RemoteHead made requests %+v, want one GET info/refs?service=git-upload-pack", reqs)
	}
	if n, _ := gittest.UploadPackPosts(reqs); n != 0 {
		t.Fatalf("RemoteHead transferred objects: %d upload-pack POSTs", n)
	}

	s.person.Write("src/train.py", "print('v2')\n")
	second := s.person.Commit("second")
	s.person.Push()
	if head, err = r.RemoteHead(ctx); err != nil || head != second {
		t.Fatalf("RemoteHead after a push = %s, %v; want %s", head, err, second)
	}
	if got, err := r.Fetch(ctx); err != nil || got != second {
		t.Fatalf("Fetch = %s, %v; want %s", got, err, second)
	}
	s.srv.Reset()
	if got, err := r.Fetch(ctx); err != nil || got != second {
		t.Fatalf("second Fetch = %s, %v; want %s", got, err, second)
	}
	if n, _ := gittest.UploadPackPosts(s.srv.Requests()); n != 0 {
		t.Fatalf("a Fetch with nothing new made %d upload-pack POSTs", n)
	}
}

func TestRepo_RemoteHeadFileRemote(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	r := open(t, rm.bare, Options{}) // a plain path
	rm.person.Write("a.txt", "a\n")
	second := rm.person.Commit("second")
	rm.person.Push()
	if head, err := r.RemoteHead(testContext(t)); err != nil || head != second {
		t.Fatalf("RemoteHead = %s, %v; want %s", head, err, second)
	}
	if got, err := r.Fetch(testContext(t)); err != nil || got != second {
		t.Fatalf("Fetch = %s, %v; want %s", got, err, second)
	}
}

func TestOpen_AuthFailures(t *testing.T) {
	t.Parallel()
	s := newServed(t, gittest.ServeOptions{User: "ada", Password: "right-secret"})
	tests := []struct {
		name     string
		url      string
		auth     *githttp.BasicAuth
		wantHint string
	}{
		{"no credentials", s.srv.URL("repo.git"), nil, "MLCD_GIT_TOKEN"},
		{"wrong password in url", strings.Replace(s.srv.URL("repo.git"), "http://", "http://ada:wrong-secret@", 1), nil, "remote URL"},
		{"wrong auth option", s.srv.URL("repo.git"), &githttp.BasicAuth{Username: "ada", Password: "wrong-secret"}, "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo.git")
			opts := Options{URL: tt.url}
			if tt.auth != nil {
				opts.Auth = tt.auth
			}
			_, err := Open(testContext(t), dir, opts)
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("Open: %v, want ErrAuth", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, strings.TrimPrefix(s.srv.URL(""), "http://")) || !strings.Contains(msg, tt.wantHint) {
				t.Errorf("error %q should name the URL and %q", msg, tt.wantHint)
			}
			if strings.Contains(msg, "wrong-secret") {
				t.Errorf("error leaks the password: %q", msg)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed clone left %s behind", dir)
			}
		})
	}
}

// Not parallel: it sets the environment.
func TestOpen_TokenFromEnvironment(t *testing.T) {
	s := newServed(t, gittest.ServeOptions{User: tokenUser, Password: "tok-123"})
	t.Setenv(EnvGitHubToken, "")
	t.Setenv(EnvToken, "tok-123")
	r := open(t, s.srv.URL("repo.git"), Options{})
	if head, err := r.RemoteHead(testContext(t)); err != nil || head != s.first {
		t.Fatalf("RemoteHead = %s, %v", head, err)
	}
	t.Setenv(EnvToken, "")
	t.Setenv(EnvGitHubToken, "tok-123")
	r = open(t, s.srv.URL("repo.git"), Options{})
	if _, err := r.Publish(testContext(t), "mlcd: record", files(map[string][]byte{"runs/d/1.json": []byte("{}")})); err != nil {
		t.Fatalf("Publish with GITHUB_TOKEN: %v", err)
	}
}

func TestRepo_RemoteHeadTimesOutOnSlowServer(t *testing.T) {
	t.Parallel()
	s := newServed(t, gittest.ServeOptions{})
	// The server would answer after a minute; the client gives up at its
	// deadline, which ends the server's wait too. The bound below is far
	// from both: a loaded machine may be slow to return, never that slow.
	slow := gittest.Serve(t, filepath.Dir(s.bare), gittest.ServeOptions{Delay: time.Minute})
	dir := filepath.Join(t.TempDir(), "repo.git")
	if _, err := Open(testContext(t), dir, Options{URL: s.url}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(testContext(t), dir, Options{URL: slow.URL("repo.git")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = r.RemoteHead(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RemoteHead on a slow server: %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("RemoteHead returned after %v, not at the deadline", took)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if _, err := r.Fetch(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Fetch on a slow server: %v, want context.DeadlineExceeded", err)
	}
}
