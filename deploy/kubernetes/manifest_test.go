package kubernetes

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/mlcd-dev/mlcd/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

const versionFile = `schema: 1
model: "churn-xgb"
version: 3
stage: "Production"
run: "20261126T233012.123Z-3f2a9c"
artifact:
  file: "model.json"
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
  size: 1234
flavor: "xgboost"
`

func serving() Serving {
	return Serving{Model: "churn-xgb", Version: 3, Digest: digest, Commit: strings.Repeat("4b825dc6", 5),
		VersionFile: []byte(versionFile), Store: "s3://models/churn?region=eu-west-1"}
}

func fullSpec() *pipeline.Kubernetes {
	return &pipeline.Kubernetes{Path: "deploy/k8s", Namespace: "ml-prod", Image: "ghcr.io/acme/mlcd:1.4",
		Replicas: 3, Port: 5001, Secret: "mlcd-store",
		Requests: pipeline.Quantities{CPU: "500m", Memory: "512Mi"}, Limits: pipeline.Quantities{CPU: "2", Memory: "1Gi"}}
}

func minimalSpec() *pipeline.Kubernetes {
	return &pipeline.Kubernetes{Path: "k8s", Namespace: pipeline.DefaultKubeNamespace, Image: "mlcd",
		Replicas: pipeline.DefaultKubeReplicas, Port: pipeline.DefaultKubePort}
}

// docs splits a manifests file into its YAML documents.
func docs(t *testing.T, data []byte) [][]byte {
	t.Helper()
	parts := bytes.Split(data, []byte("\n---\n"))
	if len(parts) != 3 {
		t.Fatalf("%d documents, want ConfigMap, Deployment, Service:\n%s", len(parts), data)
	}
	for i := range parts[:len(parts)-1] {
		parts[i] = append(parts[i], '\n') // the separator took the line's end
	}
	return parts
}

// decode reads one document strictly into a k8s.io/api type: an unknown
// or repeated field, or a value of the wrong type, fails.
func decode(t *testing.T, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Fatalf("strict decode into %T: %v\n%s", into, err, doc)
	}
}

func TestManifests_Golden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		spec *pipeline.Kubernetes
	}{{"full", fullSpec()}, {"minimal", minimalSpec()}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Manifests(tt.spec, serving())
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("manifests (-%s +got):\n%s", golden, diff)
			}
			again, _ := Manifests(tt.spec, serving())
			if !bytes.Equal(got, again) {
				t.Error("the same version gave different bytes: a commit of them again would change something")
			}
		})
	}
}

