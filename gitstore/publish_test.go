package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestRepo_Publish(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			var rm *remote
			url := ""
			if transport == "file" {
				rm = newRemote(t)
				url = rm.url
			} else {
				s := newServed(t, gittest.ServeOptions{User: "ada", Password: "pw"})
				rm, url = &s.remote, s.srv.AuthURL("repo.git")
			}
			r := open(t, url, Options{})
			ctx := testContext(t)

			first, err := r.Publish(ctx, "mlcd: record run 1", files(map[string][]byte{
				"runs/demo/1.json":   []byte(`{"id":"1"}` + "\n"),
				"models/m/v1.yaml":   []byte("version: 1\nstage: None\n"),
				"deployments/m.yaml": []byte("served: []\n"),
			}))
			if err != nil {
				t.Fatal(err)
			}
			if got := gittest.Git(t, rm.bare, "rev-parse", "main"); got != first {
				t.Fatalf("remote main = %s, Publish returned %s", got, first)
			}
			if got := gittest.Git(t, rm.bare, "show", "-s", "--format=%P|%an <%ae>|%s", "main"); got != rm.first+"|mlcd-bot <mlcd-bot@users.noreply.mlcd.dev>|mlcd: record run 1" {
				t.Fatalf("bot commit = %q", got)
			}
			if got := gittest.Git(t, rm.bare, "show", "main:models/m/v1.yaml"); got != "version: 1\nstage: None" {
				t.Fatalf("models/m/v1.yaml = %q", got)
			}

			// Same content again: nothing to commit.
			again, err := r.Publish(ctx, "mlcd: record run 1", files(map[string][]byte{"runs/demo/1.json": []byte(`{"id":"1"}` + "\n")}))
			if err != nil || again != first {
				t.Fatalf("republishing the same file = %s, %v; want %s (no commit)", again, err, first)
			}

			// A deletion and an update in one commit.
			second, err := r.Publish(ctx, "mlcd: archive", files(map[string][]byte{
				"deployments/m.yaml": nil,
				"models/m/v1.yaml":   []byte("version: 1\nstage: Archived\n"),
			}))
			if err != nil {
				t.Fatal(err)
			}
			changed := lines(gittest.Git(t, rm.bare, "diff", "--name-only", first, second))
			if diff := cmp.Diff([]string{"deployments/m.yaml", "models/m/v1.yaml"}, changed); diff != "" {
				t.Fatalf("second commit changed (-want +got):\n%s", diff)
			}
			gittest.Fsck(t, rm.bare)
			gittest.CheckNoForcedUpdates(t, rm.bare, "main")
		})
	}
}

func TestRepo_PublishRejectsPathsOutsideBotFolders(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	r := open(t, rm.url, Options{})
	for _, p := range []string{
		"mlcd.yaml", "src/train.py", "runs", "/runs/x.json", "runs/../mlcd.yaml", "runs//x.json",
		"./runs/x.json", "runs/.git/config", "runs/x/", "models\\m\\v1.yaml", "Runs/x.json", "",
	} {
		_, err := r.Publish(testContext(t), "mlcd: bad", files(map[string][]byte{p: []byte("x")}))
		if !errors.Is(err, ErrForbiddenPath) {
			t.Errorf("Publish(%q): %v, want ErrForbiddenPath", p, err)
		}
	}
	_, err := r.Publish(testContext(t), "mlcd: bad", files(map[string][]byte{
		"runs/a": []byte("file"), "runs/a/b.json": []byte("under it"),
	}))
	if !errors.Is(err, ErrForbiddenPath) {
		t.Errorf("a path that is both a file and a folder: %v, want ErrForbiddenPath", err)
	}
	if got := gittest.Git(t, rm.bare, "rev-parse", "main"); got != rm.first {
		t.Fatalf("a refused Publish moved main to %s", got)
	}
}

// nextVersion is a build that registers the next version of model m, as the
// registry does: it reads the tip to choose the number.
func nextVersion(calls *int, between func()) BuildFunc {
	return func(_ context.Context, tip fs.FS) (map[string][]byte, error) {
		*calls++
		entries, err := fs.ReadDir(tip, "models/m")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if between != nil {
			between()
		}
		v := len(entries) + 1
		return map[string][]byte{fmt.Sprintf("models/m/v%d.yaml", v): []byte(fmt.Sprintf("version: %d\n", v))}, nil
	}
}

func TestRepo_PublishRebuildsOnNewTip(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	r := open(t, rm.url, Options{})
	other := gittest.Person(t, rm.url) // another writer registering v1 first
	calls := 0
	raced := false
	got, err := r.Publish(testContext(t), "mlcd: register m", nextVersion(&calls, func() {
		if raced {
			return
		}
		raced = true
		other.Write("models/m/v1.yaml", "version: 1\n")
		other.Write("src/train.py", "print('changed')\n")
		other.Commit("someone else registered v1")
		other.Push()
	}))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("build called %d times, want 2 (once more on the new tip)", calls)
	}
	if parent := gittest.Git(t, rm.bare, "rev-parse", got+"^"); parent != other.Head() {
		t.Fatalf("bot commit's parent = %s, want the other writer's %s", parent, other.Head())
	}
	want := []string{"models/m/v1.yaml", "models/m/v2.yaml"}
	if diff := cmp.Diff(want, lines(gittest.Git(t, rm.bare, "ls-tree", "-r", "--name-only", "main", "models"))); diff != "" {
		t.Fatalf("models after the race (-want +got):\n%s", diff)
	}
	gittest.CheckNoForcedUpdates(t, rm.bare, "main")
}

