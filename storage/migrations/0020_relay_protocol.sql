-- The downstream wire protocol of a relay: '' is DCC's (raw gateway packets,
-- no acknowledgements), 'artbridge.relay.v1' adds sequence numbers, acks and
-- resume. Existing rows take DCC's, the default of a registration.
ALTER TABLE relays ADD COLUMN protocol TEXT NOT NULL DEFAULT '';
