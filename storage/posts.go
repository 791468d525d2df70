package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
)

var _ bridge.Store = (*DB)(nil)

func insertObject(ctx context.Context, tx *sql.Tx, o ap.Object) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO objects (iri, type, json, page, published) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (iri) DO UPDATE SET json = excluded.json, page = excluded.page`,
		o.IRI, o.Type, o.JSON, o.Page, ms(o.Published))
	if err != nil {
		return fmt.Errorf("storage: save object %s: %w", o.IRI, err)
	}
	return nil
}

// SavePost writes a post, its Note, its Create and its deliveries in one transaction.
func (d *DB) SavePost(ctx context.Context, p bridge.Post, note ap.Object, create ap.Activity, inboxes []string, now time.Time) error {
	sub, err := json.Marshal(p.Submission)
	if err != nil {
		return fmt.Errorf("storage: encode submission: %w", err)
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertObject(ctx, tx, note); err != nil {
			return err
		}
		if err := insertActivity(ctx, tx, create); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO posts (id, note_iri, artist_id, artist_name, submission, create_iri, published)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ID, p.NoteIRI, p.ArtistID, p.ArtistName, sub, p.CreateIRI, ms(p.Published))
		if err != nil {
			return fmt.Errorf("storage: save post %s: %w", p.ID, err)
		}
		return queueDeliveries(ctx, tx, create.IRI, inboxes, now)
	})
}

// UpdatePost writes an edited post, its Note and its queued Update in one transaction.
func (d *DB) UpdatePost(ctx context.Context, p bridge.Post, note ap.Object, update ap.Activity, inboxes []string, now time.Time) error {
	sub, err := json.Marshal(p.Submission)
	if err != nil {
		return fmt.Errorf("storage: encode submission: %w", err)
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET submission = ?, updated = ? WHERE id = ? AND deleted_at IS NULL`,
			sub, ms(p.Updated), p.ID)
		if err != nil {
			return fmt.Errorf("storage: update post %s: %w", p.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: update post %s: %w", p.ID, ap.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET json = ? WHERE iri = ?`, note.JSON, note.IRI); err != nil {
			return fmt.Errorf("storage: update note %s: %w", note.IRI, err)
		}
		if err := insertActivity(ctx, tx, update); err != nil {
			return err
		}
		return queueDeliveries(ctx, tx, update.IRI, inboxes, now)
	})
}

