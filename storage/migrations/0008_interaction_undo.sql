-- An Undo of a Like or Announce marks the interaction undone instead of
-- deleting it: the remote server still had the Note, so a takedown must still
-- reach it, but it no longer counts among the post's likes and boosts.
-- Unix milliseconds; NULL while the interaction stands.
ALTER TABLE interactions ADD COLUMN undone_at INTEGER;
