//go:build !mlcd_gcs

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/store"
)

const gcsLinked = false

// A default build opens no gs:// store, and says how to get one.
func TestBucketStore_GCSNeedsItsBuildTag(t *testing.T) {
	_, err := store.OpenURL(context.Background(), "gs://models/team")
	if err == nil || !strings.Contains(err.Error(), "gs://models/team") || !strings.Contains(err.Error(), "mlcd_gcs") ||
		!strings.Contains(err.Error(), "storage.googleapis.com") {
		t.Errorf("err = %v, want an error naming the store, the build tag and the S3-compatible endpoint", err)
	}
}
