-- Topics are looked up by name (subscribing, activate_by_name, the topic
-- page, the Schema Registry API). The unique index on live names is
-- partial (status <> 'deleted'), so a lookup that may also find a deleted
-- topic cannot use it: without this index each one read the whole table,
-- which at ten thousand topics made a subscription cost milliseconds.
CREATE INDEX topics_by_name ON topics (name);
