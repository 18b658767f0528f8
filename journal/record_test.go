package journal

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testDigest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	testCommit = "0123456789abcdef0123456789abcdef01234567"
)

func sampleRecord() *Record {
	at := time.Date(2026, 11, 27, 1, 2, 3, 456000000, time.UTC)
	r := NewRecord("churn-xgb")
	r.Current = &Served{Version: 3, Digest: testDigest, Commit: testCommit, Endpoint: "127.0.0.1:1234", Since: at, Status: "serving"}
	r.Append(Event{Time: at.Add(-time.Hour), Kind: KindRefusal, Version: 4, Commit: testCommit,
		Reason: "commit 0123456 set churn-xgb v4 to Production by a direct push, not a merge; deploy.require is merge-commit"})
	r.Append(Event{Time: at, Kind: KindDeploy, Version: 3, Digest: testDigest, Commit: testCommit, PR: 12})
	r.Append(Event{Time: at, Kind: KindArchive, Version: 2, Reason: "quotes \" and \\, a newline\nand é \u2028 \x01"})
	return r
}

// kubeRecord is a version served by Kubernetes manifests mlcd committed.
func kubeRecord() *Record {
	at := time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC)
	manifests := "89abcdef0123456789abcdef0123456789abcdef"
	r := NewRecord("churn-xgb")
	r.Current = &Served{Version: 3, Digest: testDigest, Commit: testCommit, Target: TargetKubernetes, Manifests: manifests,
		Endpoint: "mlcd-churn-xgb.ml.svc:8080", Since: at, Status: StatusCommitted}
	r.Append(Event{Time: at, Kind: KindDeploy, Version: 3, Digest: testDigest, Commit: testCommit, Target: TargetKubernetes, Manifests: manifests, PR: 7})
	return r
}

func TestMarshal_roundTrip(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*Record{
		"full":          sampleRecord(),
		"empty":         NewRecord("m"),
		"kubernetes":    kubeRecord(),
		"nothing serve": {Schema: 1, Model: "a.b_c-d", History: []Event{{Time: time.Unix(0, 0).UTC(), Kind: KindFailure, Version: 1, Reason: "health check: /ping: connection refused"}}},
	} {
		t.Run(name, func(t *testing.T) {
			data := Marshal(r)
			got, err := Parse(Path(r.Model), data)
			if err != nil {
				t.Fatalf("Parse(Marshal) = %v\n%s", err, data)
			}
			if d := cmp.Diff(r, got); d != "" {
				t.Errorf("round trip (-want +got):\n%s\n%s", d, data)
			}
			if again := Marshal(got); !bytes.Equal(again, data) {
				t.Errorf("Marshal is not stable:\n%s\nthen\n%s", data, again)
			}
		})
	}
}

func TestMarshal_canonical(t *testing.T) {
	t.Parallel()
	want := `schema: 1
model: "churn-xgb"
current:
  version: 3
  digest: "` + testDigest + `"
  commit: "` + testCommit + `"
  endpoint: "127.0.0.1:1234"
  since: "2026-11-27T01:02:03.456Z"
  status: "serving"
history:
  - time: "2026-11-27T00:02:03.456Z"
    kind: "refusal"
    version: 4
    commit: "` + testCommit + `"
    reason: "commit 0123456 set churn-xgb v4 to Production by a direct push, not a merge; deploy.require is merge-commit"
  - time: "2026-11-27T01:02:03.456Z"
    kind: "deploy"
    version: 3
    digest: "` + testDigest + `"
    commit: "` + testCommit + `"
    pr: 12
  - time: "2026-11-27T01:02:03.456Z"
    kind: "archive"
    version: 2
    reason: "quotes \" and \\, a newline\nand é \u2028 \u0001"
`
	if d := cmp.Diff(want, string(Marshal(sampleRecord()))); d != "" {
		t.Errorf("Marshal (-want +got):\n%s", d)
	}
	if got := string(Marshal(NewRecord("m"))); got != "schema: 1\nmodel: \"m\"\nhistory: []\n" {
		t.Errorf("empty record = %q", got)
	}
}

