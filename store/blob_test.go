package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mlcd-dev/mlcd/internal/s3test"
	"github.com/mlcd-dev/mlcd/store"
)

// srv is the package's S3 server (s3test.Main), nil without versitygw.
var srv *s3test.Server

func TestMain(m *testing.M) { os.Exit(s3test.Main(m, &srv)) }

func requireServer(t *testing.T) *s3test.Server { return s3test.Require(t, srv) }

// newBlob opens a store on a fresh bucket, under a prefix.
func newBlob(t *testing.T) (*store.Blob, string) {
	t.Helper()
	s := s3test.Require(t, srv)
	bucket := s.NewBucket(t)
	b, err := store.OpenBlob(context.Background(), s.URL(bucket, "team/store"))
	if err != nil {
		t.Fatalf("OpenBlob: %v\n%s", err, s.Log())
	}
	t.Cleanup(func() { b.Close() })
	return b, bucket
}

// keys lists the bucket's keys under prefix through the S3 API.
func keys(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	out, err := srv.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, o := range out.Contents {
		ks = append(ks, aws.ToString(o.Key))
	}
	return ks
}

func readAll(t *testing.T, st store.Store, digest string) ([]byte, error) {
	t.Helper()
	rc, err := st.Open(context.Background(), digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestBlob_PutOpenHas(t *testing.T) {
	ctx := context.Background()
	b, bucket := newBlob(t)
	// 9 MiB passes the SDK's 8 MiB part size: a multipart upload.
	for _, content := range []string{"", "hello\n", strings.Repeat("x", 1<<20+7), strings.Repeat("yz", 9<<19)} {
		obj, err := b.Put(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if want := sha(content); obj.SHA256 != want || obj.Size != int64(len(content)) {
			t.Fatalf("Put = %+v, want %s size %d", obj, want, len(content))
		}
		key := "team/store/sha256/" + obj.SHA256[:2] + "/" + obj.SHA256[2:]
		if got := keys(t, bucket, key); len(got) != 1 {
			t.Errorf("keys %s = %v, want the object", key, got)
		}
		if has, err := b.Has(ctx, obj.SHA256); !has || err != nil {
			t.Errorf("Has after Put = %v, %v", has, err)
		}
		data, err := readAll(t, b, obj.SHA256)
		if err != nil || string(data) != content {
			t.Errorf("Open: %d bytes, %v; want %d bytes", len(data), err, len(content))
		}
	}
	path := filepath.Join(t.TempDir(), "model.pkl")
	os.WriteFile(path, []byte("a model"), 0o644)
	obj, err := b.PutFile(ctx, path)
	if err != nil || obj.SHA256 != sha("a model") {
		t.Fatalf("PutFile = %+v, %v", obj, err)
	}
	missing := sha("never stored")
	if has, err := b.Has(ctx, missing); has || err != nil {
		t.Errorf("Has(missing) = %v, %v", has, err)
	}
	if _, err := b.Open(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open(missing): err = %v, want ErrNotFound", err)
	}
	if _, err := b.Open(ctx, "../../etc/passwd"); !errors.Is(err, store.ErrBadDigest) {
		t.Errorf("Open(bad digest): err = %v, want ErrBadDigest", err)
	}
}

func TestBlob_Docs(t *testing.T) {
	ctx := context.Background()
	b, bucket := newBlob(t)
	if _, err := b.ReadDoc(ctx, "cache/abc"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ReadDoc before WriteDoc: err = %v, want ErrNotFound", err)
	}
	for _, content := range []string{`{"v":1}`, `{"v":2}`} {
		if err := b.WriteDoc(ctx, "cache/abc", []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := b.ReadDoc(ctx, "cache/abc")
		if err != nil || string(got) != content {
			t.Errorf("ReadDoc = %q, %v; want %q", got, err, content)
		}
	}
	if got := keys(t, bucket, "team/store/docs/"); len(got) != 1 || got[0] != "team/store/docs/cache/abc" {
		t.Errorf("document keys = %v", got)
	}
	if err := b.WriteDoc(ctx, "../escape", nil); !errors.Is(err, store.ErrBadDocName) {
		t.Errorf("WriteDoc(../escape): err = %v, want ErrBadDocName", err)
	}
	if err := b.WriteDoc(ctx, "big", make([]byte, store.MaxDocSize+1)); err == nil {
		t.Error("WriteDoc over MaxDocSize: no error")
	}
}

// Writers of the same object at once all succeed and leave one object.
func TestBlob_ConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	b, bucket := newBlob(t)
	other, err := store.OpenBlob(ctx, srv.URL(bucket, "team/store")) // another machine
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("same model\n", 50000)
	const writers = 12
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		st := b
		if i%2 == 1 {
			st = other
		}
		wg.Go(func() {
			obj, err := st.Put(ctx, strings.NewReader(content))
			if err == nil && obj.SHA256 != sha(content) {
				err = errors.New("wrong digest " + obj.SHA256)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Put: %v", err)
		}
	}
	if got := keys(t, bucket, "team/store/"); len(got) != 1 {
		t.Errorf("keys after %d writers = %v, want one object", writers, got)
	}
	if data, err := readAll(t, other, sha(content)); err != nil || string(data) != content {
		t.Errorf("Open: %d bytes, %v", len(data), err)
	}
}

// An upload whose connection dies half way fails and leaves nothing under
// the object's name; the next Put stores it.
func TestBlob_DroppedUpload(t *testing.T) {
	ctx := context.Background()
	_, bucket := newBlob(t)
	proxy := s3test.NewProxy(t, strings.TrimPrefix(srv.Endpoint, "http://"))
	via := *srv
	via.Endpoint = "http://" + proxy.Addr
	b, err := store.OpenBlob(ctx, via.URL(bucket, "team/store"))
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	proxy.CutAfter(256 << 10)
	_, err = b.Put(ctx, bytes.NewReader(content))
	if err == nil {
		t.Fatal("Put through a connection cut after 256 KiB: no error")
	}
	t.Logf("Put through a cut connection: %v", err)
	if proxy.Cuts() == 0 {
		t.Fatal("the proxy cut no connection")
	}
	if got := keys(t, bucket, ""); len(got) != 0 {
		t.Errorf("keys after a cut upload = %v, want none", got)
	}
	proxy.CutAfter(0)
	obj, err := b.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("Put after the network came back: %v", err)
	}
	if data, err := readAll(t, b, obj.SHA256); err != nil || !bytes.Equal(data, content) {
		t.Errorf("Open: %d bytes, %v", len(data), err)
	}
}

// Bytes under a digest's name that do not hash to it fail the read.
func TestBlob_Corrupt(t *testing.T) {
	ctx := context.Background()
	b, bucket := newBlob(t)
	d := sha("the real content")
	key := "team/store/sha256/" + d[:2] + "/" + d[2:]
	_, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("tampered content")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, b, d); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("read of a tampered object: err = %v, want ErrCorrupt", err)
	}
}

// Fetch copies a bucket's object into a folder store, verified: a corrupt
// one is refused and leaves nothing.
func TestLocal_FetchFromBucket(t *testing.T) {
	ctx := context.Background()
	b, bucket := newBlob(t)
	obj, err := b.Put(ctx, strings.NewReader("a log\n"))
	if err != nil {
		t.Fatal(err)
	}
	root, fetch, err := store.Files(ctx, b, filepath.Join(t.TempDir(), "mirror"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fetch(obj.SHA256); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "sha256", obj.SHA256[:2], obj.SHA256[2:])
	if data, err := os.ReadFile(path); err != nil || string(data) != "a log\n" {
		t.Errorf("fetched file = %q, %v", data, err)
	}
	if err := fetch(sha("never stored")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("fetch of a missing object: err = %v, want ErrNotFound", err)
	}
	bad := sha("the real content")
	key := "team/store/sha256/" + bad[:2] + "/" + bad[2:]
	if _, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("tampered")}); err != nil {
		t.Fatal(err)
	}
	if err := fetch(bad); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("fetch of a tampered object: err = %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(filepath.Join(root, "sha256", bad[:2], bad[2:])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a tampered object was copied: %v", err)
	}

	local, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if root, fetch, err := store.Files(ctx, local, "unused"); root != local.Root() || fetch != nil || err != nil {
		t.Errorf("Files(folder store) = %s, %v, %v; want its own folder and no fetch", root, fetch != nil, err)
	}
}

// Without a prefix the store's keys are at the top of the bucket.
func TestBlob_NoPrefix(t *testing.T) {
	ctx := context.Background()
	s := requireServer(t)
	bucket := s.NewBucket(t)
	b, err := store.OpenBlob(ctx, s.URL(bucket, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	obj, err := b.Put(ctx, strings.NewReader("top"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteDoc(ctx, "runs/r1/plan.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	want := []string{"docs/runs/r1/plan.json", "sha256/" + obj.SHA256[:2] + "/" + obj.SHA256[2:]}
	if got := keys(t, bucket, ""); !slices.Equal(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
}
