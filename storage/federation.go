package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/artbridge/artbridge/ap"
)

var _ ap.Store = (*DB)(nil)

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("storage: %s: %w", what, ap.ErrNotFound)
	}
	return fmt.Errorf("storage: %s: %w", what, err)
}

// AddFollower stores or refreshes a follower (a repeated Follow is idempotent).
func (d *DB) AddFollower(ctx context.Context, f ap.Follower) error {
	_, err := d.exec(ctx, `INSERT INTO followers (actor_iri, inbox, shared_inbox, follow_id, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (actor_iri) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
			follow_id = excluded.follow_id`,
		f.ActorIRI, f.Inbox, f.SharedInbox, f.FollowID, ms(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("storage: add follower %s: %w", f.ActorIRI, err)
	}
	return nil
}

// RemoveFollower removes a follower; it reports whether one was removed.
func (d *DB) RemoveFollower(ctx context.Context, actorIRI string) (bool, error) {
	res, err := d.exec(ctx, `DELETE FROM followers WHERE actor_iri = ?`, actorIRI)
	if err != nil {
		return false, fmt.Errorf("storage: remove follower %s: %w", actorIRI, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveFollowersByInbox removes every follower delivered through inbox (its
// personal or shared inbox answered 410 Gone).
func (d *DB) RemoveFollowersByInbox(ctx context.Context, inbox string) (int, error) {
	res, err := d.exec(ctx, `DELETE FROM followers WHERE inbox = ? OR shared_inbox = ?`, inbox, inbox)
	if err != nil {
		return 0, fmt.Errorf("storage: remove followers of inbox %s: %w", inbox, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Followers lists followers, oldest first.
func (d *DB) Followers(ctx context.Context, offset, limit int) ([]ap.Follower, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT actor_iri, inbox, shared_inbox, follow_id, created_at
		FROM followers ORDER BY created_at, actor_iri LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("storage: list followers: %w", err)
	}
	defer rows.Close()
	var out []ap.Follower
	for rows.Next() {
		var f ap.Follower
		var created int64
		if err := rows.Scan(&f.ActorIRI, &f.Inbox, &f.SharedInbox, &f.FollowID, &created); err != nil {
			return nil, fmt.Errorf("storage: scan follower: %w", err)
		}
		f.CreatedAt = fromMS(created)
		out = append(out, f)
	}
	return out, rows.Err()
}

// CountFollowers counts followers.
func (d *DB) CountFollowers(ctx context.Context) (int, error) {
	var n int
	if err := d.queryRow(ctx, `SELECT COUNT(*) FROM followers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count followers: %w", err)
	}
	return n, nil
}

// Hot statements, prepared once at Open.
const (
	qInsertInbound = `INSERT INTO inbound (id, actor, type, raw, received_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	qMarkInbound       = `UPDATE inbound SET processed_at = ?, error = ? WHERE id = ?`
	qInsertInteraction = `INSERT INTO interactions (note_iri, actor_iri, kind, activity_id, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (note_iri, actor_iri, kind) DO UPDATE SET activity_id = excluded.activity_id, undone_at = NULL`
)

// RecordInbound stores a verified inbound activity unless its id was seen before.
func (d *DB) RecordInbound(ctx context.Context, a ap.InboundActivity) (bool, error) {
	var n int64
	err := d.batched(ctx, func(tx *sql.Tx) error {
		res, err := d.txExec(ctx, tx, qInsertInbound, a.ID, a.Actor, a.Type, a.Raw, ms(a.ReceivedAt))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("storage: record inbound %s: %w", a.ID, err)
	}
	return n == 1, nil
}

// MarkInboundProcessed records that an inbound activity was handled.
func (d *DB) MarkInboundProcessed(ctx context.Context, id string, at time.Time, procErr string) error {
	err := d.batched(ctx, func(tx *sql.Tx) error {
		_, err := d.txExec(ctx, tx, qMarkInbound, ms(at), procErr, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: mark inbound %s: %w", id, err)
	}
	return nil
}

// UnprocessedInbound lists inbound activities not yet handled, oldest first.
func (d *DB) UnprocessedInbound(ctx context.Context, limit int) ([]ap.InboundActivity, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT id, actor, type, raw, received_at FROM inbound
		WHERE processed_at IS NULL ORDER BY received_at LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("storage: unprocessed inbound: %w", err)
	}
	defer rows.Close()
	var out []ap.InboundActivity
	for rows.Next() {
		var a ap.InboundActivity
		var at int64
		if err := rows.Scan(&a.ID, &a.Actor, &a.Type, &a.Raw, &at); err != nil {
			return nil, fmt.Errorf("storage: scan inbound: %w", err)
		}
		a.ReceivedAt = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// RemoteKey returns a cached remote key.
func (d *DB) RemoteKey(ctx context.Context, keyID string) (ap.RemoteKey, error) {
	k := ap.RemoteKey{KeyID: keyID}
	var at int64
	err := d.queryRow(ctx, `SELECT owner, pem, fetched_at FROM remote_keys WHERE key_id = ?`, keyID).
		Scan(&k.Owner, &k.PEM, &at)
	if err != nil {
		return ap.RemoteKey{}, notFound(err, "remote key "+keyID)
	}
	k.FetchedAt = fromMS(at)
	return k, nil
}

// PutRemoteKey caches a remote key.
func (d *DB) PutRemoteKey(ctx context.Context, k ap.RemoteKey) error {
	_, err := d.exec(ctx, `INSERT INTO remote_keys (key_id, owner, pem, fetched_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key_id) DO UPDATE SET owner = excluded.owner, pem = excluded.pem, fetched_at = excluded.fetched_at`,
		k.KeyID, k.Owner, k.PEM, ms(k.FetchedAt))
	if err != nil {
		return fmt.Errorf("storage: put remote key %s: %w", k.KeyID, err)
	}
	return nil
}

// PutRemoteActor records a remote actor's inboxes.
func (d *DB) PutRemoteActor(ctx context.Context, a ap.RemoteActor) error {
	_, err := d.exec(ctx, `INSERT INTO remote_actors (iri, inbox, shared_inbox, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (iri) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
			updated_at = excluded.updated_at`, a.IRI, a.Inbox, a.SharedInbox, ms(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("storage: put remote actor %s: %w", a.IRI, err)
	}
	return nil
}

// RemoteActor returns what we know of a remote actor.
func (d *DB) RemoteActor(ctx context.Context, iri string) (ap.RemoteActor, error) {
	a := ap.RemoteActor{IRI: iri}
	var at int64
	err := d.queryRow(ctx, `SELECT inbox, shared_inbox, updated_at FROM remote_actors WHERE iri = ?`, iri).
		Scan(&a.Inbox, &a.SharedInbox, &at)
	if err != nil {
		return ap.RemoteActor{}, notFound(err, "remote actor "+iri)
	}
	a.UpdatedAt = fromMS(at)
	return a, nil
}

// SaveActivity stores one of our activities and queues it for each inbox, in one
// transaction.
func (d *DB) SaveActivity(ctx context.Context, a ap.Activity, inboxes []string, now time.Time) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertActivity(ctx, tx, a); err != nil {
			return err
		}
		return queueDeliveries(ctx, tx, a.IRI, inboxes, now)
	})
}

func insertActivity(ctx context.Context, tx *sql.Tx, a ap.Activity) error {
	inOutbox := 0
	if a.InOutbox {
		inOutbox = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO activities (iri, type, object_iri, json, in_outbox, published)
		VALUES (?, ?, ?, ?, ?, ?)`, a.IRI, a.Type, a.ObjectIRI, a.JSON, inOutbox, ms(a.Published))
	if err != nil {
		return fmt.Errorf("storage: save activity %s: %w", a.IRI, err)
	}
	return nil
}

// queueDeliveries inserts one queued delivery per distinct inbox.
func queueDeliveries(ctx context.Context, tx *sql.Tx, activityIRI string, inboxes []string, now time.Time) error {
	if len(inboxes) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (activity_iri, inbox, host, state, next_attempt, created_at)
		VALUES (?, ?, ?, 'queued', ?, ?) ON CONFLICT (activity_iri, inbox) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("storage: prepare deliveries: %w", err)
	}
	defer stmt.Close()
	for _, inbox := range inboxes {
		u, err := url.Parse(inbox)
		if err != nil || u.Host == "" {
			return fmt.Errorf("storage: queue delivery: bad inbox %q", inbox)
		}
		if _, err := stmt.ExecContext(ctx, activityIRI, inbox, strings.ToLower(u.Host), ms(now), ms(now)); err != nil {
			return fmt.Errorf("storage: queue delivery to %s: %w", inbox, err)
		}
	}
	return nil
}

// Outbox lists our public activities, newest first.
func (d *DB) Outbox(ctx context.Context, offset, limit int) ([]ap.Activity, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT iri, type, object_iri, json, published FROM activities
		WHERE in_outbox = 1 ORDER BY published DESC, iri DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("storage: outbox: %w", err)
	}
	defer rows.Close()
	var out []ap.Activity
	for rows.Next() {
		var a ap.Activity
		var pub int64
		if err := rows.Scan(&a.IRI, &a.Type, &a.ObjectIRI, &a.JSON, &pub); err != nil {
			return nil, fmt.Errorf("storage: scan outbox: %w", err)
		}
		a.InOutbox = true
		a.Published = fromMS(pub)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountOutbox counts our public activities.
func (d *DB) CountOutbox(ctx context.Context) (int, error) {
	var n int
	if err := d.queryRow(ctx, `SELECT COUNT(*) FROM activities WHERE in_outbox = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count outbox: %w", err)
	}
	return n, nil
}

// Object returns one of our objects, deleted or not.
func (d *DB) Object(ctx context.Context, iri string) (ap.Object, error) {
	o := ap.Object{IRI: iri}
	var pub int64
	var del sql.NullInt64
	err := d.queryRow(ctx, `SELECT type, json, page, published, deleted_at FROM objects WHERE iri = ?`, iri).
		Scan(&o.Type, &o.JSON, &o.Page, &pub, &del)
	if err != nil {
		return ap.Object{}, notFound(err, "object "+iri)
	}
	o.Published = fromMS(pub)
	o.DeletedAt = nullMS(del)
	return o, nil
}

// RecordObjectFetch remembers that a remote actor fetched one of our objects.
func (d *DB) RecordObjectFetch(ctx context.Context, objectIRI, actorIRI string, at time.Time) error {
	_, err := d.exec(ctx, `INSERT INTO object_fetches (object_iri, actor_iri, fetched_at) VALUES (?, ?, ?)
		ON CONFLICT (object_iri, actor_iri) DO UPDATE SET fetched_at = excluded.fetched_at`, objectIRI, actorIRI, ms(at))
	if err != nil {
		return fmt.Errorf("storage: record fetch of %s: %w", objectIRI, err)
	}
	return nil
}

// ClaimDeliveries returns queued deliveries due at now, skipping those in exclude
// (already in flight in this process). The exclusions go in as one JSON array,
// so the statement is prepared once and rows in flight are skipped before
// their payload is read.
func (d *DB) ClaimDeliveries(ctx context.Context, now time.Time, limit int, exclude []int64) ([]ap.Delivery, error) {
	if exclude == nil {
		exclude = []int64{} // "[]", not "null": json_each of null is one NULL row
	}
	ids, err := json.Marshal(exclude)
	if err != nil {
		return nil, fmt.Errorf("storage: claim deliveries: %w", err)
	}
	st, err := stmt(ctx, &d.readStmts, d.sql, qClaimDeliveries)
	if err != nil {
		return nil, fmt.Errorf("storage: claim deliveries: %w", err)
	}
	rows, err := st.QueryContext(short(ctx), ms(now), string(ids), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []ap.Delivery
	for rows.Next() {
		var dl ap.Delivery
		var next, created int64
		if err := rows.Scan(&dl.ID, &dl.ActivityIRI, &dl.Inbox, &dl.Host, &dl.Attempts, &next,
			&dl.LastStatus, &dl.LastError, &created, &dl.Payload); err != nil {
			return nil, fmt.Errorf("storage: scan delivery: %w", err)
		}
		dl.State = ap.DeliveryQueued
		dl.NextAttempt = fromMS(next)
		dl.CreatedAt = fromMS(created)
		out = append(out, dl)
	}
	return out, rows.Err()
}

const qClaimDeliveries = `SELECT d.id, d.activity_iri, d.inbox, d.host, d.attempts, d.next_attempt,
		d.last_status, d.last_error, d.created_at, a.json
	FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
	WHERE d.state = 'queued' AND d.next_attempt <= ?
		AND d.id NOT IN (SELECT value FROM json_each(?))
	ORDER BY d.next_attempt, d.id LIMIT ?`

// FinishDelivery writes the outcome of an attempt. A delivery cancelled while it
// was in flight (a takedown) that nevertheless reached its inbox is recorded as
// delivered, and the object's Delete is queued for that inbox too, so a takedown
// racing a send never leaves a copy behind.
func (d *DB) FinishDelivery(ctx context.Context, o ap.DeliveryOutcome) error {
	return d.batched(ctx, func(tx *sql.Tx) error {
		var state string
		var reached int
		var inbox, activityIRI string
		err := d.txQueryRow(ctx, tx, qDeliveryToFinish, o.ID).
			Scan(&state, &reached, &inbox, &activityIRI)
		if err != nil {
			return notFound(err, "delivery")
		}
		if o.Reached {
			reached = 1
		}
		var deliveredAt any
		if o.State == ap.DeliveryDelivered {
			deliveredAt = ms(o.At)
		}
		newState := string(o.State)
		if state == string(ap.DeliveryCancelled) && o.State != ap.DeliveryDelivered {
			newState = state // stays cancelled: never retried after a takedown
		}
		if state != string(ap.DeliveryQueued) && state != string(ap.DeliveryCancelled) {
			return nil // already final
		}
		if o.NotAttempted {
			_, err = d.txExec(ctx, tx, qPostponeDelivery, ms(o.NextAttempt), o.ID)
			if err != nil {
				return fmt.Errorf("storage: postpone delivery %d: %w", o.ID, err)
			}
			return nil
		}
		_, err = d.txExec(ctx, tx, qFinishDelivery, newState, ms(o.NextAttempt), o.Status, o.Error, deliveredAt, reached, o.ID)
		if err != nil {
			return fmt.Errorf("storage: finish delivery %d: %w", o.ID, err)
		}
		if state == string(ap.DeliveryCancelled) && reached == 1 {
			return queueLateDelete(ctx, tx, activityIRI, inbox, o.At)
		}
		return nil
	})
}

// Statements of FinishDelivery, prepared at Open (prepareHot).
const (
	qDeliveryToFinish = `SELECT state, reached, inbox, activity_iri FROM deliveries WHERE id = ?`
	qPostponeDelivery = `UPDATE deliveries SET next_attempt = ? WHERE id = ? AND state = 'queued'`
	qFinishDelivery   = `UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt = ?,
		last_status = ?, last_error = ?, delivered_at = ?, reached = ? WHERE id = ?`
)

// queueLateDelete queues the Delete of the object behind activityIRI to inbox,
// when that object has been deleted.
func queueLateDelete(ctx context.Context, tx *sql.Tx, activityIRI, inbox string, now time.Time) error {
	var deleteIRI string
	err := tx.QueryRowContext(ctx, `SELECT del.iri FROM activities created
		JOIN activities del ON del.object_iri = created.object_iri AND del.type = 'Delete'
		WHERE created.iri = ? AND created.object_iri != '' LIMIT 1`, activityIRI).Scan(&deleteIRI)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: find delete for %s: %w", activityIRI, err)
	}
	return queueDeliveries(ctx, tx, deleteIRI, []string{inbox}, now)
}

// NextDeliveryDue returns when the earliest queued delivery is due.
func (d *DB) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := d.queryRow(ctx, `SELECT MIN(next_attempt) FROM deliveries WHERE state = 'queued'`).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: next delivery: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(next.Int64), true, nil
}

// IsDomainBlocked reports whether host or one of its parent domains is blocked.
// It reads the in-memory copy of the blocks (tablecache.go).
func (d *DB) IsDomainBlocked(ctx context.Context, host string) (bool, error) {
	host = ap.NormalizeHost(host)
	if host == "" {
		return true, nil // what does not normalise is no host we talk to
	}
	blocked, err := d.blocks.get(ctx, d)
	if err != nil {
		return false, err
	}
	if len(blocked) == 0 {
		return false, nil
	}
	for h := host; h != ""; {
		if blocked[h] {
			return true, nil
		}
		_, rest, ok := strings.Cut(h, ".")
		if !ok {
			break
		}
		h = rest
	}
	return false, nil
}

// loadDomainBlocks reads every blocked domain.
func (d *DB) loadDomainBlocks(ctx context.Context) (map[string]bool, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT domain FROM domain_blocks`)
	if err != nil {
		return nil, fmt.Errorf("storage: domain blocks: %w", err)
	}
	defer rows.Close()
	blocked := map[string]bool{}
	for rows.Next() {
		var domain string
		if err := rows.Scan(&domain); err != nil {
			return nil, fmt.Errorf("storage: scan domain block: %w", err)
		}
		blocked[domain] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: domain blocks: %w", err)
	}
	return blocked, nil
}

// Follower returns one follower.
func (d *DB) Follower(ctx context.Context, actorIRI string) (ap.Follower, error) {
	f := ap.Follower{ActorIRI: actorIRI}
	var created int64
	err := d.queryRow(ctx, `SELECT inbox, shared_inbox, follow_id, created_at FROM followers WHERE actor_iri = ?`,
		actorIRI).Scan(&f.Inbox, &f.SharedInbox, &f.FollowID, &created)
	if err != nil {
		return ap.Follower{}, notFound(err, "follower "+actorIRI)
	}
	f.CreatedAt = fromMS(created)
	return f, nil
}

// DeliveryState returns a delivery's current state.
func (d *DB) DeliveryState(ctx context.Context, id int64) (ap.DeliveryState, error) {
	var st string
	if err := d.queryRow(ctx, `SELECT state FROM deliveries WHERE id = ?`, id).Scan(&st); err != nil {
		return "", notFound(err, "delivery")
	}
	return ap.DeliveryState(st), nil
}
