-- Training and career-formation programmes (identity and references; their rules are data
-- added by later migrations).
CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    name TEXT NOT NULL,
    scheme TEXT REFERENCES schemes (id),
    data TEXT NOT NULL
);
