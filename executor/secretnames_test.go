package executor_test

import (
	"testing"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
	"github.com/mlcd-dev/mlcd/watcher"
)

// TestSecretEnv_CoversEverySecretMlcdReads holds pipeline.SecretEnv, the
// variables kept from tasks, to the names the packages that read secrets
// use: a new credential must not reach tasks unnoticed.
func TestSecretEnv_CoversEverySecretMlcdReads(t *testing.T) {
	t.Parallel()
	for _, name := range append([]string{
		gitstore.EnvToken, gitstore.EnvGitHubToken, gitstore.EnvSSHKey,
		forge.EnvToken, watcher.SecretEnv,
	}, store.CredentialEnv...) {
		if !pipeline.IsSecretEnv(name) {
			t.Errorf("%s is read by mlcd as a secret but is not in pipeline.SecretEnv", name)
		}
	}
}
