package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// EnvStore names the artifact store in the environment.
const EnvStore = "MLCD_STORE"

// Rule is how every command finds the artifact store, for --help.
const Rule = `The artifact store is, first found: --store, $MLCD_STORE, store: in
mlcd.yaml (a relative path is relative to the repository), else
$XDG_DATA_HOME/mlcd/store (~/.local/share/mlcd/store). It is a folder or a
bucket: s3://bucket/prefix?region=..., gs://bucket/prefix,
azblob://container/prefix, with credentials from the cloud SDK's
environment.`

// ErrNoStore is returned by OpenExisting when no store is at the location.
var ErrNoStore = errors.New("no artifact store")

// Sources are the places a store can be named, in the order of the rule.
type Sources struct {
	Flag string // --store
	Env  string // $MLCD_STORE
	// Config is mlcd.yaml's store:; a relative path is relative to Dir.
	Config string
	Dir    string
	// Default is the store when none is named; "" is DefaultDir.
	Default string
	// Getenv reads XDG_DATA_HOME for DefaultDir; nil is os.Getenv.
	Getenv func(string) string
}

// Location is the store a command uses and the rule that chose it.
type Location struct {
	URL    string // a path, file:// URL or bucket URL (s3://, gs://, azblob://)
	Source string // "--store", "$MLCD_STORE", "store: in mlcd.yaml" or "the default"
}

// String is the location and where it came from, for messages; a bucket
// URL shows without credentials.
func (l Location) String() string {
	where := l.URL
	if IsBlobURL(where) {
		if u, err := url.Parse(where); err == nil {
			where = redactURL(u)
		} else {
			where = "(an unparsable URL)"
		}
	}
	return fmt.Sprintf("%s (%s)", where, l.Source)
}

// Locate applies the rule to the sources: the one place mlcd decides which
// artifact store a command uses.
func Locate(s Sources) (Location, error) {
	switch {
	case s.Flag != "":
		return Location{URL: s.Flag, Source: "--store"}, nil
	case s.Env != "":
		return Location{URL: s.Env, Source: "$" + EnvStore}, nil
	case s.Config != "":
		loc := s.Config
		if !strings.Contains(loc, "://") && !filepath.IsAbs(loc) && s.Dir != "" {
			loc = filepath.Join(s.Dir, loc)
		}
		return Location{URL: loc, Source: "store: in mlcd.yaml"}, nil
	case s.Default != "":
		return Location{URL: s.Default, Source: "the default"}, nil
	}
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	dir, err := DefaultDir(getenv)
	if err != nil {
		return Location{}, err
	}
	return Location{URL: dir, Source: "the default"}, nil
}

// DefaultDir is $XDG_DATA_HOME/mlcd/store, else ~/.local/share/mlcd/store.
func DefaultDir(getenv func(string) string) (string, error) {
	data := getenv("XDG_DATA_HOME")
	if data == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("artifact store: no home folder: set --store or %s: %w", EnvStore, err)
		}
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(data, "mlcd", "store"), nil
}

// OpenAt opens the store at loc (OpenURL), for the commands that write
// artifacts: a folder store is created when missing.
func OpenAt(ctx context.Context, loc Location) (Store, error) {
	if IsBlobURL(loc.URL) {
		_, b, err := openBlob(ctx, loc.URL)
		if err != nil {
			return nil, fmt.Errorf("artifact store %s: %w", loc, err)
		}
		return b, nil
	}
	s, err := Open(loc.URL)
	if err != nil {
		return nil, fmt.Errorf("artifact store %s: %w", loc, err)
	}
	return s, nil
}

// OpenExisting opens the store at loc for reading and never creates one:
// ErrNoStore when there is no folder store at a path; a bucket store must
// exist and be reachable (OpenBlob).
func OpenExisting(ctx context.Context, loc Location) (Store, error) {
	if IsBlobURL(loc.URL) {
		return OpenAt(ctx, loc)
	}
	root, err := localPath(loc.URL)
	if err != nil {
		return nil, fmt.Errorf("artifact store %s: %w", loc, err)
	}
	if fi, err := os.Stat(filepath.Join(root, "sha256")); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w at %s", ErrNoStore, loc)
	}
	return &Local{root: root}, nil
}
