package pipeline

import (
	"fmt"
	"slices"
	"strings"
)

// secretEnv lists the environment variables that hold mlcd's own secrets:
// the git token (MLCD_GIT_TOKEN, else GITHUB_TOKEN, which is also the
// GitHub API token), the ssh key file for git (MLCD_SSH_KEY) and the
// webhook secret (MLCD_WEBHOOK_SECRET), and the credentials of a bucket
// store (store.CredentialEnv; a test holds the two lists together). Tasks
// do not receive them unless their secrets: names them.
var secretEnv = []string{
	"GITHUB_TOKEN", "MLCD_GIT_TOKEN", "MLCD_SSH_KEY", "MLCD_WEBHOOK_SECRET",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"GOOGLE_APPLICATION_CREDENTIALS",
	"AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_CLIENT_SECRET",
}

// SecretEnv returns the names of the environment variables that hold
// mlcd's own secrets, sorted.
func SecretEnv() []string { return slices.Clone(secretEnv) }

// IsSecretEnv reports whether name is one of SecretEnv.
func IsSecretEnv(name string) bool { return slices.Contains(secretEnv, name) }

// checkSecretName is the rule for a task's secrets: entries.
func checkSecretName(s string) error {
	if !IsSecretEnv(s) {
		return fmt.Errorf("%q is not one of mlcd's secrets (%s); other variables of mlcd's environment reach every task without being listed",
			s, strings.Join(secretEnv, ", "))
	}
	return nil
}

// WithoutSecrets returns environ ("KEY=VALUE" entries) without mlcd's own
// secrets.
func WithoutSecrets(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); !IsSecretEnv(name) {
			out = append(out, kv)
		}
	}
	return out
}
