package kubernetes

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Labels and annotations the manifests carry.
const (
	LabelName      = "app.kubernetes.io/name"       // "mlcd"
	LabelInstance  = "app.kubernetes.io/instance"   // the resources' name
	LabelComponent = "app.kubernetes.io/component"  // "model-server"
	LabelManagedBy = "app.kubernetes.io/managed-by" // "mlcd"
	LabelModel     = "mlcd.dev/model"
	LabelVersion   = "mlcd.dev/version"
	// AnnotationDigest is the sha256 of the served model file; the pod's
	// `mlcd serve --digest` refuses any other.
	AnnotationDigest = "mlcd.dev/digest"
	// AnnotationCommit is the commit that set the version to Production.
	AnnotationCommit = "mlcd.dev/promoted-by"
)

// RepoDir is the folder the pods serve from: `mlcd serve --repo`. The
// version file is mounted under its models/.
const RepoDir = "/srv/mlcd"

// Serving is the version the manifests serve.
type Serving struct {
	Model   string
	Version int
	Digest  string // the model file's sha256: 64 lowercase hex digits
	// Commit is the commit that set the version to Production (gate
	// passed); it is recorded as an annotation.
	Commit string
	// VersionFile is models/<model>/v<N>.yaml as the commit that
	// registered the version holds it (registry.Marshal): what `mlcd
	// serve` reads in the pod.
	VersionFile []byte
	// Store is the artifact store's URL as the pods reach it.
	Store string
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s Serving) check() error {
	var errs []error
	if s.Model == "" || s.Version < 1 {
		errs = append(errs, fmt.Errorf("model %q version %d: want a model and a version from 1", s.Model, s.Version))
	}
	if !hexDigest.MatchString(s.Digest) {
		errs = append(errs, fmt.Errorf("digest %q: want 64 lowercase hex digits", s.Digest))
	}
	if len(s.VersionFile) == 0 {
		errs = append(errs, errors.New("no version file"))
	}
	if s.Store == "" {
		errs = append(errs, errors.New("no artifact store: the pods read the model from it"))
	}
	return errors.Join(errs...)
}

// File is where the manifests of model go: <path>/<model>.yaml.
func File(k *pipeline.Kubernetes, model string) string {
	return path.Join(k.Path, model+".yaml")
}

// Name is the name of model's Deployment, Service and ConfigMap:
// "mlcd-" and the model's name as a DNS label (a '.' or '_' becomes '-',
// at most 63 characters).
func Name(model string) string {
	n := "mlcd-" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, model)
	if len(n) > 63 {
		n = n[:63]
	}
	return strings.TrimRight(n, "-")
}

// Endpoint is the Service's address inside the cluster, as the journal
// records it: <name>.<namespace>.svc:<port>.
func Endpoint(k *pipeline.Kubernetes, model string) string {
	return fmt.Sprintf("%s.%s.svc:%d", Name(model), k.Namespace, k.Port)
}

// Manifests returns the file of model's manifests: a ConfigMap, a
// Deployment and a Service, as three YAML documents. The same k and s
// always give the same bytes, so that committing them again changes
// nothing.
func Manifests(k *pipeline.Kubernetes, s Serving) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("manifests of %s v%d: %w", s.Model, s.Version, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Written by mlcd: %s v%d, promoted by commit %s.\n", s.Model, s.Version, s.Commit)
	b.WriteString("# Edits are overwritten at the next promotion; change deploy.kubernetes in mlcd.yaml instead.\n")
	for i, doc := range []object{configMap(k, s), deployment(k, s), service(k, s)} {
		if i > 0 {
			b.WriteString("---\n")
		}
		emit(&b, doc)
	}
	return b.Bytes(), nil
}

func meta(k *pipeline.Kubernetes, s Serving, labels object) object {
	return object{{"name", Name(s.Model)}, {"namespace", k.Namespace}, {"labels", labels}}
}

// labels are the labels of every resource; selector the Deployment's and
// the Service's (no version: a Deployment's selector never changes).
func labels(s Serving) object {
	return append(selector(s), member{LabelComponent, "model-server"}, member{LabelManagedBy, "mlcd"},
		member{LabelModel, labelValue(s.Model)}, member{LabelVersion, strconv.Itoa(s.Version)})
}

func selector(s Serving) object {
	return object{{LabelName, "mlcd"}, {LabelInstance, Name(s.Model)}}
}

// labelValue is a model's name as a label value: at most 63 characters,
// ending with a letter or digit.
func labelValue(v string) string {
	if len(v) > 63 {
		v = v[:63]
	}
	return strings.TrimRight(v, "._-")
}

func configMap(k *pipeline.Kubernetes, s Serving) object {
	return object{
		{"apiVersion", "v1"},
		{"kind", "ConfigMap"},
		{"metadata", meta(k, s, labels(s))},
		{"data", object{{versionFileName(s), literal(s.VersionFile)}}},
	}
}

func versionFileName(s Serving) string { return fmt.Sprintf("v%d.yaml", s.Version) }

func service(k *pipeline.Kubernetes, s Serving) object {
	return object{
		{"apiVersion", "v1"},
		{"kind", "Service"},
		{"metadata", meta(k, s, labels(s))},
		{"spec", object{
			{"type", "ClusterIP"},
			{"selector", selector(s)},
			{"ports", list{object{{"name", "http"}, {"port", k.Port}, {"targetPort", "http"}, {"protocol", "TCP"}}}},
		}},
	}
}
