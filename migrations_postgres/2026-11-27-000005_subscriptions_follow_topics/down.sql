-- Back to the two actions of 000002; the status changes' events go.
ALTER TABLE subscription_events DROP CONSTRAINT subscription_events_action_check;
DELETE FROM subscription_events WHERE action NOT IN ('subscribed', 'unsubscribed');
ALTER TABLE subscription_events ADD CONSTRAINT subscription_events_action_check
    CHECK (action IN ('subscribed', 'unsubscribed'));
