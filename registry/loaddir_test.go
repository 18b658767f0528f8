package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// LoadDir reads what Load(os.DirFS(dir)) reads: the same versions, the
// same problems, for valid, invalid and large files.
func TestLoadDir_AgreesWithLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(p string, data []byte) {
		t.Helper()
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for m := range 3 {
		for n := 1; n <= 4; n++ {
			v := sampleVersion(fmt.Sprintf("model-%d", m), n)
			write(v.Path(), Marshal(v))
		}
	}
	big := sampleVersion("model-big", 1)
	big.Description = strings.Repeat("a long description ", 4000) // past the reader's first buffer
	write(big.Path(), Marshal(big))
	write("models/model-0/v9.yaml", []byte("schema: 1\nstage: nope\n"))
	write("models/model-1/README.md", []byte("not a version\n"))

	want, wantErr := Load(os.DirFS(dir))
	got, gotErr := LoadDir(dir)
	if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
		t.Errorf("problems differ:\nLoad:    %v\nLoadDir: %v", wantErr, gotErr)
	}
	if got == nil || want == nil {
		t.Fatalf("registries: Load %v, LoadDir %v", want, got)
	}
	if diff := cmp.Diff(want.Models(), got.Models()); diff != "" {
		t.Errorf("models (-Load +LoadDir):\n%s", diff)
	}
	if v := got.Version("model-big", 1); v == nil || v.Description != big.Description {
		t.Errorf("the large version file was not read whole")
	}
	if _, err := LoadDir(filepath.Join(dir, "absent")); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDir of a folder without models/: %v", err)
	}
}
