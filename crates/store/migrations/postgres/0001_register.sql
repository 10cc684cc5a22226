-- The register: reference data, facilities, doctors, assignments, and the audit trail.
-- Each record is kept whole in `data` (JSONB, validated on read) with the columns that
-- queries filter, join and constrain on beside it. Portable SQL: no extensions.

CREATE TABLE areas (
    code TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    name TEXT NOT NULL,
    data JSONB NOT NULL
);

CREATE TABLE municipalities (
    code TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    area TEXT NOT NULL REFERENCES areas (code),
    name TEXT NOT NULL,
    data JSONB NOT NULL
);
CREATE INDEX municipalities_area ON municipalities (area);

CREATE TABLE schemes (
    id TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    name TEXT NOT NULL,
    data JSONB NOT NULL
);

CREATE TABLE facilities (
    id TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    area TEXT NOT NULL REFERENCES areas (code),
    municipality TEXT REFERENCES municipalities (code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    synthetic BOOLEAN NOT NULL,
    data JSONB NOT NULL
);
CREATE INDEX facilities_pref_area ON facilities (pref, area);

CREATE TABLE doctors (
    id TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    name TEXT NOT NULL,
    kana TEXT,
    graduation_year INTEGER NOT NULL,
    status TEXT NOT NULL,
    scheme TEXT REFERENCES schemes (id),
    synthetic BOOLEAN NOT NULL,
    data JSONB NOT NULL
);
CREATE INDEX doctors_pref_status ON doctors (pref, status);
CREATE INDEX doctors_pref_graduation ON doctors (pref, graduation_year);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    doctor TEXT NOT NULL REFERENCES doctors (id),
    facility TEXT REFERENCES facilities (id),
    start_date DATE NOT NULL,
    end_date DATE,
    kind TEXT NOT NULL,
    data JSONB NOT NULL
);
CREATE INDEX assignments_doctor ON assignments (doctor, start_date);
CREATE INDEX assignments_facility ON assignments (facility, start_date);

CREATE TABLE audit_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    pref TEXT,
    before JSONB,
    after JSONB
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);
CREATE INDEX audit_events_at ON audit_events (at);
