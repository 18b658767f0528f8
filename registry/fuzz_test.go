package registry

import (
	"math"
	"testing"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// FuzzParse checks that the fast reader and the YAML parser agree: when the
// fast path accepts a file, the full parser reads the same version without
// a problem, and the canonical form of any valid version reads back the same
// through both paths.
func FuzzParse(f *testing.F) {
	for _, v := range fuzzSeedVersions() {
		f.Add(Marshal(v))
	}
	f.Add([]byte("schema: 1\nmodel: churn-rf\nversion: 3\nstage: prod\n"))
	f.Add([]byte("schema: 1 # comment\nmodel: 'churn-rf'\nversion: 3\nstage: production\n"))
	f.Add([]byte("{}"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("stage: [\n"))
	for _, seed := range limittest.YAMLSeeds(200 << 10) {
		f.Add(seed)
	}
	f.Add(append(Marshal(sampleVersion("churn-rf", 3)), limittest.YAMLSeeds(2 << 20)[5]...)) // canonical, then too large
	fn := fileName{model: "churn-rf", version: 3}
	const name = "models/churn-rf/v3.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, slow *Version
		var ok bool
		var errs []*diag.Error
		limittest.Allocs(t, len(data), func() {
			fast, ok = parseFast(string(data), fn)
			slow, errs = parseYAML(name, string(data), fn)
		})
		if ok {
			if len(errs) > 0 {
				t.Fatalf("fast path accepted what the parser refuses: %v\n%q", errs, data)
			}
			diffVersions(t, fast, slow)
		}
		if len(errs) > 0 {
			for _, e := range errs {
				if e.File != name {
					t.Fatalf("error names file %q, want %q", e.File, name)
				}
			}
			return
		}
		canon := Marshal(slow)
		again, ok := parseFast(string(canon), fn)
		if !ok {
			t.Fatalf("fast path refused the canonical form of a valid file:\n%s", canon)
		}
		diffVersions(t, slow, again)
		viaYAML, errs := parseYAML(name, string(canon), fn)
		if len(errs) > 0 {
			t.Fatalf("canonical form does not parse: %v\n%s", errs, canon)
		}
		diffVersions(t, slow, viaYAML)
	})
}

// FuzzMarshal checks that any text and number survive Marshal and both
// readers: the quoting rules are what both paths rely on.
func FuzzMarshal(f *testing.F) {
	for _, s := range []string{"", "NaN", "nan", "Inf", "Infinity", ".inf", "null", "Yes", "0x1F", "1e3", "2026-01-02",
		"a: b", "# not a comment", "'", `"`, `\`, "é", "\u2028", "\x00", "\xff", "- item", "{a}", "[1]", "*ref", "&a", "!tag", "%x", "@", "`", "  lead", "trail  "} {
		f.Add(s, 0.5, int64(1))
	}
	f.Add("x", math.Inf(-1), int64(math.MinInt64))
	f.Add("y", 1e21, int64(math.MaxInt64))
	f.Add("z", math.Copysign(0, -1), int64(0))
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		v := sampleVersion("churn-rf", 3)
		v.Description = s
		v.Serve = s + "x"
		v.Metrics = map[string]float64{"m": x}
		if s != "" {
			v.Metrics[s] = -x
		}
		v.Params = pipeline.Params{"s": s, "x": x, "n": n}
		want := *v
		want.Description = validText(s)
		want.Serve = validText(s) + "x"
		want.Metrics = map[string]float64{"m": x}
		if s != "" {
			want.Metrics[validText(s)] = -x
		}
		want.Params = pipeline.Params{"s": validText(s), "x": x, "n": n}
		data := Marshal(v)
		fn := fileName{model: "churn-rf", version: 3}
		fast, ok := parseFast(string(data), fn)
		if !ok {
			t.Fatalf("fast path refused:\n%s", data)
		}
		diffVersions(t, &want, fast)
		slow, errs := parseYAML("models/churn-rf/v3.yaml", string(data), fn)
		if len(errs) > 0 {
			t.Fatalf("yaml path: %v\n%s", errs, data)
		}
		diffVersions(t, &want, slow)
	})
}

func fuzzSeedVersions() []*Version {
	a := sampleVersion("churn-rf", 3)
	b := sampleVersion("churn-rf", 3)
	b.Stage, b.Aliases, b.Description = StageArchived, []string{"champion"}, "a \"quoted\"\nline"
	b.Commit, b.Metrics, b.Params = "", nil, nil
	return []*Version{a, b}
}
