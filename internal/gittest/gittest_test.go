package gittest

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewBare_PersonPushAndReflog(t *testing.T) {
	t.Parallel()
	bare := NewBare(t)
	p := Person(t, "file://"+bare)
	p.Write("a.txt", "one\n")
	first := p.Commit("first")
	p.Push()
	p.Write("a.txt", "two\n")
	second := p.Commit("second")
	p.Push()

	if got := Git(t, bare, "rev-parse", "refs/heads/main"); got != second {
		t.Fatalf("main = %s, want %s", got, second)
	}
	if got := Git(t, bare, "rev-parse", "refs/heads/main~1"); got != first {
		t.Fatalf("main~1 = %s, want %s", got, first)
	}
	if n := CheckNoForcedUpdates(t, bare, "main"); n != 2 {
		t.Fatalf("reflog holds %d updates, want 2", n)
	}
	Fsck(t, bare)
}

func TestForcedUpdates_DetectsForcePush(t *testing.T) {
	t.Parallel()
	bare := NewBare(t)
	p := Person(t, "file://"+bare)
	p.Write("a.txt", "one\n")
	p.Commit("first")
	p.Push()
	p.Write("a.txt", "two\n")
	p.Commit("second")
	p.Push()
	p.Git("reset", "--quiet", "--hard", "HEAD~1")
	p.Write("b.txt", "other\n")
	p.Commit("rewritten")
	p.Git("push", "--quiet", "--force", "origin", "HEAD")

	n, forced, err := ForcedUpdates(bare, "main")
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(forced) != 1 {
		t.Fatalf("got %d updates, forced %q; want 3 updates, 1 forced", n, forced)
	}
}

func TestClone_Merge(t *testing.T) {
	t.Parallel()
	bare := NewBare(t)
	p := Person(t, "file://"+bare)
	p.Write("a.txt", "one\n")
	p.Commit("first")
	p.Branch("feature")
	p.Write("b.txt", "b\n")
	p.Commit("feature work")
	p.Switch("main")
	merge := p.Merge("feature", "Merge pull request #1")
	parents := strings.Fields(p.Git("rev-list", "--parents", "-n1", merge))
	if len(parents) != 3 {
		t.Fatalf("merge commit has %d parents, want 2", len(parents)-1)
	}
}

// racedRemote is a remote holding one commit, a person's clone of it, and
// a bot that pushed another commit after the person's last pull.
func racedRemote(t *testing.T) (bare string, person *Clone, botCommit string) {
	t.Helper()
	bare = NewBare(t)
	person = Person(t, "file://"+bare)
	person.Write("a.txt", "one\n")
	person.Commit("first")
	person.Push()
	bot := Person(t, "file://"+bare)
	bot.Write("records/r1", "run\n")
	botCommit = bot.Commit("record a run")
	bot.Push()
	return bare, person, botCommit
}

func TestClone_PushPullingWinsARaceWithTheBot(t *testing.T) {
	t.Parallel()
	bare, p, bot := racedRemote(t)
	p.Write("a.txt", "two\n")
	p.Commit("promote")
	pushed := p.PushPulling()
	if got := Git(t, bare, "rev-parse", "main"); got != pushed {
		t.Fatalf("remote main = %s, want the pushed %s", got, pushed)
	}
	if got := Git(t, bare, "rev-parse", "main~1"); got != bot {
		t.Errorf("remote main~1 = %s, want the bot's %s under the person's commit", got, bot)
	}
	if got := Git(t, bare, "show", "main:a.txt"); got != "two" {
		t.Errorf("a.txt on the remote = %q, want the person's edit", got)
	}
}

func TestClone_MergePushMergesAgainOntoTheBotsCommit(t *testing.T) {
	t.Parallel()
	bare, p, bot := racedRemote(t)
	p.Branch("promote")
	p.Write("a.txt", "two\n")
	head := p.Commit("promote")
	p.Switch("main")
	merge := p.MergePush("promote", "Merge pull request #1")
	if got := Git(t, bare, "rev-parse", "main"); got != merge {
		t.Fatalf("remote main = %s, want the returned merge %s", got, merge)
	}
	parents := strings.Fields(Git(t, bare, "rev-list", "--parents", "-n1", merge))[1:]
	if want := []string{bot, head}; strings.Join(parents, " ") != strings.Join(want, " ") {
		t.Errorf("merge parents = %v, want the bot's commit and the branch's unchanged head %v", parents, want)
	}
}

func TestServe_CloneAndPushWithBasicAuth(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	bare := NewBareIn(t, root, "team/repo.git")
	srv := Serve(t, root, ServeOptions{User: "ada", Password: "s3cret"})

	p := Person(t, srv.AuthURL("team/repo.git"))
	p.Write("mlcd.yaml", "pipeline: demo\n")
	head := p.Commit("first")
	p.Push()
	if got := Git(t, bare, "rev-parse", "refs/heads/main"); got != head {
		t.Fatalf("pushed main = %s, want %s", got, head)
	}
	other := Person(t, srv.AuthURL("team/repo.git"))
	if got := other.Head(); got != head {
		t.Fatalf("clone over HTTP has HEAD %s, want %s", got, head)
	}
	reqs := srv.Requests()
	if n, bytes := UploadPackPosts(reqs); n == 0 || bytes == 0 {
		t.Fatalf("upload-pack posts = %d (%d bytes), want at least one with data", n, bytes)
	}
	var receive bool
	for _, r := range reqs {
		receive = receive || (r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/git-receive-pack") && r.Status == 200)
	}
	if !receive {
		t.Fatalf("no successful receive-pack POST in %+v", reqs)
	}
}

func TestServe_RejectsWrongPassword(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	NewBareIn(t, root, "repo.git")
	srv := Serve(t, root, ServeOptions{User: "ada", Password: "s3cret"})
	url := strings.Replace(srv.URL("repo.git"), "http://", "http://ada:wrong@", 1)
	_, err := TryGit(t.TempDir(), nil, "clone", "--quiet", url, filepath.Join(t.TempDir(), "c"))
	if err == nil {
		t.Fatal("clone with a wrong password succeeded")
	}
	reqs := srv.Requests()
	if len(reqs) == 0 || reqs[0].Status != http.StatusUnauthorized {
		t.Fatalf("requests = %+v, want a 401", reqs)
	}
}

func TestServe_Delay(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	NewBareIn(t, root, "repo.git")
	srv := Serve(t, root, ServeOptions{Delay: 300 * time.Millisecond})
	start := time.Now()
	if _, err := TryGit(t.TempDir(), nil, "ls-remote", srv.URL("repo.git")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("ls-remote took %v, want at least the 300ms delay", took)
	}
}
