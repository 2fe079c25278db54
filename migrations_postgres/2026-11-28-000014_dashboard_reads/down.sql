DROP INDEX schemas_by_topic_then_id;
DROP INDEX schemas_by_status;
DROP INDEX topics_newest;
