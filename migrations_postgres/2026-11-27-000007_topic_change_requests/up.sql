-- Requests to change an active topic after its approval: today only more
-- partitions (Kafka can add partitions, never remove them). Anyone may
-- ask; an admin approves or rejects. The row is its own audit trail: who
-- asked, who decided, when; an approval also writes a topic event.
CREATE TABLE topic_change_requests (
    id SERIAL PRIMARY KEY,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    partitions_from INTEGER NOT NULL,
    partitions_to INTEGER NOT NULL CHECK (partitions_to > partitions_from),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    reason TEXT
);

CREATE INDEX topic_change_requests_by_topic ON topic_change_requests (topic_id);
CREATE INDEX topic_change_requests_by_status ON topic_change_requests (status);
