package executor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// cachePipeline: prepare copies data/*.csv, train reads it and its env,
// evaluate reads the model; report is independent.
func cachePipeline() *pipeline.Pipeline {
	prepare := sh("prepare", `cat data/*.csv > "$MLCD_OUT/clean.csv"`)
	prepare.Inputs = []string{"data/*.csv"}
	train := sh("train", `{ cat "$MLCD_IN_PREPARE/clean.csv"; echo "seed=$SEED depth=$MLCD_PARAM_DEPTH"; } > "$MLCD_OUT/model.txt"
echo '{"f1": 0.9}' > "$MLCD_OUT/metrics.json"`, "prepare")
	train.Env = map[string]string{"SEED": "1"}
	evaluate := sh("evaluate", `wc -c < "$MLCD_IN_TRAIN/model.txt" > "$MLCD_OUT/size"`, "train")
	report := sh("report", `echo report > "$MLCD_OUT/r"`)
	report.Inputs = []string{"docs/**"}
	p := pipe("p", prepare, train, evaluate, report)
	p.Params = pipeline.Params{"depth": int64(3)}
	return p
}

func TestRun_Cache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("data/a.csv", "1,2\n")
	e.write("docs/x/readme.md", "hi\n")
	first := e.run(cachePipeline())
	if diff := cmp.Diff([]string{"prepare", "train", "evaluate", "report"}, ran(first)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	steps := []struct {
		name   string
		change func(p *pipeline.Pipeline, o *Options)
		want   []string // tasks that run
	}{
		{"nothing changed", nil, nil},
		{"input file", func(*pipeline.Pipeline, *Options) { e.write("data/a.csv", "1,3\n") }, []string{"prepare", "train", "evaluate"}},
		{"new file matching a glob", func(*pipeline.Pipeline, *Options) { e.write("docs/new.md", "x") }, []string{"report"}},
		{"file outside every input", func(*pipeline.Pipeline, *Options) { e.write("notes.txt", "x") }, nil},
		{"param", func(_ *pipeline.Pipeline, o *Options) { o.Params = pipeline.Params{"depth": int64(4)} }, []string{"prepare", "train", "evaluate", "report"}},
		{"env", func(p *pipeline.Pipeline, _ *Options) { p.Task("train").Env["SEED"] = "2" }, []string{"train", "evaluate"}},
		{"env back: cached again", nil, nil},
		{"command of a leaf", func(p *pipeline.Pipeline, _ *Options) { p.Task("evaluate").Run[2] += " # v2" }, []string{"evaluate"}},
		{"command with the same output", func(p *pipeline.Pipeline, _ *Options) { p.Task("prepare").Run[2] += " # same output" }, []string{"prepare"}},
		{"no-cache runs all", func(_ *pipeline.Pipeline, o *Options) { o.NoCache = true }, []string{"prepare", "train", "evaluate", "report"}},
	}
	for _, st := range steps {
		p := cachePipeline()
		var mod []func(*Options)
		if st.change != nil {
			mod = append(mod, func(o *Options) { st.change(p, o) })
		}
		if st.name == "command with the same output" {
			p.Task("evaluate").Run[2] += " # v2"
		}
		r := e.run(p, mod...)
		if r.Status != pipeline.StatusSuccess {
			t.Fatalf("%s: run %s %v", st.name, r.Status, statuses(r))
		}
		if diff := cmp.Diff(st.want, ran(r)); diff != "" {
			t.Errorf("%s: tasks run (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestRun_CacheHitRestoresRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("data/a.csv", "1,2\n")
	first := e.run(cachePipeline())
	second := e.run(cachePipeline())
	for _, name := range []string{"prepare", "train", "evaluate"} {
		a, b := first.Task(name), second.Task(name)
		if !b.CacheHit || b.CacheKey != a.CacheKey || len(b.CacheKey) != 64 {
			t.Errorf("%s: hit %v, keys %q %q", name, b.CacheHit, a.CacheKey, b.CacheKey)
		}
		if diff := cmp.Diff(a.Outputs, b.Outputs); diff != "" {
			t.Errorf("%s outputs (-first +cached):\n%s", name, diff)
		}
		if diff := cmp.Diff(a.Metrics, b.Metrics); diff != "" {
			t.Errorf("%s metrics (-first +cached):\n%s", name, diff)
		}
	}
	if second.Task("train").Metrics["f1"] != 0.9 {
		t.Errorf("cached metrics: %v", second.Task("train").Metrics)
	}
}

func TestRun_CacheFalseIdenticalOutputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := func(content string) *pipeline.Pipeline {
		load := sh("load", `echo `+content+` > "$MLCD_OUT/data"`)
		load.Cache = false
		return pipe("p", load, sh("train", `cp "$MLCD_IN_LOAD/data" "$MLCD_OUT/m"`, "load"))
	}
	e.run(p("v1"))
	if got := ran(e.run(p("v1"))); !slices.Equal(got, []string{"load"}) {
		t.Errorf("same data: ran %v, want only load (train hits on identical outputs)", got)
	}
	// Change the data without touching the command: load's output changes.
	if got := ran(e.run(p("v2"))); !slices.Equal(got, []string{"load", "train"}) {
		t.Errorf("new data: ran %v", got)
	}
}

func TestRun_CacheNeedsOutputsInStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := func() *pipeline.Pipeline {
		return pipe("p", sh("a", `echo a > "$MLCD_OUT/a"`), sh("b", `cat "$MLCD_IN_A/a" > "$MLCD_OUT/b"`, "a"))
	}
	first := e.run(p())
	// Lose a's output: a must run again; b still hits (same output digest)
	// and b's restore of a's folder works from the new object.
	os.Remove(e.store.Path(first.Task("a").Outputs[0].SHA256))
	if got := ran(e.run(p())); !slices.Equal(got, []string{"a"}) {
		t.Errorf("ran %v, want [a]", got)
	}
	// Lose the index: everything runs again.
	os.RemoveAll(filepath.Join(e.store.Root(), "docs", "cache"))
	if got := ran(e.run(p())); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("ran %v after losing the index", got)
	}
}

