-- Finds, without a table scan, a registered name that Kafka would take for
-- the same as a requested one: case folded, '.' read as '_'. The expression
-- must stay identical to the one in src/db/topics.rs for the index to be used.
-- Not UNIQUE, as in SQLite: new requests are checked inside the write
-- transaction instead.
CREATE INDEX topics_by_collision_key ON topics (replace(lower(name), '.', '_'));
