package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Status is what an operator sees of the instance at a glance: the delivery
// queue, hosts that fail, followers, posts, moderation and inbound work. It is
// read by `artbridge status`, the admin page and /metrics.
type Status struct {
	Deliveries   map[string]int // by state: queued, delivered, failed, cancelled
	QueueOldest  time.Time      // creation of the oldest queued delivery; zero when none
	FailingHosts []FailingHost  // hosts with queued deliveries that failed at least once
	Followers    int
	PostsLive    int
	PostsDeleted int
	// ReportsOpen counts moderation reports not lifted, by action.
	ReportsOpen map[string]int
	// Inbound counts inbound activities by type; InboundPending those not processed yet.
	Inbound        map[string]int
	InboundPending int
	// AltTextRequests counts AI alt-text requests of the last 24 hours.
	AltTextRequests int
}

// FailingHost is one host the delivery worker keeps failing to reach.
type FailingHost struct {
	Host        string
	Queued      int
	Attempts    int // the most attempts of one of its deliveries
	LastStatus  int
	LastError   string
	NextAttempt time.Time
}

// DeliveryStates are the states of a delivery (the CHECK of the deliveries table).
var DeliveryStates = [...]string{"queued", "delivered", "failed", "cancelled"}

// ModerationActions are the actions a moderation report records.
var ModerationActions = [...]string{"none", "notify", "sensitive", "silence", "suspend"}

// maxFailingHosts bounds the list of failing hosts a status shows.
const maxFailingHosts = 50

// Status reads the instance's status. now dates the alt-text window.
func (d *DB) Status(ctx context.Context, now time.Time) (Status, error) {
	st := Status{Deliveries: map[string]int{}, ReportsOpen: map[string]int{}, Inbound: map[string]int{}}
	for _, s := range DeliveryStates {
		st.Deliveries[s] = 0
	}
	for _, a := range ModerationActions {
		st.ReportsOpen[a] = 0
	}
	if err := d.countBy(ctx, `SELECT state, COUNT(*) FROM deliveries GROUP BY state`, st.Deliveries); err != nil {
		return st, err
	}
	if err := d.countBy(ctx, `SELECT action, COUNT(*) FROM moderation_reports WHERE state = 'open' GROUP BY action`, st.ReportsOpen); err != nil {
		return st, err
	}
	if err := d.countBy(ctx, `SELECT type, COUNT(*) FROM inbound GROUP BY type`, st.Inbound); err != nil {
		return st, err
	}
	var oldest *int64
	err := d.sql.QueryRowContext(ctx, `SELECT MIN(created_at) FROM deliveries WHERE state = 'queued'`).Scan(&oldest)
	if err != nil {
		return st, fmt.Errorf("storage: status: %w", err)
	}
	if oldest != nil {
		st.QueueOldest = fromMS(*oldest)
	}
	for _, c := range []struct {
		dst  *int
		q    string
		args []any
	}{
		{&st.Followers, `SELECT COUNT(*) FROM followers`, nil},
		{&st.PostsLive, `SELECT COUNT(*) FROM posts WHERE deleted_at IS NULL`, nil},
		{&st.PostsDeleted, `SELECT COUNT(*) FROM posts WHERE deleted_at IS NOT NULL`, nil},
		{&st.InboundPending, `SELECT COUNT(*) FROM inbound WHERE processed_at IS NULL`, nil},
		{&st.AltTextRequests, `SELECT COUNT(*) FROM alttext_requests WHERE at >= ?`, []any{ms(now.Add(-24 * time.Hour))}},
	} {
		if err := d.sql.QueryRowContext(ctx, c.q, c.args...).Scan(c.dst); err != nil {
			return st, fmt.Errorf("storage: status: %w", err)
		}
	}
	rows, err := d.sql.QueryContext(ctx, `
		SELECT host, COUNT(*), MAX(attempts), MIN(next_attempt),
		       (SELECT last_status FROM deliveries l WHERE l.host = d.host AND l.state = 'queued' AND l.attempts > 0 ORDER BY l.id DESC LIMIT 1),
		       (SELECT last_error FROM deliveries l WHERE l.host = d.host AND l.state = 'queued' AND l.attempts > 0 ORDER BY l.id DESC LIMIT 1)
		FROM deliveries d WHERE state = 'queued' AND attempts > 0
		GROUP BY host ORDER BY COUNT(*) DESC, host LIMIT ?`, maxFailingHosts)
	if err != nil {
		return st, fmt.Errorf("storage: status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h FailingHost
		var next int64
		if err := rows.Scan(&h.Host, &h.Queued, &h.Attempts, &next, &h.LastStatus, &h.LastError); err != nil {
			return st, fmt.Errorf("storage: status: %w", err)
		}
		h.NextAttempt = fromMS(next)
		st.FailingHosts = append(st.FailingHosts, h)
	}
	return st, rows.Err()
}

func (d *DB) countBy(ctx context.Context, q string, into map[string]int) error {
	rows, err := d.sql.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("storage: status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("storage: status: %w", err)
		}
		into[k] = n
	}
	return rows.Err()
}

// Ready reports whether the database can serve: its file is still the one
// opened (not removed or replaced under the server), a read answers, the write
// lock can be taken, and every migration this binary knows is applied.
func (d *DB) Ready(ctx context.Context) error {
	fi, err := os.Stat(d.path)
	if err != nil {
		return fmt.Errorf("database file: %w", err)
	}
	if d.file != nil && !os.SameFile(fi, d.file) {
		return fmt.Errorf("database file %s was replaced while the server runs", d.path)
	}
	var v int
	if err := d.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("database read: %w", err)
	}
	migs, err := loadMigrations()
	if err != nil {
		return err
	}
	if want := migs[len(migs)-1].version; v < want {
		return fmt.Errorf("database schema at version %d, this binary needs %d", v, want)
	}
	tx, err := d.wr.BeginTx(ctx, nil) // _txlock=immediate: takes the write lock
	if err != nil {
		return fmt.Errorf("database write lock: %w", err)
	}
	if err := tx.Rollback(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("database write lock: %w", err)
	}
	return nil
}
