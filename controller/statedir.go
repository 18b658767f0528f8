package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultStateDir is the state folder of the controller that follows
// branch of repo when none is given: $XDG_STATE_HOME/mlcd/<name>-<branch>-<hash>
// (XDG_STATE_HOME defaulting to ~/.local/state), where a local path counts
// as its absolute form, so `mlcd status` finds what `mlcd watch` keeps.
func DefaultStateDir(repo, branch string) (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("state folder: set --state: %w", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	if abs, err := filepath.Abs(repo); err == nil && !strings.Contains(repo, "://") && !strings.Contains(repo, "@") {
		repo = abs
	}
	sum := sha256.Sum256([]byte(repo + "\x00" + branch))
	name := unsafeName.ReplaceAllString(strings.TrimSuffix(filepath.Base(repo), ".git"), "_")
	return filepath.Join(base, "mlcd", fmt.Sprintf("%s-%s-%s", name, branch, hex.EncodeToString(sum[:4]))), nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
