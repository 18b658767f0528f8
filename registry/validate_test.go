package registry

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run go test -update after checking):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// canonical is the file of sampleVersion("churn-rf", 3).
func canonical() string { return string(Marshal(sampleVersion("churn-rf", 3))) }

// edit replaces one line (a prefix match) of the canonical file.
func edit(prefix, with string) string {
	var out []string
	for _, l := range strings.SplitAfter(canonical(), "\n") {
		if strings.HasPrefix(l, prefix) {
			l = with
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	const name = "models/churn-rf/v3.yaml"
	cases := []struct{ name, file, data string }{
		{"canonical file is valid", name, canonical()},
		{"hand-edited file with comments is valid", name, "# promoted by hand\n" + edit("stage:", "stage: 'production'  # ship it\n")},
		{"unknown key", name, edit("flavor:", "flavor: command\nowner: ana\n")},
		{"unknown artifact key", name, edit("  size:", "  size: 1003\n  md5: abc\n")},
		{"misspelt key", name, edit("flavor:", "flavour: command\n")},
		{"bad stage", name, edit("stage:", "stage: prod\n")},
		{"empty stage", name, edit("stage:", "stage:\n")},
		{"version does not match the file name", name, edit("version:", "version: 4\n")},
		{"model does not match the folder", name, edit("model:", "model: churn-xgb\n")},
		{"bad model name", "models/churn rf/v3.yaml", strings.Replace(canonical(), "model: churn-rf", `model: "churn rf"`, 1)},
		{"bad digest", name, edit("  sha256:", "  sha256: \"ABC123\"\n")},
		{"bad aliases", name, edit("aliases:", "aliases: [champion, latest, v2, \"two words\", champion]\n")},
		{"missing required keys", name, edit("run:", "") + ""},
		{"missing artifact", name, strings.Join(dropLines(canonical(), "artifact:", "  file:", "  sha256:", "  size:"), "")},
		{"schema from the future", name, edit("schema:", "schema: 2\n")},
		{"wrong types", name, edit("version:", "version: three\n")},
		{"number where a string goes", name, edit("task:", "task: 12\n")},
		{"metric that is not a number", name, edit("  f1:", "  f1: high\n")},
		{"param that is a list", name, edit("  criterion:", "  criterion: [gini]\n")},
		{"bad created", name, edit("created:", "created: yesterday\n")},
		{"bad commit", name, edit("commit:", "commit: \"HEAD\"\n")},
		{"negative size", name, edit("  size:", "  size: -1\n")},
		{"command flavor without serve", name, edit("serve:", "")},
		{"yaml tag", name, edit("description:", "description: !!str x\n")},
		{"yaml syntax error", name, edit("aliases:", "aliases: [champion\n")},
		{"not a mapping", name, "- a\n- b\n"},
		{"empty file", name, ""},
		{"file name with a leading zero", "models/churn-rf/v03.yaml", canonical()},
		{"file outside a model folder", "models/v3.yaml", canonical()},
	}
	var out bytes.Buffer
	for _, c := range cases {
		fmt.Fprintf(&out, "== %s\n", c.name)
		_, err := Parse(c.file, []byte(c.data))
		if err == nil {
			fmt.Fprintln(&out, "ok")
			continue
		}
		fmt.Fprintln(&out, err)
	}
	golden(t, "parse-errors.golden", out.Bytes())
}

func dropLines(data string, prefixes ...string) []string {
	var out []string
	for _, l := range strings.SplitAfter(data, "\n") {
		drop := false
		for _, p := range prefixes {
			drop = drop || strings.HasPrefix(l, p)
		}
		if !drop {
			out = append(out, l)
		}
	}
	return out
}

func TestParseStage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Stage{"none": StageNone, "STAGING": StageStaging, "Production": StageProduction, "archived": StageArchived} {
		got, err := ParseStage(in)
		if err != nil || got != want {
			t.Errorf("ParseStage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseStage("prod"); err == nil || err.Error() != `stage "prod": want one of None, Staging, Production, Archived` {
		t.Errorf("ParseStage(prod) error = %v", err)
	}
}
