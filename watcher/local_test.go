package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// startLocal watches root and returns its events once every folder that
// exists is watched.
func startLocal(t *testing.T, cfg LocalConfig) <-chan Event {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	if cfg.OnError == nil {
		cfg.OnError = func(err error) { t.Errorf("local watch error: %v", err) }
	}
	l, err := NewLocal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	watching := make(chan struct{})
	l.watching = func() { close(watching) }
	events := startSource(t, l.Run)
	select {
	case <-watching:
	case <-time.After(wait):
		t.Fatalf("not watching within %s", wait)
	}
	return events
}

// batchDebounce is the Debounce of the tests that want several changes
// in one batch. The test makes them one after the other, and a loaded
// machine can pause it between two of them for longer than
// DefaultDebounce, which rightly ends the batch there.
const batchDebounce = 2 * time.Second

func write(t *testing.T, root, rel string) {
	t.Helper()
	name := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(rel+" "+time.Now().String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdirs(t *testing.T, root string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLocal_Run(t *testing.T) {
	t.Parallel()
	onPaths := func(rel string) bool { // on.paths: [src/**/*.py, mlcd.yaml]
		return pipeline.MatchPath("src/**/*.py", rel) || pipeline.MatchPath("mlcd.yaml", rel)
	}
	tests := []struct {
		name     string
		existing []string // folders made before the watch starts
		match    func(string) bool
		act      func(t *testing.T, root string)
		want     []string // the paths of the first event
	}{
		{name: "write in a watched subfolder", existing: []string{"src/models"},
			act:  func(t *testing.T, root string) { write(t, root, "src/models/rf.py") },
			want: []string{"src/models/rf.py"}},
		{name: "new folder, then a file in it",
			act: func(t *testing.T, root string) {
				mkdirs(t, root, "src/new")
				time.Sleep(50 * time.Millisecond) // let the folder's watch come first
				write(t, root, "src/new/f.py")
			},
			want: []string{"src/new/f.py"}},
		{name: "nested folders created at once",
			act:  func(t *testing.T, root string) { write(t, root, "data/2026/11/26/part-0.csv") },
			want: []string{"data/2026/11/26/part-0.csv"}},
		{name: "ignored paths", existing: []string{".git", "runs/churn", "src/__pycache__", "node_modules/x"},
			act: func(t *testing.T, root string) {
				for _, rel := range []string{".git/index", "runs/churn/r1.json", "models/churn-rf/v1.yaml",
					"deployments/churn-rf.yaml", ".mlcd/state.json", "src/__pycache__/a.pyc",
					"node_modules/x/index.js", "src/.train.py.swp", "src/train.py~", "src/4913"} {
					write(t, root, rel)
				}
				write(t, root, "src/train.py") // the only change that counts
			},
			want: []string{"src/train.py"}},
		{name: "a burst is one batch",
			act: func(t *testing.T, root string) {
				for i := range 20 {
					write(t, root, fmt.Sprintf("data/part-%02d.csv", i))
				}
			},
			want: func() []string {
				var w []string
				for i := range 20 {
					w = append(w, fmt.Sprintf("data/part-%02d.csv", i))
				}
				return w
			}()},
		{name: "only paths that on.paths matches", existing: []string{"src/lib", "docs"}, match: onPaths,
			act: func(t *testing.T, root string) {
				write(t, root, "docs/index.md") // no event of its own
				write(t, root, "src/notes.txt")
				write(t, root, "mlcd.yml")
				time.Sleep(2 * batchDebounce) // a batch of its own, if any
				write(t, root, "src/lib/a.py")
				write(t, root, "mlcd.yaml")
				write(t, root, "docs/more.md")
			},
			want: []string{"mlcd.yaml", "src/lib/a.py"}},
		{name: "removed file and folder", existing: []string{"src/old/deep"},
			act: func(t *testing.T, root string) {
				if err := os.RemoveAll(filepath.Join(root, "src", "old")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"src/old", "src/old/deep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			mkdirs(t, root, tt.existing...)
			events := startLocal(t, LocalConfig{Root: root, Match: tt.match, Debounce: batchDebounce})
			tt.act(t, root)
			ev := next(t, events)
			if ev.Kind != KindLocal {
				t.Errorf("event kind %q, want %q", ev.Kind, KindLocal)
			}
			if diff := cmp.Diff(tt.want, ev.Paths); diff != "" {
				t.Errorf("changed paths (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocalRun_Flush(t *testing.T) {
	t.Parallel()
	type batch struct {
		paths    []string
		overflow bool
	}
	tests := []struct {
		name    string
		batches []batch // flushed in turn while the receiver takes nothing
		want    *Event
	}{
		{name: "nothing", batches: []batch{{}}, want: nil},
		{name: "only unmatched paths", batches: []batch{{paths: []string{"docs/a.md"}}}, want: nil},
		{name: "one batch", batches: []batch{{paths: []string{"src/b.py", "docs/a.md", "src/a.py"}}},
			want: &Event{Kind: KindLocal, Paths: []string{"src/a.py", "src/b.py"}}},
		{name: "batches merge while the receiver is busy",
			batches: []batch{{paths: []string{"src/b.py"}}, {paths: []string{"src/a.py", "src/b.py"}}},
			want:    &Event{Kind: KindLocal, Paths: []string{"src/a.py", "src/b.py"}}},
		{name: "overflow means everything", batches: []batch{{overflow: true}},
			want: &Event{Kind: KindLocal}},
		{name: "overflow wins over paths",
			batches: []batch{{paths: []string{"src/a.py"}}, {overflow: true}, {paths: []string{"src/b.py"}}},
			want:    &Event{Kind: KindLocal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLocal(LocalConfig{Root: t.TempDir(), Logger: quiet,
				Match: func(p string) bool { return strings.HasPrefix(p, "src/") }, OnError: func(error) {}})
			if err != nil {
				t.Fatal(err)
			}
			r := &localRun{Local: l, pending: map[string]bool{}}
			for _, b := range tt.batches {
				for _, p := range b.paths {
					r.pending[p] = true
				}
				if b.overflow {
					r.handleError(fsnotify.ErrEventOverflow)
				}
				r.flush()
			}
			if diff := cmp.Diff(tt.want, r.ready, ignoreTime); diff != "" {
				t.Errorf("batch for the receiver (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewLocal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     LocalConfig
		wantErr bool
	}{
		{"folder", LocalConfig{Root: dir}, false},
		{"no root", LocalConfig{}, true},
		{"missing root", LocalConfig{Root: filepath.Join(dir, "nope")}, true},
		{"file as root", LocalConfig{Root: file}, true},
		{"negative debounce", LocalConfig{Root: dir, Debounce: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewLocal(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Errorf("NewLocal error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultSkipDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel  string
		want bool
	}{
		{".git", true}, {"runs", true}, {"models", true}, {"deployments", true}, {".mlcd", true},
		{"src/__pycache__", true}, {"web/node_modules", true}, {".venv", true}, {"sub/.git", true},
		{"src", false}, {"src/models", false}, {"data/runs", false}, {"deployment", false},
	}
	for _, tt := range tests {
		if got := DefaultSkipDir(tt.rel); got != tt.want {
			t.Errorf("DefaultSkipDir(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}
