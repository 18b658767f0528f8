package gitstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestRepo_PublishFolderOnTheTrackedBranch(t *testing.T) {
	rem := newRemote(t)
	ctx := testContext(t)
	r := open(t, rem.url, Options{})
	// A person pushes after the clone: the bot's commit goes on top.
	rem.person.Write("src/train.py", "print('v2')\n")
	moved := rem.person.Commit("person moves main")
	rem.person.Push()

	v1 := FolderUpdate{Folder: "deploy/k8s", Message: "mlcd: serve m v1", Files: map[string][]byte{"deploy/k8s/m.yaml": []byte("v: 1\n")}}
	first, err := r.PublishFolder(ctx, v1)
	if err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", "main"); got != first {
		t.Fatalf("main at %s, want the bot's commit %s", got, first)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", "main^"); got != moved {
		t.Errorf("the bot's commit is on %s, want the person's %s", got, moved)
	}
	if got := gittest.Git(t, rem.bare, "show", "main:deploy/k8s/m.yaml"); got != "v: 1" {
		t.Errorf("manifests = %q", got)
	}
	if got := gittest.Git(t, rem.bare, "show", "main:src/train.py"); got != "print('v2')" {
		t.Errorf("the person's file = %q: the bot's commit must keep the branch's other files", got)
	}

	rem.person.Pull()
	rem.person.Write("src/train.py", "print('v3')\n")
	moved2 := rem.person.Commit("person moves main again")
	rem.person.Push()
	again, err := r.PublishFolder(ctx, v1)
	if err != nil || again != first {
		t.Errorf("the same files again: %s, %v; want nothing committed, the commit %s", again, err, first)
	}

	v2 := v1
	v2.Files = map[string][]byte{"deploy/k8s/m.yaml": []byte("v: 2\n")}
	second, err := r.PublishFolder(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", second+"^"); got != moved2 {
		t.Errorf("the second commit's parent is %s, want the tip %s", got, moved2)
	}
	// The rollback story: the previous commit of the folder holds v1.
	if got := gittest.Git(t, rem.bare, "log", "--format=%H", "--", "deploy/k8s"); got != second+"\n"+first {
		t.Errorf("history of the folder = %q, want %s then %s", got, second, first)
	}
	gittest.CheckNoForcedUpdates(t, rem.bare, "main")
}

func TestRepo_PublishFolderOnABranchOfItsOwn(t *testing.T) {
	rem := newRemote(t)
	ctx := testContext(t)
	r := open(t, rem.url, Options{})
	u := FolderUpdate{Branch: "gitops", Folder: "clusters/prod", Message: "mlcd: serve m v1",
		Files: map[string][]byte{"clusters/prod/m.yaml": []byte("v: 1\n")}}
	first, err := r.PublishFolder(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", "gitops"); got != first {
		t.Fatalf("gitops at %s, want %s", got, first)
	}
	if got := gittest.Git(t, rem.bare, "ls-tree", "-r", "--name-only", "gitops"); got != "clusters/prod/m.yaml" {
		t.Errorf("a new branch holds %q, want only the folder", got)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", "main"); got != rem.first {
		t.Errorf("main moved to %s", got)
	}

	// A person adds a file of their own to the branch; the bot keeps it.
	p := gittest.Person(t, rem.url)
	p.Git("fetch", "origin", "gitops")
	p.Git("switch", "-c", "gitops", "origin/gitops")
	p.Write("clusters/prod/kustomization.yaml", "resources: [m.yaml]\n")
	mine := p.Commit("kustomization")
	p.Git("push", "origin", "gitops")

	u.Files = map[string][]byte{"clusters/prod/m.yaml": []byte("v: 2\n")}
	second, err := r.PublishFolder(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", second+"^"); got != mine {
		t.Errorf("the bot's commit is on %s, want the person's %s", got, mine)
	}
	if got := gittest.Git(t, rem.bare, "ls-tree", "-r", "--name-only", "gitops"); got != "clusters/prod/kustomization.yaml\nclusters/prod/m.yaml" {
		t.Errorf("gitops holds %q", got)
	}
	gittest.CheckNoForcedUpdates(t, rem.bare, "gitops")
}

func TestRepo_PublishFolderRefusesMlcdsOwnFolders(t *testing.T) {
	rem := newRemote(t)
	ctx := testContext(t)
	r := open(t, rem.url, Options{})
	for _, tt := range []struct {
		folder string
		files  map[string][]byte
	}{
		{"models", map[string][]byte{"models/m.yaml": []byte("x")}},
		{"deployments/k8s", map[string][]byte{"deployments/k8s/m.yaml": []byte("x")}},
		{".mlcd", map[string][]byte{".mlcd/m.yaml": []byte("x")}},
		{"../out", map[string][]byte{"../out/m.yaml": []byte("x")}},
		{"deploy", map[string][]byte{"src/train.py": []byte("x")}},
		{"deploy", map[string][]byte{"deploy/.git/config": []byte("x")}},
		{"deploy", map[string][]byte{"deploy/m.yaml": nil}},
		{"deploy", nil},
	} {
		_, err := r.PublishFolder(ctx, FolderUpdate{Folder: tt.folder, Message: "x", Files: tt.files})
		if !errors.Is(err, ErrForbiddenPath) || !strings.Contains(err.Error(), tt.folder) {
			t.Errorf("folder %q, files %v: err = %v, want ErrForbiddenPath naming the folder", tt.folder, tt.files, err)
		}
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", "main"); got != rem.first {
		t.Errorf("main moved to %s", got)
	}
}
