-- Duty rosters (勤務表): every version of a facility's monthly roster (1, 2, … per prefecture)
-- and the publications of versions (each version published at most once; for a facility and
-- a month, the version published last is the roster in force). Each version is kept whole in
-- `data` (JSONB, validated on read, without its publication) beside the columns that queries
-- filter, join and constrain on.
--
-- Immutability is the database's too, not only the store's: versions and publications are
-- never changed or removed. The triggers below refuse such writes from any client.

CREATE TABLE duty_rosters (
    pref TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    facility TEXT NOT NULL REFERENCES facilities (id),
    month DATE NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (pref, seq)
);
CREATE INDEX duty_rosters_facility_month ON duty_rosters (pref, facility, month);

CREATE TABLE duty_roster_publications (
    pref TEXT NOT NULL,
    seq INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (pref, seq),
    FOREIGN KEY (pref, seq) REFERENCES duty_rosters (pref, seq)
);

-- Versions and publications: never updated, never deleted.
CREATE FUNCTION duty_rosters_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'duty roster versions and their publications are never changed or removed';
END;
$$;

CREATE TRIGGER duty_rosters_immutable
    BEFORE UPDATE OR DELETE ON duty_rosters
    FOR EACH ROW EXECUTE FUNCTION duty_rosters_refuse_change();

CREATE TRIGGER duty_roster_publications_immutable
    BEFORE UPDATE OR DELETE ON duty_roster_publications
    FOR EACH ROW EXECUTE FUNCTION duty_rosters_refuse_change();
