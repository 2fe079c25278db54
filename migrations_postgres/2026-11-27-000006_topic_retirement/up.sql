-- Topics can be deleted: the record stays, with status 'deleted', and its
-- name may be requested again. Names, and their collision keys, stay
-- unique only among topics not deleted. PostgreSQL alters the constraints
-- in place, in the migration's own transaction (SQLite rebuilds the table).

ALTER TABLE topics DROP CONSTRAINT topics_status_check;
ALTER TABLE topics ADD CONSTRAINT topics_status_check
    CHECK (status IN ('pending', 'approved', 'active', 'inactive', 'rejected', 'deleted'));
ALTER TABLE topics DROP CONSTRAINT topics_name_key;

CREATE UNIQUE INDEX topics_live_name ON topics (name) WHERE status <> 'deleted';
-- The expression, and the WHERE, must stay identical to those in
-- src/db/topics.rs for the index to be used.
DROP INDEX topics_by_collision_key;
CREATE INDEX topics_by_collision_key ON topics (replace(lower(name), '.', '_'))
    WHERE status <> 'deleted';

-- A deleted topic's subscriptions are removed, each removal audited.
ALTER TABLE subscription_events DROP CONSTRAINT subscription_events_action_check;
ALTER TABLE subscription_events ADD CONSTRAINT subscription_events_action_check
    CHECK (action IN ('subscribed', 'unsubscribed', 'deactivated', 'reactivated', 'deleted'));
