package gate

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

const (
	pipelineHead = "pipeline: churn\ntasks:\n  train: {run: python3 train.py}\n"
	journalWhy   = "these files are written only by the mlcd bot, on the tracked branch; a pull request may not add, edit or delete them"
	loosenWhy    = ": a pull request that loosens the merge gate must be approved on its head by 1 reviewer other than its author, " +
		"as the gate in force asks (mlcd check --github counts them), or the new policy would judge the change that makes it"
	loosenWhy2 = ": a pull request that loosens the merge gate must be approved on its head by 2 reviewers other than its author, " +
		"as the gate in force asks (mlcd check --github counts them), or the new policy would judge the change that makes it"
	loosenWhy3 = ": a pull request that loosens the merge gate must be approved on its head by 3 reviewers other than its author, " +
		"as the gate in force asks (mlcd check --github counts them), or the new policy would judge the change that makes it"
	weaker     = ", a weaker gate (none < merge-commit < merged-pr < approved-pr)"
	servingWhy = ": a pull request that changes what serves in Production must be approved on its head by 1 reviewer other than its author, " +
		"as the gate in force asks (mlcd check --github counts them), or the new policy would judge the change that makes it"
)

func TestCheckJournals_andPolicy(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{
		"mlcd.yaml":                  {Data: []byte(pipelineHead + "deploy:\n  require: approved-pr\n  approvals: 2\n")},
		"runs/churn/r1.json":         {Data: []byte("{\n  \"id\": \"r1\",\n  \"status\": \"failed\"\n}\n")},
		"runs/churn/r1.history":      {Data: []byte("f1 0 0.5\n")},
		"deployments/churn-xgb.yaml": {Data: []byte("schema: 1\nmodel: churn-xgb\ncurrent: 1\n")},
		"models/churn-xgb/v1.yaml":   {Data: []byte("stage: None\n")},
		"deployments/churn-rf.yaml":  {Data: []byte("schema: 1\n")},
		"runs/churn/moded.json":      {Data: []byte("{}\n"), Mode: 0o644},
		"src/train.py":               {Data: []byte("print(1)\n")},
	}
	head := fstest.MapFS{}
	for k, v := range base {
		head[k] = v
	}
	edit := func(p, data string) { head[p] = &fstest.MapFile{Data: []byte(data)} }
	edit("runs/churn/r1.json", "{\n  \"id\": \"r1\",\n  \"status\": \"success\"\n}\n")
	edit("runs/churn/r2.json", "{}\n")
	delete(head, "runs/churn/r1.history")
	edit("deployments/churn-xgb.yaml", "schema: 1\nmodel: churn-xgb\ncurrent: 2\n")
	delete(head, "deployments/churn-rf.yaml")
	head["runs/churn/moded.json"] = &fstest.MapFile{Data: []byte("{}\n"), Mode: 0o755}
	edit("models/churn-xgb/v1.yaml", "stage: Production\n")
	edit("src/train.py", "print(2)\n")
	edit("mlcd.yaml", pipelineHead+"deploy:\n  require: approved-pr\n  approvals: 1\n")
	paths := []string{"deployments/churn-rf.yaml", "deployments/churn-xgb.yaml", "mlcd.yaml", "models/churn-xgb/v1.yaml",
		"runs/churn/moded.json", "runs/churn/r1.history", "runs/churn/r1.json", "runs/churn/r2.json", "src/train.py"}
	ch := PRChange{Base: base, Head: head, Paths: paths}
	var lines []string
	for _, e := range CheckJournals(ch) {
		lines = append(lines, e.Error())
	}
	l := CheckPolicy(ch)
	if l == nil {
		t.Fatal("no loosening found")
	}
	lines = append(lines, l.Problem.Error())
	if l.Old != (Policy{Require: RequireApprovedPR, Approvals: 2}) || l.Approvals() != 2 {
		t.Errorf("Old = %+v, Approvals() = %d, want approved-pr with 2", l.Old, l.Approvals())
	}
	want := []string{
		"deployments/churn-rf.yaml: the change deletes a file of deployments/, which holds mlcd's deployment records: " + journalWhy,
		"deployments/churn-xgb.yaml:3: the change edits a file of deployments/, which holds mlcd's deployment records: " + journalWhy,
		"runs/churn/moded.json: the change edits a file of runs/, which holds mlcd's run records and metric histories: " + journalWhy,
		"runs/churn/r1.history: the change deletes a file of runs/, which holds mlcd's run records and metric histories: " + journalWhy,
		"runs/churn/r1.json:3: the change edits a file of runs/, which holds mlcd's run records and metric histories: " + journalWhy,
		"runs/churn/r2.json: the change adds a file of runs/, which holds mlcd's run records and metric histories: " + journalWhy,
		"mlcd.yaml:6:3: deploy.approvals goes from 2 to 1 under approved-pr: fewer approving reviews would let a change deploy" + loosenWhy2,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("CheckChange (-want +got):\n%s", diff)
	}
}

