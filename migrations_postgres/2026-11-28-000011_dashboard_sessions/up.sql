-- Dashboard sessions, shared by the admin replicas of one registry so a
-- session survives a switch to another replica. PostgreSQL only: a SQLite
-- registry has one admin service, which keeps its sessions in memory.
CREATE TABLE dashboard_sessions (
    -- actix-session's random 64-character key, which the cookie names.
    session_key TEXT COLLATE "C" PRIMARY KEY,
    -- The session's entries as a JSON object: a login holds only its
    -- token's SHA-256, never the token.
    state TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);

-- The key that signs session cookies, made by the first replica to start.
CREATE TABLE dashboard_cookie_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL
);
