package gitstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestRepo_FirstParents(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	p := rm.person
	p.Write("models/m/v1.yaml", "stage: None\n")
	registered := p.Commit("register v1")
	p.Branch("promote")
	p.Write("models/m/v1.yaml", "stage: Production\n")
	p.Git("commit", "--quiet", "-am", "promote v1")
	p.Switch("main")
	p.Write("README.md", "# readme\n")
	p.Commit("docs")
	merge := p.Merge("promote", "Merge pull request #1")
	p.Push()
	r := open(t, rm.url, Options{})
	ctx := testContext(t)

	want := strings.Fields(gittest.Git(t, rm.bare, "rev-list", "--first-parent", "main"))
	for _, tc := range []struct {
		name     string
		stop     string
		max      int
		want     []string
		wantMore bool
	}{
		{name: "to the root", want: want},
		{name: "to a stop", stop: registered, want: want[:2]},
		{name: "stop not on the chain", stop: strings.Repeat("f", 40), want: want},
		{name: "bounded", max: 2, want: want[:2], wantMore: true},
		{name: "bound equals chain", max: len(want), want: want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain, more, err := r.FirstParents(ctx, merge, tc.stop, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range chain {
				got = append(got, c.Hash)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("chain (-git rev-list --first-parent +got):\n%s", diff)
			}
			if more != tc.wantMore {
				t.Errorf("more = %v, want %v", more, tc.wantMore)
			}
		})
	}
	if _, _, err := r.FirstParents(ctx, strings.Repeat("e", 40), "", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown head: err = %v, want ErrNotFound", err)
	}
}

func TestRepo_ChangedFromFirstParent(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	p := rm.person
	p.Write("models/m/v1.yaml", "stage: None\n")
	registered := p.Commit("register v1")
	p.Branch("promote")
	p.Write("models/m/v1.yaml", "stage: Production\n")
	p.Git("commit", "--quiet", "-am", "promote v1")
	promoted := p.Head()
	p.Switch("main")
	p.Write("README.md", "# readme\n")
	docs := p.Commit("docs")
	merge := p.Merge("promote", "Merge pull request #1")
	p.Git("update-index", "--chmod=+x", "models/m/v1.yaml")
	modeOnly := p.Commit("mode")
	p.Git("rm", "--quiet", "-f", "models/m/v1.yaml")
	removed := p.Commit("drop v1")
	p.Push()
	r := open(t, rm.url, Options{})
	ctx := testContext(t)
	const name = "models/m/v1.yaml"
	for _, tc := range []struct {
		label  string
		commit string
		want   bool
	}{
		{"added", registered, true},
		{"unrelated commit", docs, false},
		{"merge bringing the change", merge, true},
		{"commit on the merged side", promoted, true},
		{"mode change", modeOnly, true},
		{"removed", removed, true},
		{"root commit without the file", rm.first, false},
	} {
		got, err := r.ChangedFromFirstParent(ctx, tc.commit, name)
		if err != nil {
			t.Fatalf("%s: %v", tc.label, err)
		}
		if got != tc.want {
			t.Errorf("%s: ChangedFromFirstParent = %v, want %v", tc.label, got, tc.want)
		}
	}
	if got, err := r.ChangedFromFirstParent(ctx, rm.first, "mlcd.yaml"); err != nil || !got {
		t.Errorf("root commit with the file: %v, %v; want true", got, err)
	}
}