// A file or a symlink in the place of a journal folder is the journal's
// too; other folders, the registry's and files that only look alike are
// not.
func TestCheckJournals_roots(t *testing.T) {
	t.Parallel()
	head := fstest.MapFS{
		"runs":                 {Data: []byte("/tmp"), Mode: fs.ModeSymlink},
		"deployments.yaml":     {Data: []byte("x")},
		"src/runs/a.json":      {Data: []byte("x")},
		"models/churn/v1.yaml": {Data: []byte("x")},
		"runsheet.md":          {Data: []byte("x")},
	}
	paths := []string{"deployments.yaml", "models/churn/v1.yaml", "runs", "runsheet.md", "src/runs/a.json"}
	got := CheckJournals(PRChange{Base: fstest.MapFS{}, Head: head, Paths: paths})
	if len(got) != 1 || got[0].File != "runs" || !strings.Contains(got[0].Msg, "adds a file of runs/") {
		t.Errorf("problems %v, want one for runs", got)
	}
}

func TestCheckPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		base, head string // mlcd.yaml's deploy section; "-" for no mlcd.yaml, "!" for an invalid one
		want       string // "" for no problem
	}{
		{name: "approved-pr to none", base: "deploy: {require: approved-pr}\n", head: "deploy: {require: none}\n",
			want: "mlcd.yaml:4:10: deploy.require goes from approved-pr to none" + weaker + loosenWhy},
		{name: "require removed, the default applies", base: "deploy:\n  require: merged-pr\n", head: "deploy:\n  listen: 127.0.0.1:9000\n",
			want: "mlcd.yaml:4:1: deploy.require goes from merged-pr to merge-commit" + weaker +
				" (without a GitHub API an unset deploy.require means merge-commit)" + loosenWhy},
		{name: "unset to merge-commit", base: "", head: "deploy: {require: merge-commit}\n",
			want: "mlcd.yaml:4:10: deploy.require goes from approved-pr to merge-commit" + weaker +
				" (with a GitHub API an unset deploy.require means approved-pr)" + loosenWhy},
		{name: "mlcd.yaml deleted", base: "deploy: {require: approved-pr, approvals: 3}\n", head: "-",
			want: "mlcd.yaml: mlcd.yaml is deleted: deploy.approvals goes from 3 to 1 under approved-pr: fewer approving reviews would let a change deploy" + loosenWhy3},
		{name: "invalid mlcd.yaml is the defaults", base: "deploy: {require: approved-pr, approvals: 2}\n", head: "!",
			want: "mlcd.yaml: mlcd.yaml does not parse, so the defaults apply: deploy.approvals goes from 2 to 1 under approved-pr: fewer approving reviews would let a change deploy" + loosenWhy2},
		{name: "tightened", base: "deploy: {require: none}\n", head: "deploy: {require: approved-pr, approvals: 2}\n"},
		{name: "more approvals", base: "deploy: {require: approved-pr}\n", head: "deploy: {require: approved-pr, approvals: 2}\n"},
		{name: "other settings", base: "deploy: {require: merged-pr}\n", head: "deploy: {require: merged-pr, listen: \"127.0.0.1:9\"}\nschedule: \"@daily\"\n"},
		{name: "unset to approved-pr", base: "", head: "deploy: {require: approved-pr}\n"},
		{name: "invalid before, none now", base: "!", head: "deploy: {require: none}\n",
			want: "mlcd.yaml:4:10: deploy.require goes from approved-pr to none" + weaker + loosenWhy},
		{name: "python set", base: "deploy: {require: merged-pr}\n", head: "deploy:\n  require: merged-pr\n  python: ./tools/py\n",
			want: `mlcd.yaml:6:3: deploy.python goes from python3 to "./tools/py": another program would serve the sklearn models in Production` + servingWhy},
		{name: "image changed", base: "deploy: {target: kubernetes, kubernetes: {path: k8s, image: \"acme/mlcd:1\"}}\n",
			head: "deploy:\n  target: kubernetes\n  kubernetes:\n    path: k8s\n    image: evil/mlcd:1\n",
			want: `mlcd.yaml:8:5: deploy.kubernetes.image goes from "acme/mlcd:1" to "evil/mlcd:1": another image would serve the models in Production` + servingWhy},
		{name: "loosened and python changed: the gate first", base: "deploy: {require: approved-pr, python: python3.11}\n", head: "deploy: {require: none}\n",
			want: "mlcd.yaml:4:10: deploy.require goes from approved-pr to none" + weaker + loosenWhy},
		{name: "tightened, same programs", base: "deploy: {require: none, python: /usr/bin/python3}\n", head: "deploy: {require: approved-pr, python: /usr/bin/python3}\n"},
	}
	file := func(deploy string) *fstest.MapFile {
		switch deploy {
		case "-":
			return nil
		case "!":
			return &fstest.MapFile{Data: []byte("pipeline: churn\ntasks: [\n")}
		}
		return &fstest.MapFile{Data: []byte(pipelineHead + deploy)}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, head := fstest.MapFS{}, fstest.MapFS{}
			if f := file(tt.base); f != nil {
				base["mlcd.yaml"] = f
			}
			if f := file(tt.head); f != nil {
				head["mlcd.yaml"] = f
			}
			var msg string
			// Paths are not needed: the policies are compared whatever changed.
			if l := CheckPolicy(PRChange{Base: base, Head: head}); l != nil {
				msg = l.Problem.Error()
			}
			if diff := cmp.Diff(tt.want, msg); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
		})
	}
}