func TestRepo_PublishConflictKeepsPendingCommit(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	r := open(t, rm.url, Options{})
	ctx := testContext(t)
	if _, err := r.Publish(ctx, "mlcd: record run 1 (running)", files(map[string][]byte{
		"runs/demo/1.json": []byte(`{"status":"running"}`),
	})); err != nil {
		t.Fatal(err)
	}
	person := gittest.Person(t, rm.url)
	edited := false
	record := []byte(`{"status":"success"}`)
	_, err := r.Publish(ctx, "mlcd: record run 1 (success)", func(context.Context, fs.FS) (map[string][]byte, error) {
		if !edited { // a person edits the same record while the bot writes it
			edited = true
			person.Write("runs/demo/1.json", `{"status":"running","note":"by hand"}`)
			person.Commit("annotate run 1")
			person.Push()
		}
		return map[string][]byte{"runs/demo/1.json": record}, nil
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("Publish: %v, want ErrConflict", err)
	}
	var perr *PublishError
	if !errors.As(err, &perr) || perr.Pending == "" || !strings.Contains(err.Error(), perr.Pending) {
		t.Fatalf("error %v should name the pending branch", err)
	}
	if got := gittest.Git(t, rm.bare, "show", "main:runs/demo/1.json"); got != `{"status":"running","note":"by hand"}` {
		t.Fatalf("the person's edit was lost: %q", got)
	}
	if got := gittest.Git(t, r.Dir(), "show", perr.Pending+":runs/demo/1.json"); got != string(record) {
		t.Fatalf("pending branch holds %q, want the bot's record", got)
	}

	pending, err := r.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Hash != perr.Commit {
		t.Fatalf("Pending = %+v, %v; want the kept commit %s", pending, err, perr.Commit)
	}
	kept, err := r.PendingFiles(ctx, perr.Commit)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]byte{"runs/demo/1.json": record}, kept); diff != "" {
		t.Fatalf("PendingFiles (-want +got):\n%s", diff)
	}
	// Recovery: the controller decides (here: the bot's final record wins)
	// and publishes the kept files on the new tip, then drops the branch.
	if _, err := r.Publish(ctx, "mlcd: record run 1 (success)", files(kept)); err != nil {
		t.Fatal(err)
	}
	if err := r.DropPending(ctx, perr.Commit); err != nil {
		t.Fatal(err)
	}
	if pending, err := r.Pending(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("Pending after drop = %v, %v", pending, err)
	}
	if got := gittest.Git(t, rm.bare, "log", "--format=%s", "-3", "main"); got != "mlcd: record run 1 (success)\nannotate run 1\nmlcd: record run 1 (running)" {
		t.Fatalf("history:\n%s", got)
	}
	gittest.CheckNoForcedUpdates(t, rm.bare, "main")
}

func TestRepo_PublishBuildConflict(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	r := open(t, rm.url, Options{})
	_, err := r.Publish(testContext(t), "mlcd: x", func(context.Context, fs.FS) (map[string][]byte, error) {
		return nil, fmt.Errorf("models/m/v1.yaml: stage edited by hand: %w", ErrConflict)
	})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "models/m/v1.yaml") {
		t.Fatalf("Publish: %v, want the build's ErrConflict", err)
	}
	if pending, _ := r.Pending(testContext(t)); len(pending) != 0 {
		t.Fatalf("no commit was built, yet Pending = %v", pending)
	}
}

func TestRepo_PublishGivesUpAfterAttempts(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	r := open(t, rm.url, Options{PushAttempts: 2})
	person := gittest.Person(t, rm.url)
	n := 0
	_, err := r.Publish(testContext(t), "mlcd: record", func(context.Context, fs.FS) (map[string][]byte, error) {
		n++ // someone pushes every time the bot builds
		person.Write(fmt.Sprintf("src/f%d.py", n), "pass\n")
		person.Commit(fmt.Sprintf("person %d", n))
		person.Push()
		return map[string][]byte{"runs/demo/2.json": []byte("{}")}, nil
	})
	if !errors.Is(err, ErrNonFastForward) || n != 2 {
		t.Fatalf("Publish after %d builds: %v, want ErrNonFastForward after 2", n, err)
	}
	if pending, _ := r.Pending(testContext(t)); len(pending) != 1 {
		t.Fatalf("Pending = %v, want the last commit kept", pending)
	}
	gittest.CheckNoForcedUpdates(t, rm.bare, "main")
}
