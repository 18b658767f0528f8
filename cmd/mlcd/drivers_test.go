//go:build !mlcd_s3only

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/store"

	"gocloud.dev/blob"
)

func TestBucketSchemesRegistered(t *testing.T) {
	schemes := []string{"s3", "azblob"}
	if gcsLinked {
		schemes = append(schemes, "gs")
	}
	for _, scheme := range schemes {
		if !blob.DefaultURLMux().ValidBucketScheme(scheme) {
			t.Errorf("the mlcd command cannot open %s:// stores", scheme)
		}
	}
}

// An Azure store without an account says so, naming the store.
func TestBucketStore_AzureWithoutAccount(t *testing.T) {
	t.Setenv("AZURE_STORAGE_ACCOUNT", "")
	_, err := store.OpenURL(context.Background(), "azblob://models/team")
	if err == nil || !strings.Contains(err.Error(), "azblob://models/team") || !strings.Contains(err.Error(), "AccountName") {
		t.Errorf("err = %v, want an error naming the store and the missing account", err)
	}
}
