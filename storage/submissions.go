package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/artbridge/artbridge/bridge"
)

var _ bridge.SubmissionStore = (*DB)(nil)

const submissionColumns = `id, thread_id, guild_id, artist_id, artist_name, state, draft, panel_message_id,
	ack_message_id, post_id, created_at, updated_at, expires_at`

func scanSubmission(sc interface{ Scan(...any) error }) (bridge.SubmissionRecord, error) {
	var r bridge.SubmissionRecord
	var state string
	var draft []byte
	var created, updated, expires int64
	if err := sc.Scan(&r.ID, &r.ThreadID, &r.GuildID, &r.ArtistID, &r.ArtistName, &state, &draft, &r.PanelMessageID,
		&r.AckMessageID, &r.PostID, &created, &updated, &expires); err != nil {
		return r, err
	}
	if err := json.Unmarshal(draft, &r.Draft); err != nil {
		return r, fmt.Errorf("storage: decode submission %s: %w", r.ID, err)
	}
	r.State = bridge.SubmissionState(state)
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = fromMS(created), fromMS(updated), fromMS(expires)
	return r, nil
}

// CreateSubmission stores a new pending submission, unless its thread already
// has one, in any state: a thread opens one submission for good, so a replayed
// or delayed THREAD_CREATE after a publication (or a cancellation) opens
// nothing. The check and the insert are one statement, so two racing creates
// cannot both succeed.
func (d *DB) CreateSubmission(ctx context.Context, r bridge.SubmissionRecord) error {
	draft, err := json.Marshal(r.Draft)
	if err != nil {
		return fmt.Errorf("storage: encode submission: %w", err)
	}
	res, err := d.exec(ctx, `INSERT INTO submissions (`+submissionColumns+`)
		SELECT ?,?,?,?,?,?,?,?,?,?,?,?,? WHERE NOT EXISTS (SELECT 1 FROM submissions WHERE thread_id = ?)`,
		r.ID, r.ThreadID, r.GuildID, r.ArtistID, r.ArtistName, string(r.State), draft, r.PanelMessageID,
		r.AckMessageID, r.PostID, ms(r.CreatedAt), ms(r.UpdatedAt), ms(r.ExpiresAt), r.ThreadID)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed: submissions.thread_id") {
			return fmt.Errorf("storage: submission for thread %s: %w", r.ThreadID, bridge.ErrLiveSubmission)
		}
		return fmt.Errorf("storage: create submission: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("storage: submission for thread %s: %w", r.ThreadID, bridge.ErrLiveSubmission)
	}
	return nil
}

// UpdateSubmission rewrites a submission.
func (d *DB) UpdateSubmission(ctx context.Context, r bridge.SubmissionRecord) error {
	draft, err := json.Marshal(r.Draft)
	if err != nil {
		return fmt.Errorf("storage: encode submission: %w", err)
	}
	res, err := d.exec(ctx, `UPDATE submissions SET state = ?, draft = ?, panel_message_id = ?, ack_message_id = ?,
		post_id = ?, updated_at = ?, expires_at = ? WHERE id = ?`,
		string(r.State), draft, r.PanelMessageID, r.AckMessageID, r.PostID, ms(r.UpdatedAt), ms(r.ExpiresAt), r.ID)
	if err != nil {
		return fmt.Errorf("storage: update submission %s: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("storage: update submission %s: %w", r.ID, bridge.ErrNotFound)
	}
	return nil
}

func (d *DB) oneSubmission(ctx context.Context, what, where string, args ...any) (bridge.SubmissionRecord, error) {
	r, err := scanSubmission(d.queryRow(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("storage: %s: %w", what, bridge.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("storage: %s: %w", what, err)
	}
	return r, nil
}

// Submission returns one submission.
func (d *DB) Submission(ctx context.Context, id string) (bridge.SubmissionRecord, error) {
	return d.oneSubmission(ctx, "submission "+id, `id = ?`, id)
}

// LatestSubmissionByThread returns a thread's newest submission.
func (d *DB) LatestSubmissionByThread(ctx context.Context, threadID string) (bridge.SubmissionRecord, error) {
	return d.oneSubmission(ctx, "submission of thread "+threadID, `thread_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`, threadID)
}

// SubmissionByPost returns the submission that published a post.
func (d *DB) SubmissionByPost(ctx context.Context, postID string) (bridge.SubmissionRecord, error) {
	return d.oneSubmission(ctx, "submission of post "+postID, `post_id = ? LIMIT 1`, postID)
}

// DueExpiries lists pending submissions past their expiry.
func (d *DB) DueExpiries(ctx context.Context, now time.Time, limit int) ([]bridge.SubmissionRecord, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions
		WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: due expiries: %w", err)
	}
	defer rows.Close()
	var out []bridge.SubmissionRecord
	for rows.Next() {
		r, err := scanSubmission(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ArtistAIConsent returns an artist's default for AI descriptions (off unless set).
func (d *DB) ArtistAIConsent(ctx context.Context, artistID string) (bool, error) {
	var v int
	err := d.queryRow(ctx, `SELECT ai_consent FROM artist_prefs WHERE artist_id = ?`, artistID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("storage: artist prefs: %w", err)
	}
	return v == 1, nil
}

// SetArtistAIConsent remembers an artist's choice for their next submissions.
func (d *DB) SetArtistAIConsent(ctx context.Context, artistID string, consent bool, now time.Time) error {
	v := 0
	if consent {
		v = 1
	}
	_, err := d.exec(ctx, `INSERT INTO artist_prefs (artist_id, ai_consent, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (artist_id) DO UPDATE SET ai_consent = excluded.ai_consent, updated_at = excluded.updated_at`,
		artistID, v, ms(now))
	if err != nil {
		return fmt.Errorf("storage: artist prefs: %w", err)
	}
	return nil
}
