-- Each topic's value schema (JSON Schema), one row per version, approved
-- like the topic itself; served by the Schema Registry API.
--
-- `id` is the global schema id clients put in their records: a sequence
-- so an id is never handed out twice, even after a row is gone. A version
-- is numbered only when it is approved (pending and rejected rows have
-- none), so a subject's versions count 1, 2, 3 without gaps.
CREATE TABLE schemas (
    id SERIAL PRIMARY KEY,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    -- `<topic>-value` (Confluent's TopicNameStrategy).
    subject TEXT COLLATE "C" NOT NULL,
    version INTEGER CHECK (version >= 1),
    -- Canonical JSON text: keys sorted, no insignificant white space, so
    -- equal schemas are equal strings.
    schema TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    UNIQUE (subject, version),
    CHECK ((status = 'approved') = (version IS NOT NULL))
);

CREATE INDEX schemas_by_topic ON schemas (topic_id);

-- Compatibility mode per subject; the subject '' holds the global default.
-- A subject without a row follows the global default, and without that
-- BACKWARD applies, as in Confluent's Schema Registry.
CREATE TABLE subject_configs (
    subject TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    compatibility TEXT NOT NULL
        CHECK (compatibility IN ('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD',
                                 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'))
);

-- How the producer frames a topic's records: plain JSON, or Confluent's
-- wire format (magic byte, schema id, JSON) for Confluent's deserialisers.
ALTER TABLE topics ADD COLUMN value_format TEXT NOT NULL DEFAULT 'json'
    CHECK (value_format IN ('json', 'confluent_json'));

-- Topics registered before schemas get their data type's built-in schema
-- when the registry opens (db::schemas::adopt_builtin_schemas): the schema
-- is a JSON document built in Rust, which SQL cannot make.
