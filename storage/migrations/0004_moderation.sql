-- Inbound moderation: the audit trail (reports), the hits that thresholds count,
-- actors under a silence or suspension, and the decision taken on each
-- moderated inbound activity. Times are Unix milliseconds.

-- One report per post on which a ruleset triggered. Never deleted: lifting a
-- silence or suspension only changes its state.
CREATE TABLE moderation_reports (
    id          INTEGER PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    post_id     TEXT NOT NULL DEFAULT '',
    activity_id TEXT NOT NULL DEFAULT '',
    ruleset     TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('none', 'notify', 'sensitive', 'silence', 'suspend')),
    hits        BLOB NOT NULL,               -- JSON: [{"ruleset","term","field","count"}]
    state       TEXT NOT NULL CHECK (state IN ('open', 'lifted')),
    lifted_at   INTEGER
);
CREATE INDEX moderation_reports_time ON moderation_reports (created_at);
CREATE INDEX moderation_reports_actor ON moderation_reports (actor, created_at);

-- What moderation.History counts: one row per (actor, ruleset, post, term).
CREATE TABLE moderation_hits (
    actor   TEXT NOT NULL,
    ruleset TEXT NOT NULL,
    post_id TEXT NOT NULL,
    term    TEXT NOT NULL,
    count   INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (actor, ruleset, post_id, term)
);
CREATE INDEX moderation_hits_tally ON moderation_hits (actor, ruleset, at);

-- Actors silenced (posts held) or suspended (activities dropped), with the
-- report that did it.
CREATE TABLE moderated_actors (
    actor      TEXT PRIMARY KEY,
    action     TEXT NOT NULL CHECK (action IN ('silence', 'suspend')),
    report_id  INTEGER NOT NULL REFERENCES moderation_reports (id),
    created_at INTEGER NOT NULL
);

-- The decision on each moderated inbound Create/Update, for whatever passes
-- replies on (to Discord): passed (as is, or with a content warning when the
-- action is sensitive), held (silenced; moderators may release), released,
-- or dropped (the post that suspended its actor).
CREATE TABLE inbound_moderation (
    activity_id TEXT PRIMARY KEY,
    post_id     TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('none', 'notify', 'sensitive', 'silence', 'suspend')),
    ruleset     TEXT NOT NULL DEFAULT '',
    report_id   INTEGER REFERENCES moderation_reports (id),
    state       TEXT NOT NULL CHECK (state IN ('passed', 'held', 'released', 'dropped')),
    decided_at  INTEGER NOT NULL,
    released_at INTEGER
);
CREATE INDEX inbound_moderation_held ON inbound_moderation (actor) WHERE state = 'held';

-- Domain blocks imported from a file (Mastodon's CSV export) say where they
-- came from; blocks written by hand leave it empty.
ALTER TABLE domain_blocks ADD COLUMN source TEXT NOT NULL DEFAULT '';
