// Package kubernetes writes the Kubernetes manifests that serve a model
// version: a Deployment running `mlcd serve <model>@<version>` with the
// artifact's digest pinned, a ConfigMap holding the version file as it was
// registered, and a Service on the model's port. The controller commits
// them to the folder and branch deploy.kubernetes names, for Argo CD or
// Flux to apply; this package only writes bytes.
//
// It is not a Kubernetes client: mlcd never talks to a cluster. The
// manifests are written from small structures of its own (no k8s.io
// packages are linked into mlcd); the tests decode them strictly into the
// k8s.io/api types.
package kubernetes
