package kubernetes

import (
	"strconv"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// deployment is the Deployment that runs `mlcd serve` on the version: one
// pod more during a rollout and none less (maxUnavailable 0), so that the
// Service always has a ready pod; readiness and liveness on /ping.
func deployment(k *pipeline.Kubernetes, s Serving) object {
	pod := object{
		{"metadata", object{
			{"labels", labels(s)},
			{"annotations", object{{AnnotationDigest, s.Digest}, {AnnotationCommit, s.Commit}}},
		}},
		{"spec", object{
			{"automountServiceAccountToken", false},
			{"containers", list{container(k, s)}},
			{"volumes", list{object{
				{"name", "version"},
				{"configMap", object{{"name", Name(s.Model)}}},
			}}},
		}},
	}
	return object{
		{"apiVersion", "apps/v1"},
		{"kind", "Deployment"},
		{"metadata", meta(k, s, labels(s))},
		{"spec", object{
			{"replicas", k.Replicas},
			{"revisionHistoryLimit", 5},
			{"selector", object{{"matchLabels", selector(s)}}},
			{"strategy", object{
				{"type", "RollingUpdate"},
				{"rollingUpdate", object{{"maxUnavailable", 0}, {"maxSurge", 1}}},
			}},
			{"template", pod},
		}},
	}
}

func container(k *pipeline.Kubernetes, s Serving) object {
	args := list{"serve", s.Model + "@" + strconv.Itoa(s.Version),
		"--repo", RepoDir, "--host", "0.0.0.0", "--port", strconv.Itoa(k.Port), "--digest", s.Digest}
	c := object{
		{"name", "mlcd-serve"},
		{"image", k.Image},
		{"command", list{"mlcd"}},
		{"args", args},
		{"env", list{object{{"name", store.EnvStore}, {"value", s.Store}}}},
	}
	if k.Secret != "" {
		c = append(c, member{"envFrom", list{object{{"secretRef", object{{"name", k.Secret}}}}}})
	}
	c = append(c,
		member{"ports", list{object{{"name", "http"}, {"containerPort", k.Port}, {"protocol", "TCP"}}}},
		// Loading a model may take minutes: liveness starts once /ping
		// first answered 200, within 10 minutes.
		member{"startupProbe", probe(10, 60)},
		member{"readinessProbe", probe(5, 3)},
		member{"livenessProbe", probe(20, 3)},
	)
	if res := resources(k); len(res) > 0 {
		c = append(c, member{"resources", res})
	}
	return append(c,
		member{"volumeMounts", list{object{
			{"name", "version"},
			{"mountPath", RepoDir + "/models/" + s.Model},
			{"readOnly", true},
		}}},
		member{"securityContext", object{{"allowPrivilegeEscalation", false}}},
	)
}

// probe is an HTTP check of /ping: it answers 200 once the version passed
// its health check, 503 before and while no worker is alive.
func probe(period, failures int) object {
	return object{
		{"httpGet", object{{"path", "/ping"}, {"port", "http"}}},
		{"periodSeconds", period},
		{"timeoutSeconds", 5},
		{"failureThreshold", failures},
	}
}

func resources(k *pipeline.Kubernetes) object {
	var res object
	for _, r := range []struct {
		key string
		q   pipeline.Quantities
	}{{"requests", k.Requests}, {"limits", k.Limits}} {
		var q object
		if r.q.CPU != "" {
			q = append(q, member{"cpu", r.q.CPU})
		}
		if r.q.Memory != "" {
			q = append(q, member{"memory", r.q.Memory})
		}
		if len(q) > 0 {
			res = append(res, member{r.key, q})
		}
	}
	return res
}
