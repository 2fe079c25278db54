-- Back to one row per name and no 'deleted' status: deleted topics become
-- rejected (their record and links kept), and their subscriptions' removal
-- events read as unsubscriptions. Fails on a name that was requested
-- again after its deletion, rather than lose either topic.

ALTER TABLE subscription_events DROP CONSTRAINT subscription_events_action_check;
UPDATE subscription_events SET action = 'unsubscribed' WHERE action = 'deleted';
ALTER TABLE subscription_events ADD CONSTRAINT subscription_events_action_check
    CHECK (action IN ('subscribed', 'unsubscribed', 'deactivated', 'reactivated'));

ALTER TABLE topics DROP CONSTRAINT topics_status_check;
UPDATE topics SET status = 'rejected' WHERE status = 'deleted';
ALTER TABLE topics ADD CONSTRAINT topics_status_check
    CHECK (status IN ('pending', 'approved', 'active', 'inactive', 'rejected'));
DROP INDEX topics_live_name;
ALTER TABLE topics ADD CONSTRAINT topics_name_key UNIQUE (name);
DROP INDEX topics_by_collision_key;
CREATE INDEX topics_by_collision_key ON topics (replace(lower(name), '.', '_'));
