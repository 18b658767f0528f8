package gitstore

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// objectCache keeps decoded trees and small blobs by hash. Objects never
// change, so a hit is always right; it makes reading many files of a
// commit, or the same files again at the next commit, cost map lookups
// instead of a packfile read and a decode per folder on every path (the
// registry's 10,000 version files took 1.5 s through the tree FS without
// it). It is bounded: past objectCacheBudget bytes it starts again empty.
type objectCache struct {
	mu    sync.Mutex
	trees map[plumbing.Hash][]object.TreeEntry
	blobs map[plumbing.Hash][]byte
	size  int
}

const (
	objectCacheBudget = 64 << 20
	maxCachedBlob     = 256 << 10
	treeEntryCost     = 64 // rough bytes of one decoded tree entry
)

func (c *objectCache) tree(h plumbing.Hash) ([]object.TreeEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.trees[h]
	return e, ok
}

func (c *objectCache) putTree(h plumbing.Hash, entries []object.TreeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.makeRoom(len(entries) * treeEntryCost)
	c.trees[h] = entries
}

// blob returns a copy of a cached blob: the caller may change it.
func (c *objectCache) blob(h plumbing.Hash) ([]byte, bool) {
	c.mu.Lock()
	b, ok := c.blobs[h]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

func (c *objectCache) putBlob(h plumbing.Hash, data []byte) {
	if len(data) > maxCachedBlob {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.makeRoom(len(data))
	c.blobs[h] = append([]byte(nil), data...)
}

// makeRoom empties the cache when n more bytes would pass the budget.
func (c *objectCache) makeRoom(n int) {
	if c.trees == nil || c.size+n > objectCacheBudget {
		c.trees = map[plumbing.Hash][]object.TreeEntry{}
		c.blobs = map[plumbing.Hash][]byte{}
		c.size = 0
	}
	c.size += n
}
