-- A topic's deactivation and reactivation now change its subscriptions'
-- status, and each such change is audited. PostgreSQL alters the CHECK in
-- place (SQLite rebuilds the table).

ALTER TABLE subscription_events DROP CONSTRAINT subscription_events_action_check;
ALTER TABLE subscription_events ADD CONSTRAINT subscription_events_action_check
    CHECK (action IN ('subscribed', 'unsubscribed', 'deactivated', 'reactivated'));

INSERT INTO subscription_events (topic_id, user_id, action, actor, at)
    SELECT s.topic_id, s.user_id, 'deactivated', 'migration', LOCALTIMESTAMP
    FROM user_subscriptions s JOIN topics t ON t.id = s.topic_id
    WHERE t.status = 'inactive' AND s.status = 'active';

UPDATE user_subscriptions SET status = 'inactive'
    WHERE status = 'active'
      AND topic_id IN (SELECT id FROM topics WHERE status = 'inactive');