func TestRecord_Append(t *testing.T) {
	t.Parallel()
	r := NewRecord("m")
	for i := 1; i <= MaxHistory+5; i++ {
		r.Append(Event{Kind: KindDeploy, Version: i})
	}
	if len(r.History) != MaxHistory {
		t.Fatalf("history holds %d events, want %d", len(r.History), MaxHistory)
	}
	if first, last := r.History[0].Version, r.History[MaxHistory-1].Version; first != 6 || last != MaxHistory+5 {
		t.Errorf("history runs v%d..v%d, want v6..v%d (newest last, oldest dropped)", first, last, MaxHistory+5)
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	if got := Path("churn-xgb"); got != "deployments/churn-xgb.yaml" {
		t.Errorf("Path = %q", got)
	}
}

// badRecords are invalid records, each with the problems the golden file
// lists for it.
var badRecords = []struct{ name, file, data string }{
	{"yaml syntax", "", "schema: 1\nmodel: [\n"},
	{"not a mapping", "", "- a\n- b\n"},
	{"empty file", "", ""},
	{"missing keys", "", "schema: 1\n"},
	{"repeated key", "", "schema: 1\nmodel: m\nmodel: m\nhistory: []\n"},
	{"unknown key", "", "schema: 1\nmodel: m\nhistroy: []\nhistory: []\n"},
	{"newer schema", "", "schema: 2\nmodel: m\nhistory: []\n"},
	{"model does not match the file", "", "schema: 1\nmodel: other\nhistory: []\n"},
	{"bad model name", "deployments/two words.yaml", "schema: 1\nmodel: two words\nhistory: []\n"},
	{"bad current", "", "schema: 1\nmodel: m\ncurrent:\n  version: 0\n  digest: ABC\n  commit: abc1234\n  since: yesterday\n  status: 3\n  owner: me\nhistory: []\n"},
	{"bad kubernetes target", "", "schema: 1\nmodel: m\ncurrent:\n  version: 1\n  target: argo\n  manifests: HEAD\n  since: \"2026-11-27T01:02:03Z\"\nhistory:\n  - time: \"2026-11-27T01:02:03Z\"\n    kind: deploy\n    version: 1\n    target: \"\"\n"},
	{"current missing keys", "", "schema: 1\nmodel: m\ncurrent: {status: serving}\nhistory: []\n"},
	{"history not a list", "", "schema: 1\nmodel: m\nhistory: {a: 1}\n"},
	{"bad events", "", "schema: 1\nmodel: m\nhistory:\n  - time: \"2026-11-27T01:02:03Z\"\n    kind: deployed\n    version: two\n    pr: -1\n  - kind: refusal\n  - just text\n"},
	{"anchors and tags", "", "schema: 1\nmodel: m\ncurrent: &c {version: 1, since: \"2026-11-27T01:02:03Z\"}\nhistory: !!seq []\n"},
	{"not utf-8", "", "schema: 1\nmodel: \"\xff\"\nhistory: []\n"},
	{"integer out of range", "", "schema: 99999999999\nmodel: m\nhistory: []\n"},
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	for _, tc := range badRecords {
		file := tc.file
		if file == "" {
			file = "deployments/m.yaml"
		}
		r, err := Parse(file, []byte(tc.data))
		fmt.Fprintf(&out, "== %s\n", tc.name)
		if err == nil {
			t.Errorf("%s: Parse accepted it: %+v", tc.name, r)
			continue
		}
		for _, e := range unjoin(err) {
			var pe *diag.Error
			if !errors.As(e, &pe) || pe.File != file {
				t.Errorf("%s: error %v is not a *diag.Error naming %s", tc.name, e, file)
			}
			fmt.Fprintln(&out, e)
		}
	}
	golden := filepath.Join("testdata", "record-errors.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), out.String()); d != "" {
		t.Errorf("errors (-golden +got):\n%s", d)
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParse_handEdited(t *testing.T) {
	t.Parallel()
	data := "# what mlcd serves\nschema: 1\nmodel: 'churn-xgb'   # the model\ncurrent: null\nhistory:\n- {time: 2026-11-27T01:02:03+01:00, kind: deploy, version: 3}\n"
	r, err := Parse("deployments/churn-xgb.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := &Record{Schema: 1, Model: "churn-xgb", History: []Event{{Time: time.Date(2026, 11, 27, 0, 2, 3, 0, time.UTC), Kind: KindDeploy, Version: 3}}}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("Parse (-want +got):\n%s", d)
	}
}

// TestParse_RefusesDeeplyNestedAndOversizedRecords: a deployment record
// of nested lists, or one of many megabytes, is refused before the YAML
// parser spends memory on it, with the file and the place.
func TestParse_RefusesDeeplyNestedAndOversizedRecords(t *testing.T) {
	const name = "deployments/m.yaml"
	head := "schema: 1\nmodel: m\ncurrent: null\n"
	tests := []struct{ name, doc, want string }{
		{"nested lists", head + "history: " + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + "\n", name + ":4:25: values nest more than 16 levels deep"},
		{"nested blocks", head + "history:\n" + strings.Repeat("- ", 50_000) + "a\n", name + ":5:"},
		{"too large", head + "history:\n" + strings.Repeat("# padding\n", 900_000), name + ": file of 8.6 MiB is larger than the 8 MiB mlcd reads"},
		{"an alias", head + "history: &h []\nx: *h\n", "YAML aliases (*name) are not allowed in this file"},
	}
	for _, tt := range tests {
		var err error
		limittest.Allocs(t, 1<<10, func() { _, err = Parse(name, []byte(tt.doc)) })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics, that its errors name the file,
// and that whatever it accepts survives Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add(Marshal(sampleRecord()))
	f.Add(Marshal(NewRecord("m")))
	kube := kubeRecord()
	kube.Model = "m"
	f.Add(Marshal(kube))
	for _, tc := range badRecords {
		f.Add([]byte(tc.data))
	}
	for _, seed := range limittest.YAMLSeeds(200 << 10) {
		f.Add(seed)
	}
	f.Add(limittest.YAMLSeeds(9 << 20)[5]) // larger than a record may be
	const name = "deployments/m.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		var r *Record
		var err error
		limittest.Allocs(t, len(data), func() { r, err = Parse(name, data) })
		if err != nil {
			for _, e := range unjoin(err) {
				var pe *diag.Error
				if !errors.As(e, &pe) || pe.File != name {
					t.Fatalf("error %v does not name %s", e, name)
				}
			}
			return
		}
		canon := Marshal(r)
		again, err := Parse(name, canon)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, canon)
		}
		if d := cmp.Diff(r, again); d != "" {
			t.Fatalf("round trip (-first +again):\n%s\n%s", d, canon)
		}
		if !bytes.Equal(Marshal(again), canon) {
			t.Fatalf("Marshal is not stable:\n%s", canon)
		}
	})
}

// The example in docs/deployments.md is a valid record in the form mlcd
// writes.
func TestDocsExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/deployments.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(doc, []byte("## A record\n\n```yaml\n"))
	if !ok {
		t.Fatal("docs/deployments.md: no yaml example under \"A record\"")
	}
	example, _, _ := bytes.Cut(rest, []byte("```\n"))
	r, err := Parse("deployments/churn-xgb.yaml", example)
	if err != nil {
		t.Fatalf("docs example: %v", err)
	}
	if got := Marshal(r); !bytes.Equal(got, example) {
		t.Errorf("docs example is not in canonical form; mlcd writes:\n%s", got)
	}
}
