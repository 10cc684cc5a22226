-- Accounts and their sessions. Passwords are argon2id hashes (PHC strings); sessions are
-- kept by the SHA-256 of their token, so that a copy of the database opens no session.
CREATE TABLE accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pref TEXT,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    data JSONB NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);
