package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/mlcd-dev/mlcd/deploy/kubernetes"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// TestServeCommand_AsKubernetesRunsIt runs the container of the manifests
// that deploy.target kubernetes commits, as a kubelet would: the
// ConfigMap mounted (with its ..data links) under the repository folder,
// the container's command and arguments. Only the folder, the address and
// the store are this machine's.
func TestServeCommand_AsKubernetesRunsIt(t *testing.T) {
	t.Parallel()
	tree, storeDir := servedTree(t)
	data, err := os.ReadFile(filepath.Join(tree, registry.VersionPath("churn", 2)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := registry.Parse(registry.VersionPath("churn", 2), data)
	if err != nil {
		t.Fatal(err)
	}
	k := &pipeline.Kubernetes{Path: "k8s", Namespace: "ml", Image: "mlcd", Replicas: 1, Port: 8080}
	manifests, err := kubernetes.Manifests(k, kubernetes.Serving{Model: "churn", Version: 2, Digest: v.Artifact.SHA256,
		Commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", VersionFile: data, Store: "s3://models/churn"})
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(manifests, []byte("\n---\n"))
	var cm corev1.ConfigMap
	var dep appsv1.Deployment
	if err := yaml.UnmarshalStrict(append(docs[0], '\n'), &cm); err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(append(docs[1], '\n'), &dep); err != nil {
		t.Fatal(err)
	}

	// The pod's filesystem: the ConfigMap as the kubelet mounts it.
	root := t.TempDir()
	c := dep.Spec.Template.Spec.Containers[0]
	mount, err := filepath.Rel(kubernetes.RepoDir, c.VolumeMounts[0].MountPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, mount)
	stamp := filepath.Join(dir, "..2026_12_06_05_00_00.000000001")
	if err := os.MkdirAll(stamp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name, content := range cm.Data {
		if err := os.WriteFile(filepath.Join(stamp, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}

	host, port, _ := net.SplitHostPort(anyPort)
	args := append([]string(nil), c.Args...)
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--repo":
			args[i+1] = root
		case "--host":
			args[i+1] = host
		case "--port":
			args[i+1] = port
		}
	}
	if c.Command[0] != "mlcd" {
		t.Fatalf("the container runs %v, want mlcd", c.Command)
	}
	cmd := exec.Command(mlcdBinary(t), args...)
	cmd.Env = append(os.Environ(), "MLCD_STORE="+storeDir)
	addr := startProc(t, cmd, anyPort).Addr
	if code, body := score(t, addr); code != 200 {
		t.Errorf("the pod's mlcd serve answered %d %s", code, body)
	}
}
