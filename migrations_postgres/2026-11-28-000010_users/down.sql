DROP TABLE kafka_acl_grants;
DROP TABLE user_events;
DROP TABLE user_tokens;
DROP TABLE users;
