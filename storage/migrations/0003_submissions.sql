-- Discord submissions: one row per forum thread submission, live or finished.
CREATE TABLE submissions (
    id               TEXT PRIMARY KEY,
    thread_id        TEXT NOT NULL,
    guild_id         TEXT NOT NULL DEFAULT '',
    artist_id        TEXT NOT NULL,
    artist_name      TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL CHECK (state IN ('pending', 'published', 'cancelled', 'expired', 'deleted')),
    draft            BLOB NOT NULL,              -- JSON of bridge.Draft
    panel_message_id TEXT NOT NULL DEFAULT '',
    ack_message_id   TEXT NOT NULL DEFAULT '',
    post_id          TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
-- One live submission per thread.
CREATE UNIQUE INDEX submissions_live_thread ON submissions (thread_id) WHERE state = 'pending';
CREATE INDEX submissions_thread ON submissions (thread_id, created_at);
CREATE INDEX submissions_post ON submissions (post_id) WHERE post_id != '';
CREATE INDEX submissions_expiry ON submissions (expires_at) WHERE state = 'pending';

-- What artists chose for their future submissions.
CREATE TABLE artist_prefs (
    artist_id  TEXT PRIMARY KEY,
    ai_consent INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
