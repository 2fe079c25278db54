-- People who hold a token, their roles, and what Kafka was told about them.
--
-- A deleted user keeps its row (deleted_at set) so the audit trail and the
-- reconciler can still name it: the reconciler removes the user's Kafka
-- credential and ACLs, and a later POST of the same id revives the row.
CREATE TABLE users (
    user_id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    -- Comma-separated, sorted, from admin, approver, requester, consumer.
    roles TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    deleted_at TIMESTAMP,
    -- Moves with every new token: the user's Kafka password is derived
    -- from it, so rotating a token also rotates the Kafka password.
    kafka_generation INTEGER NOT NULL DEFAULT 1,
    -- The generation whose SCRAM credential Kafka holds; NULL for none.
    kafka_applied_generation INTEGER
);

-- Only the SHA-256 of a token is kept; the token is shown once.
CREATE TABLE user_tokens (
    id SERIAL PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (user_id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE INDEX user_tokens_by_user ON user_tokens (user_id);

-- Who created, changed or deleted a user, and who rotated a token.
CREATE TABLE user_events (
    id SERIAL PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

-- The Kafka ACLs topicgate created and therefore manages: only these are
-- ever removed, so ACLs an operator made by hand are never touched.
CREATE TABLE kafka_acl_grants (
    principal TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    PRIMARY KEY (principal, resource_type, resource_name, operation)
);
