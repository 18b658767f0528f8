package registry

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIndexCodec_roundTrip(t *testing.T) {
	if n := reflect.TypeFor[Version]().NumField(); n != versionFields {
		t.Fatalf("Version has %d fields, the index codec knows %d: encode the new ones and raise indexFormat", n, versionFields)
	}
	full := sampleVersion("churn-rf", 7)
	full.Aliases = []string{"champion", "blue"}
	full.Description = "line one\nline two"
	full.InputExample = "example.json"
	full.Metrics["nan"] = math.NaN()
	full.Metrics["neg_inf"] = math.Inf(-1)
	full.Params["name"] = "gini"
	full.Params["off"] = false
	full.Params["neg"] = int64(-3)
	full.Created = time.Date(2026, 11, 27, 1, 2, 3, 456789, time.UTC)
	empty := sampleVersion("m", 1)
	empty.Metrics, empty.Params, empty.Aliases = nil, nil, nil
	for _, v := range []*Version{full, empty} {
		var w indexWriter
		if !w.encodeVersion(v) {
			t.Fatal("encodeVersion refused a valid version")
		}
		r := &indexReader{src: string(w.b)}
		got := r.decodeVersion()
		if r.err != nil || r.src != "" {
			t.Fatalf("decode: %v, %d bytes left", r.err, len(r.src))
		}
		diffVersions(t, v, got)
		if v.Metrics == nil && got.Metrics != nil || v.Aliases == nil && got.Aliases != nil {
			t.Error("an absent map or list came back empty but not nil")
		}
	}
	odd := sampleVersion("m", 2)
	odd.Params["list"] = []any{1, 2}
	if (&indexWriter{}).encodeVersion(odd) {
		t.Error("encodeVersion took a param type it cannot decode")
	}
}

// TestIndexCodec_truncated: every cut of an encoded version is refused,
// never a panic.
func TestIndexCodec_truncated(t *testing.T) {
	var w indexWriter
	w.encodeVersion(sampleVersion("churn-rf", 7))
	for n := range len(w.b) {
		r := &indexReader{src: string(w.b[:n])}
		if v := r.decodeVersion(); v != nil || r.err == nil {
			t.Fatalf("a version cut at %d of %d bytes decoded", n, len(w.b))
		}
	}
}

// checkout writes a registry of models x versions into a folder with a
// .git folder, as LoadDir finds a person's checkout.
func checkout(t *testing.T, models, versions int) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, f := range benchTree(models, versions) {
		writeFile(t, filepath.Join(dir, p), string(f.Data))
	}
	return dir
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadDirAgrees loads dir with LoadDir and checks it against Load of
// os.DirFS, which reads every file.
func loadDirAgrees(t *testing.T, dir string) *Registry {
	t.Helper()
	want, wantErr := (&Loader{NoIndex: true}).Load(os.DirFS(dir))
	got, gotErr := LoadDir(dir)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
		t.Fatalf("problems differ:\nLoad:    %v\nLoadDir: %v", wantErr, gotErr)
	}
	if diff := cmp.Diff(want.Models(), got.Models(), cmpVersion); diff != "" {
		t.Fatalf("models (-Load +LoadDir):\n%s", diff)
	}
	return got
}

// TestLoadDir_index: the index is written once files have settled, then
// used; a file changed after indexing is read again, even when it keeps
// its size and modification time.
func TestLoadDir_index(t *testing.T) {
	t.Parallel()
	dir := checkout(t, 3, 5)
	ip := filepath.Join(dir, ".git", indexName)
	loadDirAgrees(t, dir)
	if _, err := os.Stat(ip); err == nil {
		t.Fatal("index written with files changed a moment ago: they could change again in the same clock tick")
	}
	time.Sleep(indexMinAge + 100*time.Millisecond)
	loadDirAgrees(t, dir)
	idx := readIndex(ip)
	if idx == nil || len(idx.files) != 15 {
		t.Fatalf("index after a load of settled files: %v", idx)
	}

	// An entry whose stat matches is taken as it is: make the index say
	// something the file does not, to see it used.
	p := VersionPath("model-001", 2)
	f := idx.files[p]
	v := *f.e.v
	v.Description = "from the index"
	idx.files[p] = indexed{st: f.st, e: entry{data: string(Marshal(&v)), v: &v}}
	if err := os.WriteFile(ip, encodeIndex(idx.files), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Version("model-001", 2).Description; got != "from the index" {
		t.Fatalf("an unchanged file was read, not taken from the index (description %q)", got)
	}

	// The same size and modification time, other bytes: the change time
	// tells it apart.
	full := filepath.Join(dir, p)
	fi, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(full)
	changed := strings.Replace(string(data), "stage: None", "stage: Nope", 1) // not a stage
	if len(changed) != len(data) || changed == string(data) {
		t.Fatal("test edit changed the size or nothing")
	}
	writeFile(t, full, changed)
	if err := os.Chtimes(full, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	r, err = LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("the changed file was not read again: error %v", err)
	}
	if r.Version("model-001", 2) != nil {
		t.Fatal("the changed, invalid file is still loaded")
	}
}

// TestLoadDir_badIndex: a damaged, cut or older index is ignored (the
// files are read) and written again.
func TestLoadDir_badIndex(t *testing.T) {
	t.Parallel()
	dir := checkout(t, 2, 4)
	ip := filepath.Join(dir, ".git", indexName)
	time.Sleep(indexMinAge + 100*time.Millisecond)
	loadDirAgrees(t, dir)
	good, err := os.ReadFile(ip)
	if err != nil {
		t.Fatalf("no index: %v", err)
	}
	older := strings.Replace(string(good), indexMagic+"\x01", indexMagic+"\x00", 1)
	flipped := []byte(strings.Clone(string(good)))
	flipped[len(flipped)/2] ^= 0xff
	for name, bad := range map[string][]byte{
		"flipped byte":   flipped,
		"cut":            good[:len(good)/2],
		"older format":   []byte(older),
		"empty":          {},
		"not an index":   []byte("hello\n"),
		"valid checksum": reChecksum([]byte(indexMagic + "\x01\x05garbage")),
	} {
		if err := os.WriteFile(ip, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if readIndex(ip) != nil {
			t.Errorf("%s: index accepted", name)
		}
		loadDirAgrees(t, dir)
		if readIndex(ip) == nil {
			t.Errorf("%s: index not written again", name)
		}
	}
}

func reChecksum(body []byte) []byte {
	return binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, crcTable))
}

// TestLoadDir_noIndexOutsideGit: a folder without .git gets no index.
func TestLoadDir_noIndexOutsideGit(t *testing.T) {
	t.Parallel()
	dir := checkout(t, 1, 2)
	if err := os.Remove(filepath.Join(dir, ".git")); err != nil {
		t.Fatal(err)
	}
	loadDirAgrees(t, dir)
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("LoadDir wrote into a folder that is not a checkout: %v", ents)
	}
}

// FuzzDecodeIndex: any bytes are an index or an error, never a panic.
func FuzzDecodeIndex(f *testing.F) {
	v := sampleVersion("churn-rf", 3)
	good := encodeIndex(map[string]indexed{
		v.Path(): {st: fileStat{size: 10, mtime: 1, ctime: 2, ino: 3}, e: entry{data: string(Marshal(v)), v: v}},
	})
	f.Add(string(good[:len(good)-4]))
	f.Add(indexMagic + "\x01\x00")
	f.Add(indexMagic + "\x01\x01\x03abc")
	f.Fuzz(func(t *testing.T, src string) {
		idx, err := decodeIndex(src)
		if err == nil && idx == nil {
			t.Fatal("no index and no error")
		}
	})
}
