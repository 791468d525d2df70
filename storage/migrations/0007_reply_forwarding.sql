-- Replies from the Fediverse forwarded into the Discord thread of the post
-- they answer. A moderated Create of a reply to one of our Notes records the
-- Note in in_reply_to; the forwarder sends those whose decision lets them
-- through (passed, or released after a silence) and keeps here what became of
-- each: '' still to send, 'sent' (with the Discord channel and message, so a
-- Delete of the reply can remove it), 'skipped' (nothing to send it to, or too
-- old), 'withdrawn' (deleted by its author), 'failed' (gave up). Times are
-- Unix milliseconds.
ALTER TABLE inbound_moderation ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_moderation ADD COLUMN forward_state TEXT NOT NULL DEFAULT ''
    CHECK (forward_state IN ('', 'sent', 'skipped', 'withdrawn', 'failed'));
ALTER TABLE inbound_moderation ADD COLUMN forward_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_moderation ADD COLUMN forward_next INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_moderation ADD COLUMN forward_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_moderation ADD COLUMN forward_message TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_moderation ADD COLUMN forward_error TEXT NOT NULL DEFAULT '';
CREATE INDEX inbound_moderation_to_forward ON inbound_moderation (forward_next)
    WHERE in_reply_to != '' AND forward_state = '';
CREATE INDEX inbound_moderation_by_post ON inbound_moderation (post_id) WHERE in_reply_to != '';
