package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse_DeployKubernetes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, deploy string
		want         *Kubernetes
	}{
		{"defaults", `
deploy:
  target: kubernetes
  kubernetes: {path: deploy/k8s, image: "ghcr.io/acme/mlcd:1.4"}
`, &Kubernetes{Path: "deploy/k8s", Image: "ghcr.io/acme/mlcd:1.4", Namespace: DefaultKubeNamespace,
			Port: DefaultKubePort, Replicas: DefaultKubeReplicas, PathLine: 7, ImageLine: 7}},
		{"everything", `
deploy:
  target: kubernetes
  require: merged-pr
  kubernetes:
    path: clusters/prod/churn
    branch: gitops
    namespace: ml-prod
    image: registry.example.com/mlcd@sha256:0123
    replicas: 3
    port: 5001
    store: s3://models/churn?region=eu-west-1
    secret: mlcd-store.credentials
    resources:
      requests: {cpu: 500m, memory: 512Mi}
      limits: {cpu: 2, memory: 1.5Gi}
`, &Kubernetes{Path: "clusters/prod/churn", Branch: "gitops", Namespace: "ml-prod",
			Image: "registry.example.com/mlcd@sha256:0123", Replicas: 3, Port: 5001,
			Store: "s3://models/churn?region=eu-west-1", Secret: "mlcd-store.credentials",
			Requests: Quantities{CPU: "500m", Memory: "512Mi"}, Limits: Quantities{CPU: "2", Memory: "1.5Gi"},
			PathLine: 9, ImageLine: 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse("mlcd.yaml", []byte("pipeline: churn\ntasks:\n  a: {run: x}\n"+tt.deploy))
			if err != nil {
				t.Fatal(err)
			}
			if p.Deploy.Target != TargetKubernetes {
				t.Errorf("Target = %q, want %q", p.Deploy.Target, TargetKubernetes)
			}
			if diff := cmp.Diff(tt.want, p.Deploy.Kubernetes); diff != "" {
				t.Errorf("deploy.kubernetes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse_DeployTargetDefaultsToLocal(t *testing.T) {
	t.Parallel()
	p, err := Parse("mlcd.yaml", []byte("pipeline: churn\ntasks:\n  a: {run: x}\ndeploy: {target: local}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Deploy.Target != TargetLocal || p.Deploy.Kubernetes != nil {
		t.Errorf("deploy = %+v, want the local target and no kubernetes block", p.Deploy)
	}
}

// TestParse_KubernetesDocExamples parses the deploy: sections that
// docs/kubernetes.md and docs/mlcd-yaml.md show for deploy.target
// kubernetes.
func TestParse_KubernetesDocExamples(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, name := range []string{"kubernetes.md", "mlcd-yaml.md"} {
		doc, err := os.ReadFile(filepath.Join("..", "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range strings.Split(string(doc), "```yaml\n")[1:] {
			body, _, _ := strings.Cut(b, "```")
			if !strings.Contains(body, "target: kubernetes") || strings.Contains(body, "pipeline:") {
				continue
			}
			checked++
			p, err := Parse("mlcd.yaml", []byte("pipeline: churn\ntasks:\n  a: {run: x}\n"+body))
			if err != nil {
				t.Errorf("the example of docs/%s: %v\n%s", name, err, body)
				continue
			}
			if p.Deploy.Target != TargetKubernetes || p.Deploy.Kubernetes == nil || p.Deploy.Kubernetes.Path != "deploy/k8s" {
				t.Errorf("the example of docs/%s gives %+v", name, p.Deploy)
			}
		}
	}
	if checked != 2 {
		t.Errorf("checked %d examples, want 2", checked)
	}
}
