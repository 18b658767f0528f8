package gitstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestRepo_PublishBranch(t *testing.T) {
	rem := newRemote(t)
	ctx := testContext(t)
	r := open(t, rem.url, Options{})
	tip, err := r.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const branch = "mlcd/promote-m-v1"
	file := func(stage string) map[string][]byte {
		return map[string][]byte{"models/m/v1.yaml": []byte("stage: " + stage + "\n")}
	}
	first, err := r.PublishBranch(ctx, BranchUpdate{Branch: branch, Parent: tip, Message: "promote", Files: file("Production"),
		Author: Signature{Name: "Ada", Email: "ada@example.com"}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", branch); got != first {
		t.Fatalf("remote %s at %s, want %s", branch, got, first)
	}
	if got := gittest.Git(t, rem.bare, "diff", "--name-only", "main", branch); got != "models/m/v1.yaml" {
		t.Errorf("branch changes %q, want only models/m/v1.yaml", got)
	}
	if got := gittest.Git(t, rem.bare, "log", "-1", "--format=%an <%ae> / %cn", branch); got != "Ada <ada@example.com> / "+DefaultBot.Name {
		t.Errorf("author / committer = %q", got)
	}

	again, err := r.PublishBranch(ctx, BranchUpdate{Branch: branch, Parent: tip, Message: "promote", Files: file("Production")})
	if err != nil || again != first {
		t.Errorf("same files again: %s, %v; want the branch left at %s", again, err, first)
	}

	rem.person.Write("src/train.py", "print('v2')\n")
	rem.person.Commit("person moves main")
	rem.person.Push()
	tip2, err := r.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	replaced, err := r.PublishBranch(ctx, BranchUpdate{Branch: branch, Parent: tip2, Message: "promote", Files: file("Staging")})
	if err != nil {
		t.Fatalf("replace the bot's branch: %v", err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", branch+"^"); got != tip2 || replaced == first {
		t.Errorf("replaced branch's parent %s (commit %s), want %s and a new commit", got, replaced, tip2)
	}

	// A person adds to the branch: the bot must leave it alone.
	rem.person.Git("fetch", "origin")
	rem.person.Git("switch", "-c", "mine", "origin/"+branch)
	rem.person.Write("models/m/v1.yaml", "stage: Production\n# reviewed\n")
	mine := rem.person.Commit("person edits the promotion")
	rem.person.Git("push", "origin", "HEAD:"+branch)
	_, err = r.PublishBranch(ctx, BranchUpdate{Branch: branch, Parent: tip2, Message: "promote", Files: file("Archived")})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("branch a person changed: err %v, want ErrConflict", err)
	}
	if got := gittest.Git(t, rem.bare, "rev-parse", branch); got != mine {
		t.Errorf("branch moved to %s after a refusal, want the person's %s", got, mine)
	}
	gittest.Fsck(t, rem.bare)
}

func TestRepo_PublishBranchRefuses(t *testing.T) {
	rem := newRemote(t)
	ctx := testContext(t)
	r := open(t, rem.url, Options{})
	tip, err := r.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"models/m/v1.yaml": []byte("x\n")}
	tests := []struct {
		name string
		u    BranchUpdate
		want error
	}{
		{"tracked branch", BranchUpdate{Branch: "main", Parent: tip, Files: files}, ErrForbiddenPath},
		{"bad name", BranchUpdate{Branch: "a..b", Parent: tip, Files: files}, ErrForbiddenPath},
		{"path outside the bot's folders", BranchUpdate{Branch: "x", Parent: tip, Files: map[string][]byte{"src/a.py": []byte("x")}}, ErrForbiddenPath},
		{"parent not a hash", BranchUpdate{Branch: "x", Parent: "main", Files: files}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.PublishBranch(ctx, tt.u); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := r.BranchTip(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("BranchTip of a refused branch: %v, want ErrNotFound", err)
	}
}

func TestRepo_ResolveRefMergeBase(t *testing.T) {
	rem := newRemote(t)
	p := rem.person
	p.Branch("feature")
	p.Write("models/m/v1.yaml", "stage: Production\n")
	feature := p.Commit("feature")
	p.Git("push", "origin", "feature")
	p.Switch("main")
	p.Write("src/train.py", "print('main moved')\n")
	moved := p.Commit("main moves")
	p.Push()
	p.Switch("feature")

	ctx := testContext(t)
	r, err := OpenWorkTree(ctx, p.Dir+"/src", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.URL() != rem.url {
		t.Errorf("URL %q, want origin %q", r.URL(), rem.url)
	}
	for ref, want := range map[string]string{
		"HEAD": feature, "feature": feature, "origin/main": moved, "main": moved,
		feature[:9]: feature, rem.first: rem.first, "origin/feature": feature,
	} {
		if got, err := r.ResolveRef(ctx, ref); err != nil || got != want {
			t.Errorf("ResolveRef(%q) = %s, %v; want %s", ref, got, err, want)
		}
	}
	if _, err := r.ResolveRef(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ResolveRef(nope): %v, want ErrNotFound", err)
	}
	base, err := r.MergeBase(ctx, "origin/main", "HEAD")
	if err != nil || base != rem.first {
		t.Errorf("MergeBase = %s, %v; want the fork point %s", base, err, rem.first)
	}
	if base, err := r.MergeBase(ctx, "HEAD", rem.first); err != nil || base != rem.first {
		t.Errorf("MergeBase with an ancestor = %s, %v; want %s", base, err, rem.first)
	}
	if _, err := OpenWorkTree(ctx, t.TempDir(), Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("OpenWorkTree outside a repository: %v, want ErrNotFound", err)
	}
}

func TestRepo_BranchTip(t *testing.T) {
	rem := newRemote(t)
	ctx := testContext(t)
	rem.person.Branch("other")
	rem.person.Write("models/m/v1.yaml", "stage: None\n")
	other := rem.person.Commit("other")
	rem.person.Git("push", "origin", "other")
	r := open(t, rem.url, Options{})
	got, err := r.BranchTip(ctx, "other")
	if err != nil || got != other {
		t.Fatalf("BranchTip = %s, %v; want %s", got, err, other)
	}
	data, err := r.ReadFile(ctx, got, "models/m/v1.yaml")
	if err != nil || !strings.Contains(string(data), "None") {
		t.Errorf("read the fetched branch: %q, %v", data, err)
	}
	rem.person.Git("push", "origin", "--delete", "other")
	if _, err := r.BranchTip(ctx, "other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted branch: %v, want ErrNotFound", err)
	}
}
