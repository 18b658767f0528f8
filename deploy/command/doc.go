// Package command is the process flavor of the deployer: it starts a model's
// own scoring server (the version's `serve:` command, with {model} replaced by
// the artifact path and {port} by a free loopback port), waits for its /ping,
// proxies requests to it, restarts it with backoff when it dies, and stops its
// whole process group on Stop.
//
// It knows nothing of the registry, the gateway or health checks beyond
// /ping: the deployer decides what runs and when traffic switches.
package command
