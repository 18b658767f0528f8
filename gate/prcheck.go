package gate

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/layout"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// PRChange is what a pull request changes, for CheckJournals and CheckPolicy.
type PRChange struct {
	Base, Head fs.FS    // the trees of the merge base and of the pull request's head
	Paths      []string // the files that differ between them, slash-separated
}

// maxCompared bounds how much of a changed journal file is read to find
// the first changed line; past it the problem has no line.
const maxCompared = 8 << 20

// CheckJournals applies the merge gate's first rule for a pull request,
// beside the registry's own (registry.Check): it adds, edits or deletes no
// file under runs/ or deployments/. They are mlcd's journals (run records
// and metric histories, deployment records), written only by the mlcd bot,
// which commits them to the tracked branch itself and never through a pull
// request. Every problem names its file, and for an edit the first changed
// line.
//
// With deploy.target kubernetes and the manifests on the tracked branch,
// the manifests folder (deploy.kubernetes.path, before or after the
// change) is held the same way: Argo CD or Flux applies whatever is there,
// so an edit in a pull request would serve what no promotion allowed.
func CheckJournals(c PRChange) []*diag.Error {
	var out []*diag.Error
	folders := manifestFolders(c)
	for _, p := range c.Paths {
		if root, ok := journalRoot(p); ok {
			out = append(out, journalProblem(c, p, root))
			continue
		}
		for _, dir := range folders {
			if strings.HasPrefix(p, dir+"/") {
				out = append(out, manifestProblem(c, p, dir))
				break
			}
		}
	}
	return out
}

