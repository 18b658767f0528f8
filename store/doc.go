// Package store is the content-addressed artifact store: every output file
// and every task log of a run is kept once, under its sha256, and verified
// when it is read back.
//
// Local is a folder store (<root>/sha256/<2 hex>/<62 hex>). The store only
// keeps bytes; which run produced what is the run record's business, and
// the executor's cache index lives beside the objects, under <root>/cache.
package store
