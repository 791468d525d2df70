package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
)

var _ bridge.ForwardStore = (*DB)(nil)

// RepliesToForward lists replies to our Notes whose decision lets them
// through (passed, or released) and that are still to send, due at now,
// oldest first, each with the activity as received.
func (d *DB) RepliesToForward(ctx context.Context, now time.Time, limit int) ([]bridge.ReplyToForward, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT m.activity_id, m.post_id, m.actor, m.action, m.in_reply_to,
			m.forward_attempts, MAX(m.decided_at, COALESCE(m.released_at, 0)), i.raw
		FROM inbound_moderation m JOIN inbound i ON i.id = m.activity_id
		WHERE m.in_reply_to != '' AND m.forward_state = '' AND m.forward_next <= ?
			AND m.state IN ('passed', 'released')
		ORDER BY m.forward_next, m.decided_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: replies to forward: %w", err)
	}
	defer rows.Close()
	var out []bridge.ReplyToForward
	for rows.Next() {
		var r bridge.ReplyToForward
		var action string
		var since int64
		if err := rows.Scan(&r.ActivityID, &r.ReplyID, &r.Actor, &action, &r.InReplyTo, &r.Attempts, &since, &r.Raw); err != nil {
			return nil, fmt.Errorf("storage: scan reply to forward: %w", err)
		}
		if r.Action, err = moderation.ParseAction(action); err != nil {
			return nil, fmt.Errorf("storage: reply to forward %s: %w", r.ActivityID, err)
		}
		r.Since = fromMS(since)
		out = append(out, r)
	}
	return out, rows.Err()
}

// FinishForward records one attempt to forward a reply still to send; it
// reports false when the reply was withdrawn meanwhile and nothing was
// written.
func (d *DB) FinishForward(ctx context.Context, o bridge.ForwardOutcome) (bool, error) {
	res, err := d.exec(ctx, `UPDATE inbound_moderation SET forward_state = ?, forward_attempts = forward_attempts + 1,
			forward_next = ?, forward_channel = ?, forward_message = ?, forward_error = ?
		WHERE activity_id = ? AND forward_state = ''`,
		string(o.State), ms(o.Next), o.Channel, o.Message, o.Error, o.ActivityID)
	if err != nil {
		return false, fmt.Errorf("storage: finish forward %s: %w", o.ActivityID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("storage: finish forward %s: %w", o.ActivityID, err)
	}
	return n == 1, nil
}

// WithdrawForwards marks every forward of the reply replyID by actor
// withdrawn and returns the Discord messages already sent for it (only a
// sent forward has a message).
func (d *DB) WithdrawForwards(ctx context.Context, actor, replyID string) ([]bridge.SentForward, error) {
	rows, err := d.wr.QueryContext(ctx, `UPDATE inbound_moderation SET forward_state = 'withdrawn'
		WHERE post_id = ? AND actor = ? AND in_reply_to != '' AND forward_state IN ('', 'sent')
		RETURNING forward_channel, forward_message`, replyID, actor)
	if err != nil {
		return nil, fmt.Errorf("storage: withdraw forwards of %s: %w", replyID, err)
	}
	defer rows.Close()
	var sent []bridge.SentForward
	for rows.Next() {
		var m bridge.SentForward
		if err := rows.Scan(&m.Channel, &m.Message); err != nil {
			return nil, fmt.Errorf("storage: withdraw forwards of %s: %w", replyID, err)
		}
		if m.Message != "" {
			sent = append(sent, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: withdraw forwards of %s: %w", replyID, err)
	}
	return sent, nil
}