func TestRun_CachedUpstreamRestored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := func(v string) *pipeline.Pipeline {
		return pipe("p",
			sh("a", `mkdir "$MLCD_OUT/sub" && echo data > "$MLCD_OUT/sub/f"`),
			sh("b", `cat "$MLCD_IN_A/sub/f" > "$MLCD_OUT/copy" # `+v, "a"))
	}
	e.run(p("1"))
	r := e.run(p("2"))
	if !r.Task("a").CacheHit || r.Task("b").CacheHit || r.Task("b").Status != pipeline.StatusSuccess {
		t.Fatalf("statuses %v: %s", statuses(r), r.Task("b").Error)
	}
	if r.Task("b").Outputs[0].SHA256 != r.Task("a").Outputs[0].SHA256 {
		t.Errorf("b did not read a's restored output")
	}
}

func TestRun_CorruptIndexEntryIsAMiss(t *testing.T) {
	t.Parallel()
	// A torn entry, and an empty one: what a crash may leave of an entry
	// the store did not sync to the disk.
	for _, entry := range []string{`{"key": "tor`, ``} {
		e := newEnv(t)
		p := pipe("p", sh("a", "true"))
		r := e.run(p)
		key := r.Task("a").CacheKey
		if err := e.store.WriteDoc(context.Background(), "cache/"+key, []byte(entry)); err != nil {
			t.Fatal(err)
		}
		if got := ran(e.run(p)); !slices.Equal(got, []string{"a"}) {
			t.Errorf("entry %q: ran %v, want [a]", entry, got)
		}
		if got := ran(e.run(p)); len(got) != 0 {
			t.Errorf("entry %q: ran %v after the entry was rewritten", entry, got)
		}
	}
}
