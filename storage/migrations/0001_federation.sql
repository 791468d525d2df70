-- Federation core: followers, inbound activities, remote keys, our activities and
-- objects, and the durable delivery queue. Times are Unix milliseconds.
CREATE TABLE followers (
    actor_iri    TEXT PRIMARY KEY,
    inbox        TEXT NOT NULL,
    shared_inbox TEXT NOT NULL DEFAULT '',
    follow_id    TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE inbound (
    id           TEXT PRIMARY KEY,
    actor        TEXT NOT NULL,
    type         TEXT NOT NULL,
    raw          BLOB NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inbound_unprocessed ON inbound (received_at) WHERE processed_at IS NULL;

CREATE TABLE remote_keys (
    key_id     TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    pem        TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);

-- Remote actors we have seen (key owners, followers, interacting actors).
CREATE TABLE remote_actors (
    iri          TEXT PRIMARY KEY,
    inbox        TEXT NOT NULL,
    shared_inbox TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL
);

CREATE TABLE objects (
    iri        TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    json       BLOB NOT NULL,
    page       TEXT NOT NULL DEFAULT '',
    published  INTEGER NOT NULL,
    deleted_at INTEGER
);

-- Remote actors that fetched one of our objects with a signed GET.
CREATE TABLE object_fetches (
    object_iri TEXT NOT NULL,
    actor_iri  TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (object_iri, actor_iri)
);

CREATE TABLE activities (
    iri        TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    object_iri TEXT NOT NULL DEFAULT '',
    json       BLOB NOT NULL,
    in_outbox  INTEGER NOT NULL DEFAULT 0,
    published  INTEGER NOT NULL
);
CREATE INDEX activities_outbox ON activities (published) WHERE in_outbox = 1;
CREATE INDEX activities_object ON activities (object_iri);

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    activity_iri TEXT NOT NULL REFERENCES activities (iri) ON DELETE CASCADE,
    inbox        TEXT NOT NULL,
    host         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    reached      INTEGER NOT NULL DEFAULT 0, -- 1 once an attempt got as far as the remote HTTP server
    delivered_at INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (activity_iri, inbox)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE state = 'queued';

CREATE TABLE domain_blocks (
    domain     TEXT PRIMARY KEY,
    severity   TEXT NOT NULL DEFAULT 'suspend',
    comment    TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
