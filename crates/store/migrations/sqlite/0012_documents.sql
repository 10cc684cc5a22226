-- Documents: the records of alliance operations (procurement, training, mutual support) and
-- of the doctor bank, each kept whole in `data` (validated on read by its type) beside the
-- columns queries filter on. `audit` is what the audit trail may keep of it (no names, no
-- contacts, no notes). Ids are unique across kinds. `document_locks` holds one row per group
-- (kind, scope, parent; 0 for none) that checked writes lock, so that two writes checked
-- against one group (two registrations for the last seat) run one after the other.

CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    pref TEXT NOT NULL,
    parent INTEGER,
    owner TEXT,
    data TEXT NOT NULL,
    audit TEXT NOT NULL
);
CREATE INDEX documents_scope ON documents (kind, scope, parent);
CREATE INDEX documents_pref ON documents (kind, pref);
CREATE INDEX documents_owner ON documents (kind, owner);

CREATE TABLE document_locks (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    parent INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, scope, parent)
);
