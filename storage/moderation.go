package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
)

var _ bridge.ModerationStore = (*DB)(nil)

// Hot statements of inbound moderation, prepared once at Open.
const (
	qReplaceHits = `DELETE FROM moderation_hits WHERE actor = ? AND ruleset = ? AND post_id = ?`
	qPruneHits   = `DELETE FROM moderation_hits WHERE actor = ? AND ruleset = ? AND at < ?`
	qRecordHit   = `INSERT INTO moderation_hits (actor, ruleset, post_id, term, count, at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (actor, ruleset, post_id, term) DO UPDATE SET count = count + excluded.count, at = excluded.at`
	qTallyHits = `SELECT COUNT(DISTINCT post_id), COALESCE(SUM(count), 0), COUNT(DISTINCT term)
		FROM moderation_hits WHERE actor = ? AND ruleset = ? AND at >= ?`
	qInsertReport = `INSERT INTO moderation_reports
		(created_at, actor, post_id, activity_id, ruleset, action, hits, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qRestrictActor = `INSERT INTO moderated_actors (actor, action, report_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (actor) DO UPDATE SET action = excluded.action, report_id = excluded.report_id,
			created_at = excluded.created_at
		WHERE moderated_actors.action = 'silence' OR excluded.action = 'suspend'`
	qRemoveSuspendedFollower = `DELETE FROM followers WHERE actor_iri = ?`
	qRecordDecision          = `INSERT INTO inbound_moderation
		(activity_id, post_id, actor, action, ruleset, report_id, state, decided_at, in_reply_to)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (activity_id) DO UPDATE SET post_id = excluded.post_id, actor = excluded.actor,
			action = excluded.action, ruleset = excluded.ruleset, report_id = excluded.report_id,
			state = excluded.state, decided_at = excluded.decided_at, released_at = NULL,
			in_reply_to = excluded.in_reply_to`
	qActorRestriction = `SELECT action, report_id, created_at FROM moderated_actors WHERE actor = ?`
)

// history is the database's moderation.History for one call of the engine.
type history struct {
	d         *DB
	ctx       context.Context
	retention time.Duration
}

var _ moderation.History = history{}

// ModerationHistory returns a moderation.History on the moderation_hits table,
// bound to ctx. Record replaces the rows of (actor, ruleset, post) and, in the
// same transaction, forgets the actor's rows of that ruleset older than
// retention before the recorded time (0 keeps everything).
func (d *DB) ModerationHistory(ctx context.Context, retention time.Duration) moderation.History {
	return history{d: d, ctx: ctx, retention: retention}
}

// Record implements moderation.History.
func (h history) Record(actor, ruleset, postID string, at time.Time, terms []moderation.TermCount) error {
	if postID == "" {
		// Never replaced: give it a key of its own.
		var b [12]byte
		_, _ = rand.Read(b[:])
		postID = "urn:artbridge:anonymous:" + hex.EncodeToString(b[:])
	}
	// Group-committed: Record returns once the transaction holding it has
	// committed, so a Tally that follows sees it.
	return h.d.batched(h.ctx, func(tx *sql.Tx) error {
		if _, err := h.d.txExec(h.ctx, tx, qReplaceHits, actor, ruleset, postID); err != nil {
			return fmt.Errorf("storage: replace moderation hits: %w", err)
		}
		if h.retention > 0 {
			if _, err := h.d.txExec(h.ctx, tx, qPruneHits, actor, ruleset, ms(at.Add(-h.retention))); err != nil {
				return fmt.Errorf("storage: prune moderation hits: %w", err)
			}
		}
		for _, t := range terms {
			if t.Count <= 0 {
				continue
			}
			if _, err := h.d.txExec(h.ctx, tx, qRecordHit, actor, ruleset, postID, t.Term, t.Count, ms(at)); err != nil {
				return fmt.Errorf("storage: record moderation hit: %w", err)
			}
		}
		return nil
	})
}

// Tally implements moderation.History.
func (h history) Tally(actor, ruleset string, since time.Time) (moderation.Tally, error) {
	var t moderation.Tally
	err := h.d.queryRow(h.ctx, qTallyHits, actor, ruleset, ms(since)).Scan(&t.Posts, &t.Hits, &t.Distinct)
	if err != nil {
		return moderation.Tally{}, fmt.Errorf("storage: tally moderation hits: %w", err)
	}
	return t, nil
}

// ModerationPosts lists the IDs of an actor's first posts with hits of a
// ruleset since a time, oldest first.
func (d *DB) ModerationPosts(ctx context.Context, actor, ruleset string, since time.Time, limit int) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT post_id FROM moderation_hits
		WHERE actor = ? AND ruleset = ? AND at >= ? AND post_id NOT LIKE 'urn:artbridge:anonymous:%'
		GROUP BY post_id ORDER BY MIN(at), post_id LIMIT ?`, actor, ruleset, ms(since), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: moderation posts: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("storage: scan moderation post: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// hitJSON is how a report's hits are stored.
type hitJSON struct {
	Ruleset string `json:"ruleset"`
	Term    string `json:"term"`
	Field   string `json:"field"`
	Count   int    `json:"count"`
}

func encodeHits(hits []moderation.Hit) ([]byte, error) {
	out := make([]hitJSON, 0, len(hits))
	for _, h := range hits {
		out = append(out, hitJSON{Ruleset: h.Ruleset, Term: h.Term, Field: string(h.Field), Count: h.Count})
	}
	return json.Marshal(out)
}

func decodeHits(b []byte) ([]moderation.Hit, error) {
	var in []hitJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	out := make([]moderation.Hit, 0, len(in))
	for _, h := range in {
		out = append(out, moderation.Hit{Ruleset: h.Ruleset, Term: h.Term, Field: moderation.Field(h.Field), Count: h.Count})
	}
	return out, nil
}

// ApplyModeration writes a report, the actor's restriction (removing a
// suspended actor from the followers) and the decision on the activity in one
// transaction (group-committed with other small writes; it returns once that
// transaction has committed). A decision for an activity decided before is
// replaced.
func (d *DB) ApplyModeration(ctx context.Context, rec bridge.ModerationRecord) (bridge.ModerationResult, error) {
	var res bridge.ModerationResult
	err := d.batched(ctx, func(tx *sql.Tx) error {
		res = bridge.ModerationResult{} // run again alone when its batch failed
		dec := rec.Decision
		if rec.ApplyRestriction {
			r, restricted, err := d.txActorRestriction(ctx, tx, dec.Actor)
			if err != nil {
				return err
			}
			if restricted && r.Action == moderation.ActionSuspend {
				res.Dropped = true
				return nil
			}
			if restricted {
				res.Silenced = true
				if dec.State == bridge.DecisionPassed {
					dec.State = bridge.DecisionHeld
					if rec.Report == nil {
						dec.Action, dec.Ruleset, dec.ReportID = moderation.ActionSilence, "", r.ReportID
					}
				}
			}
		}
		res.State = dec.State
		if r := rec.Report; r != nil {
			hits, err := encodeHits(r.Hits)
			if err != nil {
				return fmt.Errorf("storage: encode hits: %w", err)
			}
			state := r.State
			if state == "" {
				state = bridge.ReportOpen
			}
			out, err := d.txExec(ctx, tx, qInsertReport, ms(r.At), r.Actor, r.PostID, r.ActivityID, r.Ruleset, r.Action.String(), hits, string(state))
			if err != nil {
				return fmt.Errorf("storage: add moderation report: %w", err)
			}
			if res.ReportID, err = out.LastInsertId(); err != nil {
				return fmt.Errorf("storage: report id: %w", err)
			}
			dec.ReportID = res.ReportID
			if rec.Restrict && r.Action.AppliesToActor() {
				removed, err := d.restrictActor(ctx, tx, r.Actor, r.Action, res.ReportID, r.At)
				if err != nil {
					return err
				}
				res.FollowerRemoved = removed
			}
		}
		var reportID any
		if dec.ReportID != 0 {
			reportID = dec.ReportID
		}
		_, err := d.txExec(ctx, tx, qRecordDecision, dec.ActivityID, dec.PostID, dec.Actor, dec.Action.String(), dec.Ruleset, reportID, string(dec.State), ms(dec.At), dec.InReplyTo)
		if err != nil {
			return fmt.Errorf("storage: record moderation decision %s: %w", dec.ActivityID, err)
		}
		return nil
	})
	if rec.Restrict {
		d.restrictions.invalidate()
	}
	return res, err
}

// restrictActor silences or suspends an actor (a suspension is never
// downgraded to a silence) and removes a suspended actor from the followers.
func (d *DB) restrictActor(ctx context.Context, tx *sql.Tx, actor string, action moderation.Action, reportID int64, at time.Time) (bool, error) {
	_, err := d.txExec(ctx, tx, qRestrictActor, actor, action.String(), reportID, ms(at))
	if err != nil {
		return false, fmt.Errorf("storage: restrict actor %s: %w", actor, err)
	}
	if action != moderation.ActionSuspend {
		return false, nil
	}
	out, err := d.txExec(ctx, tx, qRemoveSuspendedFollower, actor)
	if err != nil {
		return false, fmt.Errorf("storage: remove suspended follower %s: %w", actor, err)
	}
	n, _ := out.RowsAffected()
	return n > 0, nil
}

// ActorRestriction returns an actor's silence or suspension; ok is false when
// it has none.
// It reads the in-memory copy of the restrictions (tablecache.go); inside a
// write transaction, txActorRestriction reads the table itself.
func (d *DB) ActorRestriction(ctx context.Context, actor string) (bridge.ActorRestriction, bool, error) {
	all, err := d.restrictions.get(ctx, d)
	if err != nil {
		return bridge.ActorRestriction{}, false, err
	}
	r, ok := all[actor]
	return r, ok, nil
}

// loadRestrictions reads every silenced and suspended actor.
func (d *DB) loadRestrictions(ctx context.Context) (map[string]bridge.ActorRestriction, error) {
	list, err := d.RestrictedActors(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[string]bridge.ActorRestriction, len(list))
	for _, r := range list {
		all[r.Actor] = r
	}
	return all, nil
}

// txActorRestriction is ActorRestriction inside a write transaction.
func (d *DB) txActorRestriction(ctx context.Context, tx *sql.Tx, actor string) (bridge.ActorRestriction, bool, error) {
	return scanRestriction(actor, d.txQueryRow(ctx, tx, qActorRestriction, actor))
}

// scanRestriction reads one row of moderated_actors.
func scanRestriction(actor string, row *sql.Row) (bridge.ActorRestriction, bool, error) {
	r := bridge.ActorRestriction{Actor: actor}
	var action string
	var since int64
	err := row.Scan(&action, &r.ReportID, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return bridge.ActorRestriction{}, false, nil
	}
	if err != nil {
		return bridge.ActorRestriction{}, false, fmt.Errorf("storage: actor restriction %s: %w", actor, err)
	}
	if r.Action, err = moderation.ParseAction(action); err != nil {
		return bridge.ActorRestriction{}, false, fmt.Errorf("storage: actor restriction %s: %w", actor, err)
	}
	r.Since = fromMS(since)
	return r, true, nil
}

// RestrictedActors lists silenced and suspended actors, newest first.
func (d *DB) RestrictedActors(ctx context.Context) ([]bridge.ActorRestriction, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT actor, action, report_id, created_at FROM moderated_actors
		ORDER BY created_at DESC, actor`)
	if err != nil {
		return nil, fmt.Errorf("storage: restricted actors: %w", err)
	}
	defer rows.Close()
	var out []bridge.ActorRestriction
	for rows.Next() {
		var r bridge.ActorRestriction
		var action string
		var since int64
		if err := rows.Scan(&r.Actor, &action, &r.ReportID, &since); err != nil {
			return nil, fmt.Errorf("storage: scan restricted actor: %w", err)
		}
		if r.Action, err = moderation.ParseAction(action); err != nil {
			return nil, fmt.Errorf("storage: restricted actor %s: %w", r.Actor, err)
		}
		r.Since = fromMS(since)
		out = append(out, r)
	}
	return out, rows.Err()
}

const reportColumns = `id, created_at, actor, post_id, activity_id, ruleset, action, hits, state, lifted_at`

func scanReport(sc interface{ Scan(...any) error }) (bridge.ModerationReport, error) {
	var r bridge.ModerationReport
	var created int64
	var lifted sql.NullInt64
	var action, state string
	var hits []byte
	if err := sc.Scan(&r.ID, &created, &r.Actor, &r.PostID, &r.ActivityID, &r.Ruleset, &action, &hits, &state, &lifted); err != nil {
		return r, err
	}
	var err error
	if r.Action, err = moderation.ParseAction(action); err != nil {
		return r, err
	}
	if r.Hits, err = decodeHits(hits); err != nil {
		return r, fmt.Errorf("hits of report %d: %w", r.ID, err)
	}
	r.At, r.LiftedAt, r.State = fromMS(created), nullMS(lifted), bridge.ReportState(state)
	return r, nil
}

// ModerationReport returns one report.
func (d *DB) ModerationReport(ctx context.Context, id int64) (bridge.ModerationReport, error) {
	r, err := scanReport(d.sql.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM moderation_reports WHERE id = ?`, id))
	if err != nil {
		return bridge.ModerationReport{}, notFound(err, fmt.Sprintf("moderation report %d", id))
	}
	return r, nil
}

// ModerationReports lists reports, newest first; openOnly leaves out lifted
// ones. limit <= 0 lists all.
func (d *DB) ModerationReports(ctx context.Context, openOnly bool, limit int) ([]bridge.ModerationReport, error) {
	q := `SELECT ` + reportColumns + ` FROM moderation_reports`
	if openOnly {
		q += ` WHERE state = 'open'`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.sql.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("storage: moderation reports: %w", err)
	}
	defer rows.Close()
	var out []bridge.ModerationReport
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("storage: scan moderation report: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LiftRestriction ends an actor's silence or suspension in one transaction:
// its open silence and suspension reports become lifted, its held posts are
// released and its counted hits forgotten. It returns the number of posts
// released. The actor is not made a follower again.
func (d *DB) LiftRestriction(ctx context.Context, actor string, at time.Time) (int, error) {
	var released int
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		stmts := []struct {
			what string
			q    string
			args []any
		}{
			{"restriction", `DELETE FROM moderated_actors WHERE actor = ?`, []any{actor}},
			{"reports", `UPDATE moderation_reports SET state = 'lifted', lifted_at = ?
				WHERE actor = ? AND state = 'open' AND action IN ('silence', 'suspend')`, []any{ms(at), actor}},
			{"hits", `DELETE FROM moderation_hits WHERE actor = ?`, []any{actor}},
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
				return fmt.Errorf("storage: lift %s of %s: %w", s.what, actor, err)
			}
		}
		out, err := tx.ExecContext(ctx, `UPDATE inbound_moderation SET state = 'released', released_at = ?
			WHERE actor = ? AND state = 'held'`, ms(at), actor)
		if err != nil {
			return fmt.Errorf("storage: release held posts of %s: %w", actor, err)
		}
		n, _ := out.RowsAffected()
		released = int(n)
		return nil
	})
	d.restrictions.invalidate()
	return released, err
}