// TakedownPost marks a post deleted and queues its Delete in one transaction.
//
// The Delete goes to every inbox that has or may have the Note:
//   - inboxes of its Create and Updates that were delivered, or reached with an
//     unknown outcome (a timeout or 5xx after the request arrived);
//   - current followers, except those whose Create was cancelled here before any
//     attempt reached them (they never had it);
//   - actors that fetched the Note with a signed GET, and actors that replied to,
//     liked or boosted it (their inboxes as we know them);
//   - extraInboxes.
//
// Creates and Updates still queued are cancelled in the same transaction, so no
// host receives the Note after its takedown (a send already in flight is
// followed by the Delete; see FinishDelivery).
func (d *DB) TakedownPost(ctx context.Context, postID string, del ap.Activity, extraInboxes []string, now time.Time) (int, error) {
	var queued int
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var noteIRI string
		var deleted sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT note_iri, deleted_at FROM posts WHERE id = ?`, postID).Scan(&noteIRI, &deleted)
		if err != nil {
			return notFound(err, "post "+postID)
		}
		if deleted.Valid {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = ?, delete_iri = ? WHERE id = ?`, ms(now), del.IRI, postID); err != nil {
			return fmt.Errorf("storage: mark post deleted: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE objects SET deleted_at = ? WHERE iri = ?`, ms(now), noteIRI); err != nil {
			return fmt.Errorf("storage: mark note deleted: %w", err)
		}
		// Take the Note's activities out of the outbox.
		if _, err := tx.ExecContext(ctx, `UPDATE activities SET in_outbox = 0 WHERE object_iri = ?`, noteIRI); err != nil {
			return fmt.Errorf("storage: hide activities: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'cancelled', last_error = 'cancelled by takedown'
			WHERE state = 'queued' AND activity_iri IN (SELECT iri FROM activities WHERE object_iri = ? AND type IN ('Create', 'Update'))`,
			noteIRI); err != nil {
			return fmt.Errorf("storage: cancel deliveries: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT d.inbox FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
				WHERE a.object_iri = ?1 AND a.type IN ('Create', 'Update') AND (d.state = 'delivered' OR d.reached = 1)
			UNION
			SELECT CASE WHEN f.shared_inbox != '' THEN f.shared_inbox ELSE f.inbox END FROM followers f
				WHERE NOT EXISTS (
					SELECT 1 FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
					WHERE a.object_iri = ?1 AND a.type = 'Create' AND d.state = 'cancelled' AND d.reached = 0
						AND d.inbox IN (f.inbox, f.shared_inbox))
			UNION
			SELECT CASE WHEN r.shared_inbox != '' THEN r.shared_inbox ELSE r.inbox END
				FROM object_fetches o JOIN remote_actors r ON r.iri = o.actor_iri WHERE o.object_iri = ?1
			UNION
			SELECT CASE WHEN r.shared_inbox != '' THEN r.shared_inbox ELSE r.inbox END
				FROM interactions i JOIN remote_actors r ON r.iri = i.actor_iri WHERE i.note_iri = ?1`, noteIRI)
		if err != nil {
			return fmt.Errorf("storage: takedown reach: %w", err)
		}
		var inboxes []string
		for rows.Next() {
			var in string
			if err := rows.Scan(&in); err != nil {
				rows.Close()
				return fmt.Errorf("storage: scan reach: %w", err)
			}
			inboxes = append(inboxes, in)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		inboxes = append(inboxes, extraInboxes...)
		if err := insertActivity(ctx, tx, del); err != nil {
			return err
		}
		if err := queueDeliveries(ctx, tx, del.IRI, inboxes, now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE activity_iri = ?`, del.IRI).Scan(&queued)
	})
	return queued, err
}

const postColumns = `id, note_iri, artist_id, artist_name, submission, create_iri, published, updated, deleted_at, delete_iri`

func scanPost(sc interface{ Scan(...any) error }) (bridge.Post, error) {
	var p bridge.Post
	var sub []byte
	var pub int64
	var upd, del sql.NullInt64
	if err := sc.Scan(&p.ID, &p.NoteIRI, &p.ArtistID, &p.ArtistName, &sub, &p.CreateIRI, &pub, &upd, &del, &p.DeleteIRI); err != nil {
		return p, err
	}
	if err := json.Unmarshal(sub, &p.Submission); err != nil {
		return p, fmt.Errorf("storage: decode submission of %s: %w", p.ID, err)
	}
	p.Published, p.Updated, p.DeletedAt = fromMS(pub), nullMS(upd), nullMS(del)
	return p, nil
}

// Post returns a post by id.
func (d *DB) Post(ctx context.Context, id string) (bridge.Post, error) {
	p, err := scanPost(d.queryRow(ctx, `SELECT `+postColumns+` FROM posts WHERE id = ?`, id))
	if err != nil {
		return p, notFound(err, "post "+id)
	}
	return p, nil
}

// Posts lists posts, newest first.
func (d *DB) Posts(ctx context.Context, offset, limit int) ([]bridge.Post, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT `+postColumns+` FROM posts ORDER BY published DESC, id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("storage: list posts: %w", err)
	}
	defer rows.Close()
	var out []bridge.Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ActivityDeliveries lists one activity's deliveries.
func (d *DB) ActivityDeliveries(ctx context.Context, activityIRI string) ([]ap.Delivery, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT id, inbox, host, state, attempts, next_attempt, last_status, last_error,
		delivered_at, created_at FROM deliveries WHERE activity_iri = ? ORDER BY id`, activityIRI)
	if err != nil {
		return nil, fmt.Errorf("storage: deliveries of %s: %w", activityIRI, err)
	}
	defer rows.Close()
	var out []ap.Delivery
	for rows.Next() {
		dl := ap.Delivery{ActivityIRI: activityIRI}
		var state string
		var next, created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&dl.ID, &dl.Inbox, &dl.Host, &state, &dl.Attempts, &next, &dl.LastStatus, &dl.LastError,
			&delivered, &created); err != nil {
			return nil, fmt.Errorf("storage: scan delivery: %w", err)
		}
		dl.State = ap.DeliveryState(state)
		dl.NextAttempt, dl.CreatedAt, dl.DeliveredAt = fromMS(next), fromMS(created), nullMS(delivered)
		out = append(out, dl)
	}
	return out, rows.Err()
}

// PostDeliveries lists the deliveries of every activity about a Note.
func (d *DB) PostDeliveries(ctx context.Context, noteIRI string) ([]bridge.HostStatus, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT a.type, d.inbox, d.state, d.attempts, d.last_status, d.last_error,
			d.next_attempt, d.delivered_at
		FROM deliveries d JOIN activities a ON a.iri = d.activity_iri
		WHERE a.object_iri = ? ORDER BY a.published, d.inbox`, noteIRI)
	if err != nil {
		return nil, fmt.Errorf("storage: post deliveries: %w", err)
	}
	defer rows.Close()
	var out []bridge.HostStatus
	for rows.Next() {
		var h bridge.HostStatus
		var next int64
		var delivered sql.NullInt64
		if err := rows.Scan(&h.Activity, &h.Inbox, &h.State, &h.Attempts, &h.LastStatus, &h.LastError, &next, &delivered); err != nil {
			return nil, fmt.Errorf("storage: scan post delivery: %w", err)
		}
		h.NextAttempt, h.DeliveredAt = fromMS(next), nullMS(delivered)
		out = append(out, h)
	}
	return out, rows.Err()
}

// RecordInteraction remembers a reply, like or boost of one of our Notes.
func (d *DB) RecordInteraction(ctx context.Context, in bridge.Interaction) error {
	err := d.batched(ctx, func(tx *sql.Tx) error {
		_, err := d.txExec(ctx, tx, qInsertInteraction, in.NoteIRI, in.ActorIRI, in.Kind, in.ActivityID, ms(in.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: record interaction: %w", err)
	}
	return nil
}

// ImageInUse reports whether a live post other than exceptPost shows the
// media file (posts keep their images in the submission JSON).
func (d *DB) ImageInUse(ctx context.Context, file, exceptPost string) (bool, error) {
	var used bool
	err := d.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1
		FROM posts p, json_each(CAST(p.submission AS TEXT), '$.images') i
		WHERE p.deleted_at IS NULL AND p.id != ? AND json_extract(i.value, '$.file') = ?)`, exceptPost, file).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("storage: image in use: %w", err)
	}
	return used, nil
}

