package storage

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Domain blocks and actor restrictions are asked on every inbound request
// (before and right after the signature check), and change rarely. Each is
// kept in memory as a tableCache: this process drops its copy as soon as it
// writes the table (after the commit), and a change made by another process
// (the artbridge CLI) is noticed through the table's change counter, kept by
// triggers (migration 0006) and read at most once per CacheRecheck. A request
// therefore costs a map lookup instead of a query, and a block or a lift made
// from the command line reaches a running server within CacheRecheck.

// CacheRecheck is how long a cached table is trusted before its change
// counter is read again: a block, suspension or lift made by another process
// takes effect on a running server within it.
const CacheRecheck = 500 * time.Millisecond

// tableCache is one table's in-memory copy.
type tableCache[T any] struct {
	counter string // the table's row in change_counters
	load    func(ctx context.Context) (T, error)

	mu      sync.Mutex
	value   T
	gen     int64
	loaded  bool
	checked time.Time
}

func newTableCache[T any](counter string, load func(ctx context.Context) (T, error)) *tableCache[T] {
	return &tableCache[T]{counter: counter, load: load}
}

// get returns the table's copy, reloading it when its counter moved or this
// process wrote the table.
func (c *tableCache[T]) get(ctx context.Context, d *DB) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.loaded && now.Sub(c.checked) < CacheRecheck {
		return c.value, nil
	}
	var gen int64
	if err := d.queryRow(ctx, `SELECT n FROM change_counters WHERE name = ?`, c.counter).Scan(&gen); err != nil {
		var zero T
		return zero, fmt.Errorf("storage: change counter %s: %w", c.counter, err)
	}
	c.checked = now
	if c.loaded && gen == c.gen {
		return c.value, nil
	}
	// A change landing between the two reads makes the copy newer than gen:
	// the next check sees the counter move and loads it again.
	v, err := c.load(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.value, c.gen, c.loaded = v, gen, true
	return v, nil
}

// invalidate makes the next get reload; call it after committing a write to
// the table.
func (c *tableCache[T]) invalidate() {
	c.mu.Lock()
	c.loaded = false
	c.mu.Unlock()
}
