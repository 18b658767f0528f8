package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// ErrEscape is the error of an output path that leaves MLCD_OUT.
var ErrEscape = errors.New("escapes MLCD_OUT")

// collectOutputs stores every file under outDir and returns them sorted by
// path. A symlink is followed only when it stays inside outDir; symlinks
// to folders and special files are errors. outDir must have no symlink in
// its own path (the run's scratch folder is resolved once). empty says
// outDir has no entry at all.
func collectOutputs(ctx context.Context, st Store, outDir string) (outs []pipeline.Output, empty bool, err error) {
	root := outDir
	entries := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != root {
			entries++
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if err := checkOutputName(rel); err != nil {
			return err
		}
		if err := checkOutput(root, path, rel, d); err != nil {
			return err
		}
		obj, err := st.PutFile(ctx, path)
		if err != nil {
			return err
		}
		outs = append(outs, pipeline.Output{Path: filepath.ToSlash(rel), SHA256: obj.SHA256, Size: obj.Size})
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("outputs: %w", err)
	}
	return outs, entries == 0, nil
}

// ErrBadName is the error of an output whose path is not valid UTF-8:
// the run record is JSON, which would turn each bad byte into U+FFFD, and a
// cache hit would then restore the output under another name.
var ErrBadName = errors.New("is not valid UTF-8")

// checkOutputName refuses an output path that the run record cannot hold
// as it is.
func checkOutputName(rel string) error {
	if utf8.ValidString(rel) {
		return nil
	}
	i := 0
	for i < len(rel) {
		r, n := utf8.DecodeRuneInString(rel[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return fmt.Errorf("output %q: file name %w (byte %#x at offset %d); give it a UTF-8 name", rel, ErrBadName, rel[i], i)
}

func checkOutput(root, path, rel string, d fs.DirEntry) error {
	switch {
	case d.Type().IsRegular():
		return nil
	case d.Type()&fs.ModeSymlink == 0:
		return fmt.Errorf("output %q is not a regular file (%s)", rel, d.Type())
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("output %q: broken symlink: %w", rel, err)
	}
	inside, err := filepath.Rel(root, target)
	if err != nil || !filepath.IsLocal(inside) {
		dest, _ := os.Readlink(path)
		return fmt.Errorf("output %q is a symlink to %q, which %w", rel, dest, ErrEscape)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("output %q: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("output %q is a symlink to a folder or special file", rel)
	}
	return nil
}

// restoreOutputs copies outputs from the store into dir, verifying each.
func restoreOutputs(ctx context.Context, st Store, outs []pipeline.Output, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, o := range outs {
		rel := filepath.FromSlash(o.Path)
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("output path %q %w", o.Path, ErrEscape)
		}
		if err := restoreFile(ctx, st, o.SHA256, filepath.Join(dir, rel)); err != nil {
			return fmt.Errorf("restore %s: %w", o.Path, err)
		}
	}
	return nil
}

func restoreFile(ctx context.Context, st Store, digest, dst string) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := st.Open(ctx, digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(f, rc)
	return err
}
