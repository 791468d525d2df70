package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/artbridge/artbridge/discord/relay"
)

var _ relay.Store = (*DB)(nil)

const relayColumns = `alias, token_sealed, intents, criteria, dst, secret_sealed, secret_salt, secret_hash,
	disabled_reason, last_ack, seq_reserved, created_at, updated_at, protocol`

func scanRelay(row interface{ Scan(...any) error }) (relay.Registration, error) {
	var r relay.Registration
	var lastAck, reserved, created, updated int64
	err := row.Scan(&r.Alias, &r.SealedToken, &r.Intents, &r.Criteria, &r.Dst, &r.SealedSecret, &r.SecretSalt,
		&r.SecretHash, &r.DisabledReason, &lastAck, &reserved, &created, &updated, &r.Protocol)
	if err != nil {
		return r, err
	}
	r.LastAck, r.SeqReserved = uint64(lastAck), uint64(reserved)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, nil
}

// RelayRegistrations lists every relay registration, ordered by alias.
func (d *DB) RelayRegistrations(ctx context.Context) ([]relay.Registration, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT `+relayColumns+` FROM relays ORDER BY alias`)
	if err != nil {
		return nil, fmt.Errorf("storage: list relays: %w", err)
	}
	defer rows.Close()
	var out []relay.Registration
	for rows.Next() {
		r, err := scanRelay(rows)
		if err != nil {
			return nil, fmt.Errorf("storage: scan relay: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: list relays: %w", err)
	}
	return out, nil
}

// RelayRegistration returns one relay registration (relay.ErrNotFound if none).
func (d *DB) RelayRegistration(ctx context.Context, alias string) (relay.Registration, error) {
	r, err := scanRelay(d.sql.QueryRowContext(ctx, `SELECT `+relayColumns+` FROM relays WHERE alias = ?`, alias))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("storage: relay %s: %w", alias, relay.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("storage: relay %s: %w", alias, err)
	}
	return r, nil
}

// CreateRelay inserts a registration unless the alias is taken (relay.ErrExists)
// or maxRelays registrations exist (relay.ErrTooMany), in one transaction.
func (d *DB) CreateRelay(ctx context.Context, r relay.Registration, maxRelays int) error {
	now := ms(time.Now())
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var exists, count int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(alias = ?), 0) FROM relays`, r.Alias).
			Scan(&count, &exists); err != nil {
			return err
		}
		if exists > 0 {
			return relay.ErrExists
		}
		if maxRelays > 0 && count >= maxRelays {
			return relay.ErrTooMany
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO relays (`+relayColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Alias, r.SealedToken, r.Intents, r.Criteria, r.Dst, r.SealedSecret, r.SecretSalt, r.SecretHash,
			r.DisabledReason, int64(r.LastAck), int64(r.SeqReserved), now, now, r.Protocol)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: create relay %s: %w", r.Alias, err)
	}
	return nil
}

// UpdateRelay replaces the registered fields of a relay, keeping its progress.
func (d *DB) UpdateRelay(ctx context.Context, r relay.Registration) error {
	res, err := d.sql.ExecContext(ctx, `UPDATE relays SET token_sealed = ?, intents = ?, criteria = ?, dst = ?,
		secret_sealed = ?, secret_salt = ?, secret_hash = ?, disabled_reason = ?, protocol = ?, updated_at = ?
		WHERE alias = ?`,
		r.SealedToken, r.Intents, r.Criteria, r.Dst, r.SealedSecret, r.SecretSalt, r.SecretHash, r.DisabledReason,
		r.Protocol, ms(time.Now()), r.Alias)
	return relayAffected(res, err, "update", r.Alias)
}

// DeleteRelay removes a relay registration.
func (d *DB) DeleteRelay(ctx context.Context, alias string) error {
	res, err := d.sql.ExecContext(ctx, `DELETE FROM relays WHERE alias = ?`, alias)
	return relayAffected(res, err, "delete", alias)
}

// SetRelayDisabled records why a relay is disabled ("" enables it).
func (d *DB) SetRelayDisabled(ctx context.Context, alias, reason string) error {
	res, err := d.sql.ExecContext(ctx, `UPDATE relays SET disabled_reason = ?, updated_at = ? WHERE alias = ?`,
		reason, ms(time.Now()), alias)
	return relayAffected(res, err, "disable", alias)
}

// SaveRelayProgress records a relay's last acknowledged and highest reserved
// sequence numbers.
func (d *DB) SaveRelayProgress(ctx context.Context, alias string, lastAck, seqReserved uint64) error {
	res, err := d.sql.ExecContext(ctx, `UPDATE relays SET last_ack = ?, seq_reserved = ? WHERE alias = ?`,
		int64(lastAck), int64(seqReserved), alias)
	return relayAffected(res, err, "save progress of", alias)
}

func relayAffected(res sql.Result, err error, what, alias string) error {
	if err != nil {
		return fmt.Errorf("storage: %s relay %s: %w", what, alias, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("storage: %s relay %s: %w", what, alias, relay.ErrNotFound)
	}
	return nil
}
