package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestGroupCommitIsolatesAFailingWrite sends many concurrent writes through
// the batcher, one of which fails: every other write lands, the failing one
// gets its own error, and nothing is half-written.
func TestGroupCommitIsolatesAFailingWrite(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.wr.ExecContext(ctx, `CREATE TABLE batch_probe (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.batched(ctx, func(tx *sql.Tx) error {
				if i == 77 {
					// Its own insert, then a failure: both must be undone.
					if _, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (k) VALUES ('doomed')`); err != nil {
						return err
					}
					return errors.New("write 77 fails")
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (k) VALUES (?)`, fmt.Sprint(i))
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 77) != (err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	var count, doomed int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE k = 'doomed') FROM batch_probe`).Scan(&count, &doomed); err != nil {
		t.Fatal(err)
	}
	if count != n-1 || doomed != 0 {
		t.Fatalf("%d rows (%d of the failed write), want %d and 0", count, doomed, n-1)
	}
}

// TestGroupCommitAfterClose refuses writes once the database is closed and
// honours a cancelled context before the write is queued.
func TestGroupCommitAfterClose(t *testing.T) {
	db := open(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.batched(cancelled, func(*sql.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("cancelled write: ran=%v err=%v", ran, err)
	}
	db.Close()
	if err := db.batched(context.Background(), func(*sql.Tx) error { return nil }); !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v", err)
	}
}
