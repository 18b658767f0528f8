//go:build mlcd_gcs

package main

// gs:// (Google Cloud Storage) stores, in a binary built with -tags
// mlcd_gcs (make build TAGS=mlcd_gcs). Left out by default: Google's SDK
// (gRPC, OpenTelemetry, the xDS client) grew the binary from 64 to 95 MB
// and every mlcd process from 33 to 54 MiB at start (make bench-dag's
// budget is 40 MiB), for one cloud. A default binary reaches GCS through
// its S3-compatible API instead (docs/store.md).
import _ "gocloud.dev/blob/gcsblob"
