// Package scaffold holds the files that `mlcd init` writes into a new
// repository: a commented mlcd.yaml, a sample pipeline in Python that
// trains a scikit-learn model mlcd serves itself, a .gitignore and a GitHub
// Actions workflow.
//
// It only knows the files and how to write them; the command that asks
// for them is cmd/mlcd's init.
package scaffold

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
)

// The files are kept without their leading dot (gitignore, github/), so
// that they do not act as this repository's own .gitignore or workflows.
//
//go:embed files
var files embed.FS

// ErrExists is returned by Write when files are in the way and force is off.
var ErrExists = errors.New("files exist")

// File is one file of the scaffold.
type File struct {
	Path string // slash-separated, relative to the repository root
	Data []byte
	Mode fs.FileMode
}

// Files returns the scaffold's files, sorted by path.
func Files() ([]File, error) {
	var out []File
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		rel := repoPath(strings.TrimPrefix(p, "files/"))
		out = append(out, File{Path: rel, Data: data, Mode: 0o644})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read scaffold: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// repoPath puts back the dot of the names stored without it.
func repoPath(p string) string {
	switch {
	case p == "gitignore":
		return ".gitignore"
	case strings.HasPrefix(p, "github/"):
		return "." + p
	}
	return p
}

// Write writes the scaffold into dir, creating it when missing, and returns
// the paths it wrote. Unless force is set it first checks every target and
// writes nothing when one exists: the error wraps ErrExists and names them.
func Write(ctx context.Context, dir string, force bool) ([]string, error) {
	fl, err := Files()
	if err != nil {
		return nil, err
	}
	if !force {
		if err := checkFree(dir, fl); err != nil {
			return nil, err
		}
	}
	var written []string
	for _, f := range fl {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return written, fmt.Errorf("create %s: %w", filepath.Dir(target), err)
		}
		if err := atomicfile.WriteFile(target, f.Data, f.Mode); err != nil {
			return written, fmt.Errorf("write %s: %w", target, err)
		}
		written = append(written, f.Path)
	}
	return written, nil
}

// checkFree fails, naming them all, when files of fl already exist in dir.
func checkFree(dir string, fl []File) error {
	var taken []string
	for _, f := range fl {
		_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err == nil:
			taken = append(taken, f.Path)
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("check %s: %w", f.Path, err)
		}
	}
	if len(taken) > 0 {
		return fmt.Errorf("%s: %w: %s (use --force to overwrite them)", dir, ErrExists, strings.Join(taken, ", "))
	}
	return nil
}
