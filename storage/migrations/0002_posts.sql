-- Published posts (one Note each), their interactions, and their images.
CREATE TABLE posts (
    id           TEXT PRIMARY KEY,
    note_iri     TEXT NOT NULL UNIQUE REFERENCES objects (iri),
    artist_id    TEXT NOT NULL,
    artist_name  TEXT NOT NULL DEFAULT '',
    submission   BLOB NOT NULL,          -- JSON of bridge.Submission
    create_iri   TEXT NOT NULL,
    published    INTEGER NOT NULL,
    updated      INTEGER,
    deleted_at   INTEGER,
    delete_iri   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX posts_artist ON posts (artist_id, published);

-- Remote actors that replied to, liked or boosted a post: the takedown reaches them.
CREATE TABLE interactions (
    note_iri    TEXT NOT NULL,
    actor_iri   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('reply', 'like', 'announce', 'mention')),
    activity_id TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (note_iri, actor_iri, kind)
);