// InboundDecision returns the moderation decision on one inbound activity.
func (d *DB) InboundDecision(ctx context.Context, activityID string) (bridge.InboundDecision, error) {
	var dec bridge.InboundDecision
	var action, state string
	var reportID sql.NullInt64
	var at int64
	err := d.sql.QueryRowContext(ctx, `SELECT activity_id, post_id, actor, action, ruleset, report_id, state, decided_at
		FROM inbound_moderation WHERE activity_id = ?`, activityID).
		Scan(&dec.ActivityID, &dec.PostID, &dec.Actor, &action, &dec.Ruleset, &reportID, &state, &at)
	if err != nil {
		return bridge.InboundDecision{}, notFound(err, "moderation decision "+activityID)
	}
	if dec.Action, err = moderation.ParseAction(action); err != nil {
		return bridge.InboundDecision{}, fmt.Errorf("storage: moderation decision %s: %w", activityID, err)
	}
	dec.ReportID, dec.State, dec.At = reportID.Int64, bridge.DecisionState(state), fromMS(at)
	return dec, nil
}

// DomainBlock is one blocked domain, as imported from a file.
type DomainBlock struct {
	Domain   string
	Severity string // "suspend": only full blocks are stored
	Comment  string
}

// ImportDomainBlocks adds domain blocks in one transaction, noting source
// (e.g. the file imported). Domains already blocked are left as they are. It
// returns how many were added.
func (d *DB) ImportDomainBlocks(ctx context.Context, blocks []DomainBlock, source string, at time.Time) (int, error) {
	added := 0
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, b := range blocks {
			domain := ap.NormalizeHost(b.Domain)
			if domain == "" {
				return fmt.Errorf("storage: block %q: not a domain", b.Domain)
			}
			sev := b.Severity
			if sev == "" {
				sev = "suspend"
			}
			out, err := tx.ExecContext(ctx, `INSERT INTO domain_blocks (domain, severity, comment, created_at, source)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (domain) DO NOTHING`,
				domain, sev, b.Comment, ms(at), source)
			if err != nil {
				return fmt.Errorf("storage: block %s: %w", b.Domain, err)
			}
			n, _ := out.RowsAffected()
			added += int(n)
		}
		return nil
	})
	d.blocks.invalidate()
	if err != nil {
		return 0, err
	}
	return added, nil
}

// DomainBlocks lists the blocked domains of the database (not those of the
// config file), alphabetically.
func (d *DB) DomainBlocks(ctx context.Context) ([]DomainBlock, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT domain, severity, comment FROM domain_blocks ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("storage: domain blocks: %w", err)
	}
	defer rows.Close()
	var out []DomainBlock
	for rows.Next() {
		var b DomainBlock
		if err := rows.Scan(&b.Domain, &b.Severity, &b.Comment); err != nil {
			return nil, fmt.Errorf("storage: scan domain block: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