// UndoInteraction marks undone the interaction of actor that activityID
// created, or, when the Undo named it by content, actor's interaction of kind
// with noteIRI. It returns the Notes whose interactions changed.
func (d *DB) UndoInteraction(ctx context.Context, actor, activityID, noteIRI, kind string, at time.Time) ([]string, error) {
	rows, err := d.wr.QueryContext(ctx, `UPDATE interactions SET undone_at = ?
		WHERE actor_iri = ? AND undone_at IS NULL AND kind != 'reply'
			AND (activity_id = ? OR (note_iri = ? AND kind = ?))
		RETURNING note_iri`, ms(at), actor, activityID, noteIRI, kind)
	if err != nil {
		return nil, fmt.Errorf("storage: undo interaction: %w", err)
	}
	defer rows.Close()
	var notes []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("storage: undo interaction: %w", err)
		}
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: undo interaction: %w", err)
	}
	return notes, nil
}

// InteractionCounts counts the standing likes (emoji reactions included) and
// boosts of a Note.
func (d *DB) InteractionCounts(ctx context.Context, noteIRI string) (likes, boosts int, err error) {
	err = d.queryRow(ctx, `SELECT COALESCE(SUM(kind = 'like'), 0), COALESCE(SUM(kind = 'announce'), 0)
		FROM interactions WHERE note_iri = ? AND undone_at IS NULL`, noteIRI).Scan(&likes, &boosts)
	if err != nil {
		return 0, 0, fmt.Errorf("storage: interaction counts: %w", err)
	}
	return likes, boosts, nil
}

// UnresolvedReach lists actors that fetched or interacted with a Note and whose
// inboxes are unknown.
func (d *DB) UnresolvedReach(ctx context.Context, noteIRI string) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `
		SELECT actor_iri FROM object_fetches WHERE object_iri = ?1
		UNION SELECT actor_iri FROM interactions WHERE note_iri = ?1
		EXCEPT SELECT iri FROM remote_actors`, noteIRI)
	if err != nil {
		return nil, fmt.Errorf("storage: unresolved reach: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
