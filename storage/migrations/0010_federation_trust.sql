-- Federation trust (issue 14). Keys and actor addresses cached before key
-- ownership was proven may have come from a document on another host than
-- their owner's: drop them, they are refetched (and proven) on next use.
DELETE FROM remote_keys;
DELETE FROM remote_actors;

-- Domain blocks are compared in one normalised form (lower case, no trailing
-- dot; IDNA is applied by the code that writes them). Rows that normalise to
-- a domain already blocked are folded into it.
UPDATE OR IGNORE domain_blocks SET domain = rtrim(lower(trim(domain)), '.');
DELETE FROM domain_blocks WHERE domain <> rtrim(lower(trim(domain)), '.');
