package storage

import (
	"context"
	"fmt"
	"sync"
)

// Checkpoints off the write path. In WAL mode SQLite copies the log back into
// the database file (a checkpoint) from the connection whose commit pushed the
// log past wal_autocheckpoint pages: with one writer connection, every write
// of the process waits while that copy and its two fsyncs run. Here the
// writer only counts its commits; every checkpointEvery commits it wakes a
// goroutine that runs a PASSIVE checkpoint on a connection of the read pool,
// which neither blocks nor waits for the writer. The writer's own
// wal_autocheckpoint stays as a backstop (connPragmas), far enough out that
// it only fires when this goroutine falls behind. Durability is unchanged: a
// commit is durable once in the log, checkpointed or not.

// checkpointEvery is how many group commits pass between two checkpoints
// (a commit of the hot paths adds a few pages to the log).
const checkpointEvery = 256

type checkpointer struct {
	wake     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	commits  int // counted by the batcher goroutine only
}

func (d *DB) startCheckpointer() {
	d.ckpt = &checkpointer{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(d.ckpt.done)
		for range d.ckpt.wake {
			// An error here (an I/O error) is met again, and returned, by the
			// writes themselves; the backstop checkpoint still runs.
			_ = d.checkpoint(context.Background())
		}
	}()
}

// committed is called by the batcher after each commit.
func (d *DB) committed() {
	c := d.ckpt
	c.commits++
	if c.commits < checkpointEvery {
		return
	}
	c.commits = 0
	select {
	case c.wake <- struct{}{}:
	default: // one is already pending
	}
}

// stopCheckpointer waits for a running checkpoint; call it once the batcher
// has stopped.
func (d *DB) stopCheckpointer() {
	d.ckpt.stopOnce.Do(func() {
		close(d.ckpt.wake)
		<-d.ckpt.done
	})
}

// checkpoint copies what it can of the log into the database file without
// waiting for readers or the writer.
func (d *DB) checkpoint(ctx context.Context) error {
	var busy, logFrames, copied int
	if err := d.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied); err != nil {
		return fmt.Errorf("storage: checkpoint: %w", err)
	}
	return nil
}
