package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	data := t.TempDir()
	getenv := func(k string) string {
		if k == "XDG_DATA_HOME" {
			return data
		}
		return ""
	}
	tests := []struct {
		name string
		s    Sources
		want Location
	}{
		{"flag first", Sources{Flag: "/f", Env: "/e", Config: "/c"}, Location{"/f", "--store"}},
		{"then the environment", Sources{Env: "/e", Config: "/c"}, Location{"/e", "$MLCD_STORE"}},
		{"then mlcd.yaml, relative to the repository", Sources{Config: "st", Dir: "/repo"}, Location{"/repo/st", "store: in mlcd.yaml"}},
		{"a URL in mlcd.yaml as it is", Sources{Config: "file:///s", Dir: "/repo"}, Location{"file:///s", "store: in mlcd.yaml"}},
		{"then the caller's default", Sources{Default: "/state/store"}, Location{"/state/store", "the default"}},
		{"else the data folder", Sources{}, Location{filepath.Join(data, "mlcd", "store"), "the default"}},
	}
	for _, tt := range tests {
		tt.s.Getenv = getenv
		got, err := Locate(tt.s)
		if err != nil || got != tt.want {
			t.Errorf("%s: Locate = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

// A read-only command finds no store and creates none; a missing object's
// error names the store searched.
func TestOpenExisting(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	loc := Location{URL: root, Source: "the default"}
	ctx := context.Background()
	if _, err := OpenExisting(ctx, loc); !errors.Is(err, ErrNoStore) || !strings.Contains(err.Error(), root) {
		t.Fatalf("OpenExisting of nothing = %v, want ErrNoStore naming %s", err, root)
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenExisting created %s: %v", root, err)
	}
	if _, err := OpenAt(ctx, loc); err != nil {
		t.Fatal(err)
	}
	s, err := OpenExisting(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Open(ctx, strings.Repeat("ab", 32))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), root) {
		t.Errorf("missing object: %v, want ErrNotFound naming the store %s", err, root)
	}
}

func TestLocation_StringHidesCredentials(t *testing.T) {
	loc := Location{URL: "s3://AKID:hushhush@bucket/p?endpoint=http://u:pw@127.0.0.1:9000&region=eu-west-1&sas=hush2", Source: "--store"}
	got := loc.String()
	for _, secret := range []string{"hushhush", "AKID", "pw@", "hush2"} {
		if strings.Contains(got, secret) {
			t.Errorf("String() = %q shows %q", got, secret)
		}
	}
	if want := "s3://bucket/p?endpoint=http://127.0.0.1:9000&region=eu-west-1 (--store)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