// An edit of a journal file too large to compare is still refused, without
// a line.
func TestCheckJournals_largeFile(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0.5\n"), maxCompared/4+1)
	edited := append(bytes.Clone(big[:len(big)-4]), []byte("0.9\n")...)
	base := fstest.MapFS{"runs/churn/r1.history": {Data: big}}
	head := fstest.MapFS{"runs/churn/r1.history": {Data: edited}}
	got := CheckJournals(PRChange{Base: base, Head: head, Paths: []string{"runs/churn/r1.history"}})
	if len(got) != 1 || got[0].Line != 0 || !strings.Contains(got[0].Msg, "edits a file of runs/") {
		t.Errorf("problems %v, want one edit without a line", got)
	}
}

// TestCheckJournals_KubernetesManifests: with deploy.target kubernetes on
// the tracked branch, a pull request may not touch the manifests folder
// (Argo CD would apply it); on a branch of their own, the folder on the
// tracked branch is the user's.
func TestCheckJournals_KubernetesManifests(t *testing.T) {
	t.Parallel()
	kube := func(branch string) string {
		return pipelineHead + "deploy:\n  target: kubernetes\n  kubernetes:\n    path: deploy/k8s\n    image: ghcr.io/acme/mlcd:1\n" + branch
	}
	for _, tc := range []struct {
		name, mlcd string
		want       int
	}{
		{"tracked branch", kube(""), 2},
		{"own branch", kube("    branch: manifests\n"), 0},
		{"local target", pipelineHead, 0},
	} {
		base := fstest.MapFS{
			"mlcd.yaml":              {Data: []byte(tc.mlcd)},
			"deploy/k8s/churn.yaml":  {Data: []byte("kind: Deployment\nimage: a\n")},
			"deploy/k8s-notes/a.md":  {Data: []byte("x\n")},
			"deploy/other/keep.yaml": {Data: []byte("x\n")},
		}
		head := fstest.MapFS{}
		for k, v := range base {
			head[k] = v
		}
		head["deploy/k8s/churn.yaml"] = &fstest.MapFile{Data: []byte("kind: Deployment\nimage: evil\n")}
		head["deploy/k8s/extra.yaml"] = &fstest.MapFile{Data: []byte("kind: Pod\n")}
		head["deploy/k8s-notes/a.md"] = &fstest.MapFile{Data: []byte("y\n")}
		paths := []string{"deploy/k8s-notes/a.md", "deploy/k8s/churn.yaml", "deploy/k8s/extra.yaml"}
		got := CheckJournals(PRChange{Base: base, Head: head, Paths: paths})
		if len(got) != tc.want {
			t.Errorf("%s: problems %v, want %d", tc.name, got, tc.want)
			continue
		}
		if tc.want > 0 && (got[0].File != "deploy/k8s/churn.yaml" || got[0].Line != 2 || !strings.Contains(got[0].Msg, "edits deploy/k8s/, the Kubernetes manifests")) {
			t.Errorf("%s: first problem %v, want deploy/k8s/churn.yaml:2 naming the manifests", tc.name, got[0])
		}
	}
}
