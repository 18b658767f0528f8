package registry

import (
	"strings"
	"testing"
)

func TestSetStage(t *testing.T) {
	t.Parallel()
	const name = "models/churn-rf/v3.yaml"
	cases := []struct{ name, in, want string }{
		{"canonical file", canonical(), edit("stage:", "stage: Production\n")},
		{"comment and quotes kept", edit("stage:", "stage: 'none'   # waiting for review\n"), edit("stage:", "stage: Production   # waiting for review\n")},
		{"double quotes", edit("stage:", "stage: \"Staging\"\n"), edit("stage:", "stage: Production\n")},
		{"one-line flow mapping", "{" + strings.TrimSuffix(strings.ReplaceAll(flowBody(), "\n", ", "), ", ") + "}\n",
			"{" + strings.TrimSuffix(strings.ReplaceAll(strings.Replace(flowBody(), "stage: None", "stage: Production", 1), "\n", ", "), ", ") + "}\n"},
	}
	for _, c := range cases {
		out, err := SetStage(name, []byte(c.in), StageProduction)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(out) != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, out, c.want)
		}
	}
	if _, err := SetStage(name, []byte(canonical()), Stage("prod")); err == nil {
		t.Error("SetStage accepted an unknown stage")
	}
	if _, err := SetStage(name, []byte("stage: ["), StageArchived); err == nil {
		t.Error("SetStage accepted a broken file")
	}
}

// flowBody is the canonical file with its nested blocks in flow style, so
// that it can be put on one line.
func flowBody() string {
	v := sampleVersion("churn-rf", 3)
	v.Metrics, v.Params = nil, nil
	s := string(Marshal(v))
	s = strings.Replace(s, "artifact:\n  file: model.pkl\n  sha256: ", "artifact: {file: model.pkl, sha256: ", 1)
	s = strings.Replace(s, "\n  size: 1003\n", ", size: 1003}\n", 1)
	return s
}

func TestArchivePrevious(t *testing.T) {
	t.Parallel()
	r := mustLoad(t, treeOf(
		withStage(sampleVersion("churn-rf", 1), StageArchived),
		withStage(sampleVersion("churn-rf", 2), StageProduction),
		withStage(sampleVersion("churn-rf", 3), StageProduction, "champion"),
		withStage(sampleVersion("churn-xgb", 1), StageProduction),
	))
	files := ArchivePrevious(r, "churn-rf", 3)
	if len(files) != 1 {
		t.Fatalf("ArchivePrevious wrote %d files, want 1", len(files))
	}
	old, _ := r.File("models/churn-rf/v2.yaml")
	want := strings.Replace(string(old), "stage: Production\n", "stage: Archived\n", 1)
	if got := string(files["models/churn-rf/v2.yaml"]); got != want {
		t.Errorf("v2 becomes:\n%s\nwant a one-line change:\n%s", got, want)
	}
	if r.Version("churn-rf", 2).Stage != StageProduction {
		t.Error("ArchivePrevious changed the loaded registry")
	}
	if got := ArchivePrevious(r, "churn-xgb", 1); len(got) != 0 {
		t.Errorf("only Production version archived: %v", got)
	}
	if got := ArchivePrevious(r, "nope", 1); len(got) != 0 {
		t.Errorf("unknown model: %v", got)
	}
}
