package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestOpen_Locations(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		url     string
		want    string
		wantErr string
	}{
		{name: "path", url: filepath.Join(dir, "a"), want: filepath.Join(dir, "a")},
		{name: "file url", url: "file://" + filepath.Join(dir, "b"), want: filepath.Join(dir, "b")},
		{name: "localhost", url: "file://localhost" + filepath.Join(dir, "c"), want: filepath.Join(dir, "c")},
		{name: "s3 not yet", url: "s3://bucket/prefix", wantErr: `unsupported scheme "s3"`},
		{name: "remote host", url: "file://example.com/x", wantErr: "with a host"},
		{name: "empty", url: "", wantErr: "empty location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) error = %v, want it to contain %q", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Root() != tt.want {
				t.Errorf("Root() = %q, want %q", s.Root(), tt.want)
			}
			if fi, err := os.Stat(filepath.Join(tt.want, "sha256")); err != nil || !fi.IsDir() {
				t.Errorf("objects folder not created: %v", err)
			}
		})
	}
}

func TestLocal_PutOpen(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"", "hello\n", strings.Repeat("x", 1<<20+7)} {
		obj, err := s.Put(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if want := digestOf(content); obj.SHA256 != want || obj.Size != int64(len(content)) {
			t.Fatalf("Put = %+v, want %s size %d", obj, want, len(content))
		}
		wantPath := filepath.Join(s.Root(), "sha256", obj.SHA256[:2], obj.SHA256[2:])
		if s.Path(obj.SHA256) != wantPath {
			t.Errorf("Path = %s, want %s", s.Path(obj.SHA256), wantPath)
		}
		if has, err := s.Has(ctx, obj.SHA256); !has || err != nil {
			t.Errorf("Has(%s) = %v, %v after Put", obj.SHA256, has, err)
		}
		rc, err := s.Open(ctx, obj.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != content {
			t.Fatalf("read back %d bytes, err %v; want %d bytes", len(got), err, len(content))
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.Root(), "sha256", ".put-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestLocal_PutDedupes(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(t.TempDir())
	a, err := s.Put(ctx, strings.NewReader("same"))
	if err != nil {
		t.Fatal(err)
	}
	fi1, _ := os.Stat(s.Path(a.SHA256))
	b, err := s.Put(ctx, bytes.NewReader([]byte("same")))
	if err != nil {
		t.Fatal(err)
	}
	fi2, _ := os.Stat(s.Path(b.SHA256))
	if a != b || !os.SameFile(fi1, fi2) {
		t.Errorf("second Put rewrote the object: %+v %+v", a, b)
	}
}

func TestLocal_PutFile(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(t.TempDir())
	p := filepath.Join(t.TempDir(), "model.bin")
	os.WriteFile(p, []byte("weights"), 0o600)
	obj, err := s.PutFile(ctx, p)
	if err != nil || obj.SHA256 != digestOf("weights") {
		t.Fatalf("PutFile = %+v, %v", obj, err)
	}
	if _, err := s.PutFile(ctx, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("PutFile of a missing file succeeded")
	}
}

func TestLocal_OpenDetectsCorruption(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(t.TempDir())
	obj, _ := s.Put(ctx, strings.NewReader("original content"))
	p := s.Path(obj.SHA256)
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("tampered content"), 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, obj.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("reading a tampered object: err = %v, want ErrCorrupt", err)
	}
}

func TestLocal_OpenErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(t.TempDir())
	if _, err := s.Open(ctx, digestOf("never stored")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing object: err = %v, want ErrNotFound", err)
	}
	for _, d := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63)} {
		if _, err := s.Open(ctx, d); !errors.Is(err, ErrBadDigest) {
			t.Errorf("Open(%q): err = %v, want ErrBadDigest", d, err)
		}
		if has, err := s.Has(ctx, d); has || !errors.Is(err, ErrBadDigest) {
			t.Errorf("Has(%q) = %v, %v, want ErrBadDigest", d, has, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(cctx, strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: err = %v", err)
	}
}

func BenchmarkLocal_Put(b *testing.B) {
	ctx := context.Background()
	s, _ := Open(b.TempDir())
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		data[0] = byte(i)
		data[1] = byte(i >> 8)
		if _, err := s.Put(ctx, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