func TestManifests_DecodeIntoKubernetesTypes(t *testing.T) {
	t.Parallel()
	k, s := fullSpec(), serving()
	data, err := Manifests(k, s)
	if err != nil {
		t.Fatal(err)
	}
	parts := docs(t, data)
	var cm corev1.ConfigMap
	var dep appsv1.Deployment
	var svc corev1.Service
	decode(t, parts[0], &cm)
	decode(t, parts[1], &dep)
	decode(t, parts[2], &svc)

	if cm.Kind != "ConfigMap" || dep.Kind != "Deployment" || dep.APIVersion != "apps/v1" || svc.Kind != "Service" {
		t.Fatalf("kinds %s %s/%s %s", cm.Kind, dep.APIVersion, dep.Kind, svc.Kind)
	}
	if got := cm.Data["v3.yaml"]; got != versionFile {
		t.Errorf("the ConfigMap's version file:\n%s\nwant the registered file:\n%s", got, versionFile)
	}
	for _, m := range []struct {
		what      string
		name, ns  string
		labels    map[string]string
		wantLabel bool
	}{{"configmap", cm.Name, cm.Namespace, cm.Labels, true}, {"deployment", dep.Name, dep.Namespace, dep.Labels, true},
		{"service", svc.Name, svc.Namespace, svc.Labels, true}} {
		if m.name != "mlcd-churn-xgb" || m.ns != "ml-prod" {
			t.Errorf("%s is %s/%s, want ml-prod/mlcd-churn-xgb", m.what, m.ns, m.name)
		}
		if m.labels[LabelModel] != "churn-xgb" || m.labels[LabelVersion] != "3" || m.labels[LabelName] != "mlcd" {
			t.Errorf("%s labels = %v", m.what, m.labels)
		}
	}

	spec := dep.Spec
	if spec.Replicas == nil || *spec.Replicas != 3 {
		t.Errorf("replicas = %v, want 3", spec.Replicas)
	}
	if spec.Strategy.RollingUpdate == nil || spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy = %+v, want no pod less during a rollout", spec.Strategy)
	}
	tmpl := spec.Template
	for k, v := range spec.Selector.MatchLabels {
		if tmpl.Labels[k] != v || svc.Spec.Selector[k] != v {
			t.Errorf("selector %s=%s does not select the pods (%v) or is not the Service's (%v)", k, v, tmpl.Labels, svc.Spec.Selector)
		}
	}
	if _, ok := spec.Selector.MatchLabels[LabelVersion]; ok {
		t.Error("the selector holds the version: a Deployment's selector cannot change")
	}
	if tmpl.Annotations[AnnotationDigest] != digest || tmpl.Annotations[AnnotationCommit] != s.Commit {
		t.Errorf("pod annotations = %v", tmpl.Annotations)
	}
	if len(tmpl.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(tmpl.Spec.Containers))
	}
	c := tmpl.Spec.Containers[0]
	wantArgs := []string{"serve", "churn-xgb@3", "--repo", RepoDir, "--host", "0.0.0.0", "--port", "5001", "--digest", digest}
	if c.Image != "ghcr.io/acme/mlcd:1.4" || !cmp.Equal(c.Command, []string{"mlcd"}) || !cmp.Equal(c.Args, wantArgs) {
		t.Errorf("container runs %s %v %v, want mlcd %v", c.Image, c.Command, c.Args, wantArgs)
	}
	if len(c.Env) != 1 || c.Env[0].Name != "MLCD_STORE" || c.Env[0].Value != s.Store {
		t.Errorf("env = %+v, want MLCD_STORE=%s", c.Env, s.Store)
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != "mlcd-store" {
		t.Errorf("envFrom = %+v, want the secret mlcd-store", c.EnvFrom)
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/ping" || p.HTTPGet.Port != intstr.FromString("http") {
			t.Errorf("%s probe = %+v, want GET /ping on the http port", name, p)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 5001 || c.Ports[0].Name != "http" {
		t.Errorf("ports = %+v", c.Ports)
	}
	wantRes := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")},
	}
	if !c.Resources.Requests.Cpu().Equal(*wantRes.Requests.Cpu()) || !c.Resources.Limits.Memory().Equal(*wantRes.Limits.Memory()) ||
		!c.Resources.Requests.Memory().Equal(*wantRes.Requests.Memory()) || !c.Resources.Limits.Cpu().Equal(*wantRes.Limits.Cpu()) {
		t.Errorf("resources = %+v, want %+v", c.Resources, wantRes)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != RepoDir+"/models/churn-xgb" ||
		len(tmpl.Spec.Volumes) != 1 || tmpl.Spec.Volumes[0].ConfigMap == nil || tmpl.Spec.Volumes[0].ConfigMap.Name != cm.Name {
		t.Errorf("the version file is not mounted at models/churn-xgb/: mounts %+v, volumes %+v", c.VolumeMounts, tmpl.Spec.Volumes)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 5001 || svc.Spec.Ports[0].TargetPort != intstr.FromString("http") {
		t.Errorf("service ports = %+v", svc.Spec.Ports)
	}
}

func TestManifests_MinimalHasNoResourcesOrSecret(t *testing.T) {
	t.Parallel()
	data, err := Manifests(minimalSpec(), serving())
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	decode(t, docs(t, data)[1], &dep)
	c := dep.Spec.Template.Spec.Containers[0]
	if len(c.EnvFrom) != 0 || len(c.Resources.Requests) != 0 || len(c.Resources.Limits) != 0 {
		t.Errorf("envFrom %+v, resources %+v: want none when mlcd.yaml names none", c.EnvFrom, c.Resources)
	}
	if *dep.Spec.Replicas != 1 || c.Ports[0].ContainerPort != 8080 || dep.Namespace != "default" {
		t.Errorf("replicas %d, port %d, namespace %q: want the defaults", *dep.Spec.Replicas, c.Ports[0].ContainerPort, dep.Namespace)
	}
}

func TestManifests_RefusesWhatCannotServe(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(*Serving)
		want string
	}{
		{"short digest", func(s *Serving) { s.Digest = "abc" }, `digest "abc"`},
		{"no store", func(s *Serving) { s.Store = "" }, "no artifact store"},
		{"no version file", func(s *Serving) { s.VersionFile = nil }, "no version file"},
		{"no version", func(s *Serving) { s.Version = 0 }, "version 0"},
	} {
		s := serving()
		tt.edit(&s)
		_, err := Manifests(minimalSpec(), s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to say %q", tt.name, err, tt.want)
		}
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	for model, want := range map[string]string{
		"churn-xgb":                   "mlcd-churn-xgb",
		"churn_rf.v2":                 "mlcd-churn-rf-v2",
		"x-":                          "mlcd-x",
		strings.Repeat("a", 63):       "mlcd-" + strings.Repeat("a", 58),
		"a" + strings.Repeat("-", 62): "mlcd-a",
	} {
		if got := Name(model); got != want {
			t.Errorf("Name(%q) = %q, want %q", model, got, want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	if got := Endpoint(fullSpec(), "churn-xgb"); got != "mlcd-churn-xgb.ml-prod.svc:5001" {
		t.Errorf("Endpoint = %q", got)
	}
}
