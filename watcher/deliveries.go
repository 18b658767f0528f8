package watcher

import (
	"container/list"
	"sync"
)

// deliveries remembers the most recent webhook delivery ids, so that a
// replayed delivery is seen as one: a bounded LRU set.
type deliveries struct {
	mu    sync.Mutex
	limit int
	order *list.List               // front: most recent
	ids   map[string]*list.Element // id -> its element in order
}

func newDeliveries(limit int) *deliveries {
	return &deliveries{limit: limit, order: list.New(), ids: make(map[string]*list.Element, limit)}
}

// add records id and reports whether it is new; a known id becomes the most
// recent again.
func (d *deliveries) add(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.ids[id]; ok {
		d.order.MoveToFront(e)
		return false
	}
	d.ids[id] = d.order.PushFront(id)
	if d.order.Len() > d.limit {
		oldest := d.order.Back()
		d.order.Remove(oldest)
		delete(d.ids, oldest.Value.(string))
	}
	return true
}
