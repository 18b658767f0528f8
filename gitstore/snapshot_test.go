package gitstore

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestRepo_Snapshots(t *testing.T) {
	rem := newRemote(t)
	rem.person.Write("models/m/v1.yaml", "stage: None\n")
	rem.person.Write("models/m/v2.yaml", "stage: None\n")
	rem.person.Write("models/n/v1.yaml", "stage: Production\n")
	rem.person.Git("update-index", "--add", "--chmod=+x", "src/train.py")
	second := rem.person.Commit("versions")
	rem.person.Push()
	ctx := testContext(t)
	r := open(t, rem.url, Options{})
	if _, err := r.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	views, err := r.Snapshots(ctx, rem.first, second)
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(views[1], "mlcd.yaml", "src/train.py", "models/m/v1.yaml", "models/m/v2.yaml", "models/n/v1.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(views[0], "mlcd.yaml", "src/train.py"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(views[0], "models"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("models/ at the first commit: %v, want not found", err)
	}
	// The same files, folders and modes as FS.
	plain, err := r.FS(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(plain, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		got, err := fs.Stat(views[1], p)
		if err != nil {
			return err
		}
		if got.Mode() != mustInfo(t, d).Mode() || got.IsDir() != d.IsDir() {
			t.Errorf("%s: mode %v, FS says %v", p, got.Mode(), mustInfo(t, d).Mode())
		}
		if d.IsDir() {
			return nil
		}
		a, _ := fs.ReadFile(plain, p)
		b, err := fs.ReadFile(views[1], p)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: %q, %v; FS reads %q", p, b, err, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustInfo(t *testing.T, d fs.DirEntry) fs.FileInfo {
	t.Helper()
	fi, err := d.Info()
	if err != nil {
		t.Fatal(err)
	}
	return fi
}
