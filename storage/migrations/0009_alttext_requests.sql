-- Requests sent to the AI alt text model, so that its daily budget and the
-- per-artist hourly limit survive a restart. Rows older than two days are
-- dropped as new ones come. Times are Unix milliseconds.
CREATE TABLE alttext_requests (
    artist_id TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX alttext_requests_at ON alttext_requests (at);
