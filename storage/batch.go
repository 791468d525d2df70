package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
)

// Group commit: small writes on the hot paths (an inbound activity stored
// before its 202, a delivery outcome, an interaction, a moderation decision
// and its hits, an activity marked processed) are queued to one goroutine that
// runs up to maxBatch of them in a single transaction. Before running a batch
// it yields the processor a few times (runtime.Gosched, no sleep) while more
// writes keep arriving: writers that are runnable get to queue theirs, which
// makes batches several times larger under load and costs nothing when idle.
// (A timed wait for more writes was tried: Go sleeps at least about a
// millisecond here, which left the cores idle, and spinning until a deadline
// measured no better than the yields alone.) If any of them fails, the
// transaction is rolled back and each is run again in a transaction of its
// own, so one bad write never undoes the others. A caller returns only after
// the transaction holding its write has committed, so durability is
// unchanged; what is saved is the per-transaction cost, which dominates small
// writes in SQLite.

const maxBatch = 256

// maxLinger is how many times the batcher yields to let more writes queue.
const maxLinger = 3

type batchJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// errClosed is returned for writes queued after Close.
var errClosed = errors.New("storage: database closed")

func (d *DB) startBatcher() {
	d.jobs = make(chan batchJob, maxBatch)
	d.batcherDone = make(chan struct{})
	go func() {
		defer close(d.batcherDone)
		for first := range d.jobs {
			batch := []batchJob{first}
			// Stop at a full batch, after maxLinger yields, or as soon as a
			// yield brought nothing new.
			for lingered := 0; ; lingered++ {
				n := len(batch)
				batch = d.drainJobs(batch)
				if len(batch) >= maxBatch || lingered >= maxLinger || (lingered > 0 && len(batch) == n) {
					break
				}
				runtime.Gosched()
			}
			d.runBatch(batch)
		}
	}()
}

// drainJobs appends the jobs already queued to batch, up to maxBatch.
func (d *DB) drainJobs(batch []batchJob) []batchJob {
	for len(batch) < maxBatch {
		select {
		case j, ok := <-d.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

func (d *DB) stopBatcher() {
	d.closeOnce.Do(func() {
		d.jobsMu.Lock()
		d.closed = true
		close(d.jobs)
		d.jobsMu.Unlock()
		<-d.batcherDone
	})
}

// batched runs fn in a shared transaction and waits for its commit.
func (d *DB) batched(ctx context.Context, fn func(tx *sql.Tx) error) error {
	j := batchJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	d.jobsMu.RLock()
	if d.closed {
		d.jobsMu.RUnlock()
		return errClosed
	}
	select {
	case d.jobs <- j:
		d.jobsMu.RUnlock()
	case <-ctx.Done():
		d.jobsMu.RUnlock()
		return ctx.Err()
	}
	// Wait even if ctx ends now: the write may already be in the transaction.
	return <-j.done
}

func (d *DB) runBatch(batch []batchJob) {
	ctx := context.Background()
	live := batch[:0:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- err
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, j := range live {
			if err := j.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	d.committed()
	if err == nil {
		for _, j := range live {
			j.done <- nil
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- err
		return
	}
	// One of them failed: run each alone so the others still land.
	for _, j := range live {
		j.done <- d.inTx(ctx, j.fn)
	}
}

// txExec runs q inside tx, with the statement prepared at Open when it is one
// of the hot ones (preparing inside the transaction would need a second
// connection, and the writer has one).
func (d *DB) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	ctx = short(ctx)
	if st, ok := d.writeStmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txQueryRow runs a one-row read inside tx, like txExec.
func (d *DB) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	ctx = short(ctx)
	if st, ok := d.writeStmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// prepareHot prepares the statements of the group-committed writes.
func (d *DB) prepareHot(ctx context.Context) error {
	for _, q := range []string{qInsertInbound, qMarkInbound, qInsertInteraction,
		qReplaceHits, qPruneHits, qRecordHit, qInsertReport, qRestrictActor, qRemoveSuspendedFollower, qRecordDecision, qActorRestriction,
		qDeliveryToFinish, qPostponeDelivery, qFinishDelivery} {
		if _, err := stmt(ctx, &d.writeStmts, d.wr, q); err != nil {
			return fmt.Errorf("storage: prepare: %w", err)
		}
	}
	return nil
}
