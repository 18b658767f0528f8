package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/store"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestOpenURL_Schemes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, u := range []string{dir, "file://" + filepath.ToSlash(dir)} {
		st, err := store.OpenURL(ctx, u)
		if err != nil {
			t.Fatalf("OpenURL(%s): %v", u, err)
		}
		if _, ok := st.(*store.Local); !ok {
			t.Errorf("OpenURL(%s) = %T, want *store.Local", u, st)
		}
	}
	for u, want := range map[string]string{
		"ftp://host/x":                       `unsupported scheme "ftp"`,
		"gs://bucket/x":                      "built without Google Cloud Storage",
		"s3:///prefix":                       "no bucket",
		"s3://bucket/../x":                   `bad prefix`,
		"s3://KEYID:topsecret@bucket/x":      "the URL holds credentials",
		"azblob://acct/x?sas_token=hushhush": "built without the azblob:// driver",
	} {
		_, err := store.OpenURL(ctx, u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OpenURL(%s): err = %v, want %q", u, err, want)
			continue
		}
		for _, secret := range []string{"topsecret", "hushhush"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("OpenURL(%s): error %q shows a secret", u, err)
			}
		}
	}
}

func TestOpenBlob_Errors(t *testing.T) {
	s := requireServer(t)
	ctx := context.Background()
	bucket := s.NewBucket(t)
	url := s.URL(bucket, "p")

	b, err := store.OpenBlob(ctx, url)
	if err != nil {
		t.Fatalf("OpenBlob with the server's credentials: %v", err)
	}
	b.Close()
	if !strings.Contains(b.String(), "s3://"+bucket+"/p?endpoint=") {
		t.Errorf("String() = %q, want the URL with its endpoint", b.String())
	}

	_, err = store.OpenBlob(ctx, s.URL("no-such-bucket", "p"))
	if !errors.Is(err, store.ErrNoBucket) || !strings.Contains(err.Error(), "s3://no-such-bucket/p") {
		t.Errorf("missing bucket: err = %v, want ErrNoBucket naming the URL", err)
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value")
	_, err = store.OpenBlob(ctx, url)
	if err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/p") || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("wrong secret: err = %v, want an error naming the URL without the secret", err)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err = store.OpenBlob(ctx, url)
	t.Logf("no credentials: %v", err)
	if !errors.Is(err, store.ErrNoCredentials) || !strings.Contains(err.Error(), "s3://"+bucket+"/p") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("no credentials: err = %v, want ErrNoCredentials naming the URL and the variables", err)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", s.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.Secret)
	noRegion := strings.Replace(url, "&region=us-east-1", "", 1)
	if _, err := store.OpenBlob(ctx, noRegion); err == nil || !strings.Contains(err.Error(), "no AWS region") {
		t.Errorf("no region: err = %v", err)
	}
}
