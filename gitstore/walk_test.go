package gitstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestRepo_FirstParentChanges(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	p := rm.person
	const name = "models/m/v1.yaml"
	p.Write(name, "stage: None\n")
	registered := p.Commit("register v1")
	p.Branch("promote")
	p.Write(name, "stage: Production\n")
	p.Git("commit", "--quiet", "-am", "promote v1")
	promoted := p.Head() // on the merged side: not on main's first-parent chain
	p.Switch("main")
	p.Write("README.md", "# readme\n")
	p.Commit("docs")
	merge := p.Merge("promote", "Merge pull request #1")
	p.Write("models/m/v2.yaml", "stage: None\n") // same folder, other file
	p.Commit("register v2")
	p.Git("update-index", "--chmod=+x", name)
	modeOnly := p.Commit("mode")
	p.Git("rm", "--quiet", "-f", "-r", "models")
	removed := p.Commit("drop the registry")
	p.Write(name, "stage: None\n")
	back := p.Commit("register v1 again")
	p.Push()
	r := open(t, rm.url, Options{})
	ctx := testContext(t)

	all := []string{back, removed, modeOnly, merge, registered}
	gitSays := strings.Fields(gittest.Git(t, rm.bare, "log", "--first-parent", "--format=%H", "main", "--", name))
	if diff := cmp.Diff(gitSays, all); diff != "" {
		t.Fatalf("fixture: git log --first-parent differs from the expectation (-git +want):\n%s", diff)
	}
	for _, tc := range []struct {
		label    string
		stop     string
		max      int
		want     []string
		wantMore bool
	}{
		{label: "to the root", want: all},
		{label: "stop not on the chain", stop: promoted, want: all},
		{label: "stop at the merge", stop: merge, want: []string{back, removed, modeOnly}},
		{label: "stop at the head", stop: back, want: nil},
		{label: "bounded", max: 4, want: []string{back, removed, modeOnly}, wantMore: true},
		{label: "bound past the root", max: 100, want: all},
	} {
		got, more, err := r.FirstParentChanges(ctx, back, tc.stop, name, tc.max)
		if err != nil {
			t.Fatalf("%s: %v", tc.label, err)
		}
		var hashes []string
		for _, c := range got {
			hashes = append(hashes, c.Hash)
		}
		if diff := cmp.Diff(tc.want, hashes); diff != "" {
			t.Errorf("%s: commits (-want +got):\n%s", tc.label, diff)
		}
		if more != tc.wantMore {
			t.Errorf("%s: more = %v, want %v", tc.label, more, tc.wantMore)
		}
	}
	if got, _, err := r.FirstParentChanges(ctx, back, "", "mlcd.yaml", 0); err != nil || len(got) != 1 || got[0].Hash != rm.first {
		t.Errorf("a file only the root commit wrote: %v, %v; want the root commit", got, err)
	}
	if _, _, err := r.FirstParentChanges(ctx, strings.Repeat("e", 40), "", name, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown head: err = %v, want ErrNotFound", err)
	}
}
