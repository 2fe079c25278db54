DROP INDEX topics_by_name;
