DROP INDEX topics_by_collision_key;
