// Package store is the content-addressed artifact store: every output file
// and every task log of a run is kept once, under its sha256, and verified
// when it is read back.
//
// Store is what the rest of mlcd uses. Local is a folder store
// (<root>/sha256/<2 hex>/<62 hex>); Blob keeps the same layout in a bucket
// of S3, Google Cloud Storage or Azure Blob Storage, through
// gocloud.dev/blob; OpenURL and OpenAt choose one by the URL's scheme. The
// store only keeps bytes; which run produced what is the run record's
// business. Its one mutable part is named documents (WriteDoc, ReadDoc):
// small files that machines sharing a store use to find each other's
// objects, such as the task cache index (cache/<key>), run plans and task
// results, kept under docs/.
//
// It is not a cache of remote objects, except for Local.Fetch, which
// copies objects of another store for readers that need files.
package store
