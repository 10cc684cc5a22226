-- Multi-year rotation plans: every version of a prefecture's plan (1, 2, … per prefecture,
-- a version possibly replanning an earlier one of the same prefecture) and the committee's
-- adoptions of versions (each version adopted at most once; the latest adoption is the
-- plan in force). Each record is kept whole in `data` (JSONB, validated on read) beside the
-- columns that queries filter, join and constrain on.
--
-- Immutability is the database's too, not only the store's: versions and adoptions are
-- never changed or removed. The triggers below refuse such writes from any client.

CREATE TABLE rotation_plans (
    pref TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    label TEXT NOT NULL,
    first_year INTEGER NOT NULL,
    years INTEGER NOT NULL CHECK (years > 0),
    parent INTEGER CHECK (parent < seq),
    data JSONB NOT NULL,
    PRIMARY KEY (pref, seq),
    FOREIGN KEY (pref, parent) REFERENCES rotation_plans (pref, seq)
);

CREATE TABLE rotation_adoptions (
    pref TEXT NOT NULL,
    seq INTEGER NOT NULL,
    adopted_at TIMESTAMPTZ NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (pref, seq),
    FOREIGN KEY (pref, seq) REFERENCES rotation_plans (pref, seq)
);
CREATE INDEX rotation_adoptions_at ON rotation_adoptions (pref, adopted_at);

-- Versions and adoptions: never updated, never deleted.
CREATE FUNCTION rotation_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rotation plan versions and adoptions are never changed or removed';
END;
$$;

CREATE TRIGGER rotation_plans_immutable
    BEFORE UPDATE OR DELETE ON rotation_plans
    FOR EACH ROW EXECUTE FUNCTION rotation_refuse_change();

CREATE TRIGGER rotation_adoptions_immutable
    BEFORE UPDATE OR DELETE ON rotation_adoptions
    FOR EACH ROW EXECUTE FUNCTION rotation_refuse_change();
