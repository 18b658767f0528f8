package pipeline

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/mlcd-dev/mlcd/layout"
)

// Deploy targets: where a version that passes the merge gate is served.
const (
	// TargetLocal: mlcd serves it itself, on deploy.listen (the default).
	TargetLocal = "local"
	// TargetKubernetes: mlcd commits Kubernetes manifests that serve it,
	// for Argo CD or Flux to apply (deploy.kubernetes).
	TargetKubernetes = "kubernetes"
)

var targets = []string{TargetLocal, TargetKubernetes}

// Defaults of deploy.kubernetes.
const (
	DefaultKubeNamespace = "default"
	DefaultKubePort      = 8080
	DefaultKubeReplicas  = 1
)

// Kubernetes is deploy.kubernetes: where mlcd commits the manifests that
// serve a model's Production version, and what they run.
type Kubernetes struct {
	// Path is the folder of the repository the manifests go to
	// (slash-separated, relative to the root), one file per model.
	Path string
	// Branch is the branch they are committed to; "" is the branch mlcd
	// tracks.
	Branch    string
	Namespace string
	// Image is the container image that runs `mlcd serve`.
	Image    string
	Replicas int
	Port     int
	// Store is the artifact store the pods read the model from; "" is
	// the store mlcd itself uses.
	Store string
	// Secret names a Secret whose keys the pods get as environment
	// variables (the store's credentials); "" for none.
	Secret    string
	Requests  Quantities
	Limits    Quantities
	PathLine  int // the line of path: in mlcd.yaml, for messages
	ImageLine int
}

// Quantities are the CPU and memory of a container, as Kubernetes
// quantities ("500m", "2", "512Mi"); "" leaves one out.
type Quantities struct {
	CPU    string
	Memory string
}

var (
	kubeKeys      = []string{"path", "branch", "namespace", "image", "replicas", "port", "store", "secret", "resources"}
	resourcesKeys = []string{"requests", "limits"}
	quantityKeys  = []string{"cpu", "memory"}

	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
	// quantity is Kubernetes' resource quantity in the forms people
	// write: a decimal number and an optional SI or binary suffix.
	quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)
)

func checkTarget(s string) error {
	for _, t := range targets {
		if s == t {
			return nil
		}
	}
	return fmt.Errorf("unknown target %q%s: one of %s", s, didYouMean(s, targets), strings.Join(targets, ", "))
}

// deployTarget checks deploy.target against deploy.kubernetes once the
// block is read: one needs the other.
func (p *parser) deployTarget(d *Deploy, fields []field) {
	tf, hasTarget := lookup(fields, "target")
	kf, hasKube := lookup(fields, "kubernetes")
	switch {
	case d.Target == TargetKubernetes && !hasKube:
		p.errorf(tf.node, "deploy.target: kubernetes needs a deploy.kubernetes block (at least path and image)")
	case hasKube && hasTarget && d.Target != "" && d.Target != TargetKubernetes:
		p.errorf(kf.node, "deploy.kubernetes is set, but deploy.target is %s: set target: kubernetes, or remove the block", d.Target)
	case hasKube && !hasTarget:
		p.errorf(kf.node, "deploy.kubernetes is set, but deploy.target is not: add target: kubernetes to deploy")
	}
}

// kubernetes reads deploy.kubernetes.
func (p *parser) kubernetes(f field) *Kubernetes {
	fields, ok := p.mapping(f.value, "deploy.kubernetes", "in deploy.kubernetes", kubeKeys)
	if !ok {
		return nil
	}
	k := &Kubernetes{Namespace: DefaultKubeNamespace, Port: DefaultKubePort, Replicas: DefaultKubeReplicas}
	for _, kf := range fields {
		label := "deploy.kubernetes." + kf.key
		switch kf.key {
		case "path":
			k.Path, _ = p.checked(kf, label, checkManifestPath)
			k.PathLine, _ = position(kf.node)
		case "branch":
			k.Branch, _ = p.checked(kf, label, checkBranchName)
		case "namespace":
			k.Namespace, _ = p.checked(kf, label, checkDNS(dnsLabel, "a namespace: lowercase letters, digits and '-', at most 63"))
		case "image":
			k.Image, _ = p.checked(kf, label, checkImage)
			k.ImageLine, _ = position(kf.node)
		case "replicas":
			if n, ok := p.integer(kf, label); ok && (n < 0 || n > 1000) {
				p.errorf(kf.value, "%s: must be from 0 to 1000, got %d", label, n)
			} else if ok {
				k.Replicas = n
			}
		case "port":
			if n, ok := p.integer(kf, label); ok && (n < 1 || n > 65535) {
				p.errorf(kf.value, "%s: must be from 1 to 65535, got %d", label, n)
			} else if ok {
				k.Port = n
			}
		case "store":
			k.Store, _ = p.checked(kf, label, checkKubeStore)
		case "secret":
			k.Secret, _ = p.checked(kf, label, checkDNS(dnsSubdomain, "a Secret's name: lowercase letters, digits, '-' and '.'"))
		case "resources":
			k.Requests, k.Limits = p.resources(kf)
		}
	}
	for _, key := range []string{"path", "image"} {
		if _, ok := lookup(fields, key); !ok {
			p.errorf(f.node, "deploy.kubernetes: missing required key %q", key)
		}
	}
	return k
}

