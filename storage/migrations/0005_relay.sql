-- Gateway relay registrations (artbridge relay). Tokens and client secrets are
-- sealed with AES-256-GCM under data_dir/relay.key; the secret is also kept as
-- a salted HMAC-SHA-256 for constant-time checks. Times are Unix milliseconds.
CREATE TABLE relays (
    alias           TEXT PRIMARY KEY,
    token_sealed    BLOB NOT NULL,
    intents         INTEGER NOT NULL,
    criteria        BLOB NOT NULL,
    dst             TEXT NOT NULL,
    secret_sealed   BLOB NOT NULL,
    secret_salt     BLOB NOT NULL,
    secret_hash     BLOB NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    last_ack        INTEGER NOT NULL DEFAULT 0,
    seq_reserved    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
