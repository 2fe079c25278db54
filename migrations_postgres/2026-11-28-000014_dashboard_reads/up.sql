-- What every dashboard refresh reads, read off indexes.
--
-- The topic table is a page of topics, newest first: without an index in
-- that order every refresh sorted the whole table to find one page.
CREATE INDEX topics_newest ON topics (created_at, id);
-- The pending schema changes: without an index on the status every
-- refresh read every topic's schemas (one row per topic at least). The
-- topic and id beside it, and a topic's schemas in id order, answer "is
-- this the topic's first schema?" from the indexes alone, without reading
-- the schema text (SQLite's indexes carry each row's id already).
CREATE INDEX schemas_by_status ON schemas (status, topic_id, id);
CREATE INDEX schemas_by_topic_then_id ON schemas (topic_id, id);
