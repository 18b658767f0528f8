//go:build !mlcd_s3only

package main

// azblob:// (Azure Blob Storage) stores, besides s3:// (which the store
// package links). Azure's SDK adds about 12 MB to the binary and 6 MiB to
// every mlcd process; -tags mlcd_s3only builds without it.
import _ "gocloud.dev/blob/azureblob"
