package deploy

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// A command-flavor version runs its serve command in a checkout of the
// commit it was trained at (sealed in the version), never of the promotion
// commit, whose tree may hold code pushed after the training.
func TestDeployer_CommandServesWithTheTrainingCommit(t *testing.T) {
	t.Parallel()
	st, err := store.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.Put(context.Background(), bytes.NewReader([]byte("a pickled model")))
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	stop := errors.New("checkout asked")
	d, err := New(Config{Store: st, Dir: t.TempDir(), Checkout: func(_ context.Context, commit string) (string, error) {
		asked = commit
		return "", stop
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	v := &registry.Version{Model: "churn-rf", Version: 1, Flavor: "command", Commit: "0123456789abcdef0123456789abcdef01234567",
		Serve:    "python3 src/serve.py --model {model} --port {port}",
		Artifact: registry.Artifact{File: "model.pkl", SHA256: obj.SHA256, Size: obj.Size}}
	// The checkout refuses, so the deploy rolls back; what matters is the
	// commit it was asked for: the training commit, with or without the
	// commit that promoted it (whose tree also holds whatever reached the
	// branch before the merge).
	for _, promotedBy := range []string{"", "fedcba9876543210fedcba9876543210fedcba98"} {
		if _, err := d.Deploy(context.Background(), v, promotedBy); err == nil {
			t.Fatal("deploy succeeded though its checkout failed")
		}
		if asked != v.Commit {
			t.Errorf("promoted by %q: serve command checked out %q, want the training commit %s", promotedBy, asked, v.Commit)
		}
	}
}