// manifestFolders are the folders of deploy.kubernetes.path, in the base's
// and the head's mlcd.yaml, whose manifests go to the tracked branch.
func manifestFolders(c PRChange) []string {
	var dirs []string
	for _, fsys := range []fs.FS{c.Base, c.Head} {
		p, _, _ := readPipeline(fsys)
		if p == nil || p.Deploy.Target != pipeline.TargetKubernetes || p.Deploy.Kubernetes == nil {
			continue
		}
		k := p.Deploy.Kubernetes
		if dir := strings.TrimSuffix(k.Path, "/"); k.Branch == "" && dir != "" && !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

func manifestProblem(c PRChange, p, dir string) *diag.Error {
	e := &diag.Error{File: p}
	if exists(c.Base, p) && exists(c.Head, p) {
		e.Line = firstChangedLine(c.Base, c.Head, p)
	}
	e.Msg = fmt.Sprintf("the change edits %s/, the Kubernetes manifests mlcd commits for the versions the merge gate allows "+
		"(deploy.kubernetes.path): Argo CD or Flux applies whatever is there, so a pull request may not change them; "+
		"to serve another version, change its stage in models/", dir)
	return e
}

// Loosening is a change of mlcd.yaml that loosens the merge gate.
type Loosening struct {
	// Old is the policy before the change where mlcd can ask GitHub: the
	// pull request needs max(Old.Approvals, 1) approvals of its head.
	Old Policy
	// How says how the change loosens the gate, for people.
	How string
	// Problem is the refusal: mlcd.yaml (with the line of the setting),
	// How, and what the change needs to pass.
	Problem *diag.Error
}

// Approvals is how many approving reviews of its head, by people other
// than its author, a pull request that loosens the gate needs.
func (l *Loosening) Approvals() int { return max(l.Old.Approvals, 1) }

// CheckPolicy applies the merge gate's second rule for a pull request: a
// change that loosens the gate's policy in mlcd.yaml (Loosens), under
// either default of an unset deploy.require (where the controller runs
// decides which applies), is a Loosening; nil when there is none. Such a
// change passes only approved on its head as the gate in force before it
// asks, which the caller finds out from GitHub.
//
// The policies are compared whatever c.Paths says: mlcd.yaml may be a
// symlink to a file that the change edits.
//
// A mlcd.yaml that is missing or invalid is judged as the defaults, as the
// controller judges it.
func CheckPolicy(c PRChange) *Loosening {
	baseP, _, _ := readPipeline(c.Base)
	headP, headData, found := readPipeline(c.Head)
	var looser []bool // with a GitHub API, without
	var how string
	for _, hasForge := range []bool{true, false} {
		l, h := Loosens(PolicyOf(baseP, hasForge), PolicyOf(headP, hasForge))
		looser = append(looser, l)
		if l && how == "" {
			how = h
		}
	}
	if how == "" {
		return nil
	}
	switch {
	case !looser[1]:
		how += " (with a GitHub API an unset deploy.require means approved-pr)"
	case !looser[0]:
		how += " (without a GitHub API an unset deploy.require means merge-commit)"
	}
	l := &Loosening{Old: PolicyOf(baseP, true), Problem: &diag.Error{File: pipeline.FileName}}
	switch {
	case !found:
		how = "mlcd.yaml is deleted: " + how
	case headP == nil:
		how = "mlcd.yaml does not parse, so the defaults apply: " + how
	default:
		l.Problem.Line, l.Problem.Col = settingPlace(headData, how)
	}
	who := "1 reviewer"
	if n := l.Approvals(); n > 1 {
		who = fmt.Sprintf("%d reviewers", n)
	}
	l.How = how
	what := "loosens the merge gate"
	if strings.HasPrefix(how, "deploy.python") || strings.HasPrefix(how, "deploy.kubernetes.image") {
		what = "changes what serves in Production"
	}
	l.Problem.Msg = how + ": a pull request that " + what + " must be approved on its head by " + who +
		" other than its author, as the gate in force asks (mlcd check --github counts them), " +
		"or the new policy would judge the change that makes it"
	return l
}

// settingPlace is the line and column in mlcd.yaml of the setting how
// speaks of, else of deploy:, else 0, 0 (both removed).
func settingPlace(data []byte, how string) (line, col int) {
	key := []string{"deploy", "require"}
	switch {
	case strings.HasPrefix(how, "deploy.approvals"):
		key = []string{"deploy", "approvals"}
	case strings.HasPrefix(how, "deploy.python"):
		key = []string{"deploy", "python"}
	case strings.HasPrefix(how, "deploy.kubernetes.image"):
		key = []string{"deploy", "kubernetes", "image"}
	}
	if line, col = pipeline.KeyLine(data, key...); line == 0 {
		line, col = pipeline.KeyLine(data, "deploy")
	}
	return line, col
}

// journalRoot returns the top folder of p when it is one of the bot's
// journals: every folder only the bot writes but the registry, whose stage
// people change through pull requests under registry.Check's rules. The
// folder's own name counts too (a file or symlink put in its place).
func journalRoot(p string) (string, bool) {
	root := layout.Top(p)
	if root == layout.Models || !layout.IsBotPath(root) {
		return "", false
	}
	return root, true
}

func journalProblem(c PRChange, p, root string) *diag.Error {
	what := "mlcd's run records and metric histories"
	if root != layout.Runs {
		what = "mlcd's deployment records"
	}
	e := &diag.Error{File: p}
	inBase, inHead := exists(c.Base, p), exists(c.Head, p)
	verb := "edits"
	switch {
	case !inBase:
		verb = "adds"
	case !inHead:
		verb = "deletes"
	default:
		e.Line = firstChangedLine(c.Base, c.Head, p)
	}
	e.Msg = fmt.Sprintf("the change %s a file of %s/, which holds %s: these files are written only by the mlcd bot, "+
		"on the tracked branch; a pull request may not add, edit or delete them", verb, root, what)
	return e
}

func exists(fsys fs.FS, p string) bool {
	_, err := fs.Stat(fsys, p)
	return err == nil
}

// firstChangedLine is the first line (from 1) where p differs between
// base and head, 0 when the contents are equal (a mode change) or cannot
// be read.
func firstChangedLine(base, head fs.FS, p string) int {
	a, okA := readBounded(base, p)
	b, okB := readBounded(head, p)
	if !okA || !okB || bytes.Equal(a, b) {
		return 0
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return 1 + bytes.Count(a[:n], []byte("\n"))
}

// readBounded reads p when it holds at most maxCompared bytes.
func readBounded(fsys fs.FS, p string) ([]byte, bool) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCompared+1))
	return data, err == nil && len(data) <= maxCompared
}

// readPipeline parses mlcd.yaml of fsys: nil when it is missing or
// invalid; found says whether it exists.
func readPipeline(fsys fs.FS) (p *pipeline.Pipeline, data []byte, found bool) {
	data, err := fs.ReadFile(fsys, pipeline.FileName)
	if err != nil {
		return nil, nil, false
	}
	if p, err = pipeline.Parse(pipeline.FileName, data); err != nil {
		return nil, data, true
	}
	return p, data, true
}
