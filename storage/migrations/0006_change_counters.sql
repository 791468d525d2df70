-- Change counters of the small tables that every inbound request consults
-- (domain blocks, silenced and suspended actors). The server keeps them in
-- memory and rereads one only when its counter moved, so a change made by
-- another process (the artbridge CLI) is seen without a query per request.
CREATE TABLE change_counters (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO change_counters (name) VALUES ('domain_blocks'), ('moderated_actors');

CREATE TRIGGER domain_blocks_insert AFTER INSERT ON domain_blocks
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'domain_blocks'; END;
CREATE TRIGGER domain_blocks_update AFTER UPDATE ON domain_blocks
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'domain_blocks'; END;
CREATE TRIGGER domain_blocks_delete AFTER DELETE ON domain_blocks
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'domain_blocks'; END;

CREATE TRIGGER moderated_actors_insert AFTER INSERT ON moderated_actors
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'moderated_actors'; END;
CREATE TRIGGER moderated_actors_update AFTER UPDATE ON moderated_actors
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'moderated_actors'; END;
CREATE TRIGGER moderated_actors_delete AFTER DELETE ON moderated_actors
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'moderated_actors'; END;
