DROP INDEX schemas_by_status;
DROP INDEX topics_newest;