// resources reads deploy.kubernetes.resources: requests and limits of cpu
// and memory.
func (p *parser) resources(f field) (req, lim Quantities) {
	fields, ok := p.mapping(f.value, "deploy.kubernetes.resources", "in deploy.kubernetes.resources", resourcesKeys)
	if !ok {
		return req, lim
	}
	for _, rf := range fields {
		label := "deploy.kubernetes.resources." + rf.key
		qs, ok := p.mapping(rf.value, label, "in "+label, quantityKeys)
		if !ok {
			continue
		}
		r := Quantities{}
		for _, qf := range qs {
			s, ok := p.quantity(qf, label+"."+qf.key)
			if !ok {
				continue
			}
			if qf.key == "cpu" {
				r.CPU = s
			} else {
				r.Memory = s
			}
		}
		if rf.key == "requests" {
			req = r
		} else {
			lim = r
		}
	}
	return req, lim
}

// quantity reads a Kubernetes quantity: a string, or a number (cpu: 2).
func (p *parser) quantity(f field, label string) (string, bool) {
	s, ok := p.text(f.value, label)
	if !ok {
		return "", false
	}
	if !quantity.MatchString(s) {
		p.errorf(valueNode(f), "%s: %q is not a quantity such as 500m, 2, 512Mi or 1Gi", label, s)
		return "", false
	}
	return s, true
}

// checkManifestPath accepts a clean relative folder that is none of
// mlcd's own: the manifests must not land among the records, and a
// person's files there would be mlcd's to overwrite.
func checkManifestPath(s string) error {
	switch {
	case s == "" || s == "." || strings.HasPrefix(s, "/") || strings.Contains(s, `\`):
		return fmt.Errorf("%q: want a folder of the repository, relative to its root, such as deploy/k8s", s)
	case path.Clean(s) != s || s == ".." || strings.HasPrefix(s, "../"):
		return fmt.Errorf("%q: want a clean relative folder (no '..', '.', '//' or trailing '/')", s)
	}
	for _, part := range strings.Split(s, "/") {
		if strings.EqualFold(part, ".git") {
			return fmt.Errorf("%q: not inside .git", s)
		}
	}
	if top := layout.Top(s); layout.IsBotPath(s) || top == layout.Local {
		return fmt.Errorf("%q: %s/ is mlcd's own folder; pick another, such as deploy/k8s", s, top)
	}
	if s == FileName {
		return fmt.Errorf("%q: that is the pipeline file; pick a folder such as deploy/k8s", s)
	}
	return nil
}

// checkBranchName accepts the branch names git accepts, roughly
// (git check-ref-format's rules that people meet).
func checkBranchName(s string) error {
	bad := s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") ||
		strings.HasSuffix(s, ".") || strings.HasSuffix(s, ".lock") || strings.Contains(s, "..") ||
		strings.Contains(s, "//") || strings.Contains(s, "@{") || s == "@" ||
		strings.ContainsAny(s, " ~^:?*[\\\x7f") || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) >= 0
	if bad {
		return fmt.Errorf("invalid branch name %q", s)
	}
	return nil
}

func checkDNS(re *regexp.Regexp, what string) func(string) error {
	return func(s string) error {
		if !re.MatchString(s) {
			return fmt.Errorf("%q: want %s", s, what)
		}
		return nil
	}
}

func checkImage(s string) error {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return errors.New("want a container image reference such as ghcr.io/acme/mlcd:1.4 (no spaces)")
	}
	return nil
}

func checkKubeStore(s string) error {
	if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\x00\n") {
		return errors.New("want the artifact store's URL as the pods reach it, such as s3://bucket/prefix")
	}
	return nil
}
