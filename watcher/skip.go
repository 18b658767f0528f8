package watcher

import (
	"path"
	"strings"

	"github.com/mlcd-dev/mlcd/layout"
)

// rootOnlyDirs are mlcd's own folders at the top of a repository: records,
// registry files, deployments and state. A change there never starts a run
// (no feedback loop), so local mode does not even watch them. Deeper folders
// with these names (src/models/) are user code and are watched.
var rootOnlyDirs = map[string]bool{
	layout.Runs: true, layout.Models: true, layout.Deployments: true, layout.Local: true,
}

// anywhereDirs are skipped at any depth: VCS data, dependency trees and
// caches that tools rewrite on their own.
var anywhereDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true,
	"node_modules": true, "__pycache__": true, ".venv": true,
	".pytest_cache": true, ".mypy_cache": true, ".ipynb_checkpoints": true,
}

// DefaultSkipDir reports whether local mode ignores the directory at rel
// (slash-separated, relative to the watched root): .git, node_modules,
// __pycache__, virtualenvs and tool caches anywhere; runs/, models/,
// deployments/ and .mlcd/ at the root.
func DefaultSkipDir(rel string) bool {
	if rootOnlyDirs[rel] {
		return true
	}
	return anywhereDirs[path.Base(rel)]
}

// isEditorTemp reports whether a file name is an editor's scratch file (vim
// swap and backup files, emacs lock and autosave files) or an atomic-write
// temporary: they change while nobody saves anything.
func isEditorTemp(name string) bool {
	switch {
	case name == "4913", // vim probes a folder's writability with this file
		strings.HasSuffix(name, "~"),
		strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".swx"),
		strings.HasSuffix(name, ".swo"),
		strings.HasPrefix(name, ".#"),
		strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"),
		strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-"):
		return true
	}
	return false
}
