package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// altTextRetention is how long alt text requests are kept: longer than both
// windows they count in (a UTC day, an hour).
const altTextRetention = 48 * time.Hour

// RecordAltTextRequest notes a request sent to the AI model on behalf of an
// artist, and forgets those past altTextRetention.
func (d *DB) RecordAltTextRequest(ctx context.Context, artistID string, at time.Time) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO alttext_requests (artist_id, at) VALUES (?, ?)`, artistID, ms(at)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM alttext_requests WHERE at < ?`, ms(at.Add(-altTextRetention)))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: record alt text request: %w", err)
	}
	return nil
}

// AltTextRequests returns the times of the requests sent since a time, by
// artist.
func (d *DB) AltTextRequests(ctx context.Context, since time.Time) (map[string][]time.Time, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT artist_id, at FROM alttext_requests WHERE at >= ? ORDER BY at`, ms(since))
	if err != nil {
		return nil, fmt.Errorf("storage: alt text requests: %w", err)
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var artist string
		var at int64
		if err := rows.Scan(&artist, &at); err != nil {
			return nil, fmt.Errorf("storage: scan alt text request: %w", err)
		}
		out[artist] = append(out[artist], fromMS(at))
	}
	return out, rows.Err()
}
