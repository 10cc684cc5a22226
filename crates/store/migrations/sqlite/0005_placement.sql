-- Placement rounds: a prefecture's annual placement of its obligated doctors. A round
-- (`03-2027`: prefecture and fiscal year), the facilities' requests and the doctors'
-- preference lists (its inputs), every run of a mechanism, and the committee's decision.
-- Each record is kept whole in `data` (JSON, validated on read) beside the columns that
-- queries filter, join and constrain on.
--
-- Immutability is the database's too, not only the store's: runs and decisions are never
-- changed or removed, and once a round is decided its settings and inputs are frozen. The
-- triggers below refuse such writes from any client.

CREATE TABLE placement_rounds (
    id TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX placement_rounds_pref ON placement_rounds (pref, fiscal_year);

CREATE TABLE placement_requests (
    round TEXT NOT NULL REFERENCES placement_rounds (id),
    facility TEXT NOT NULL REFERENCES facilities (id),
    data TEXT NOT NULL,
    PRIMARY KEY (round, facility)
);
CREATE INDEX placement_requests_facility ON placement_requests (facility);

CREATE TABLE placement_preferences (
    round TEXT NOT NULL REFERENCES placement_rounds (id),
    doctor TEXT NOT NULL REFERENCES doctors (id),
    data TEXT NOT NULL,
    PRIMARY KEY (round, doctor)
);
CREATE INDEX placement_preferences_doctor ON placement_preferences (doctor);

CREATE TABLE placement_runs (
    round TEXT NOT NULL REFERENCES placement_rounds (id),
    seq INTEGER NOT NULL CHECK (seq > 0),
    algorithm TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (round, seq)
);

CREATE TABLE placement_decisions (
    round TEXT PRIMARY KEY REFERENCES placement_rounds (id),
    run INTEGER NOT NULL,
    data TEXT NOT NULL,
    FOREIGN KEY (round, run) REFERENCES placement_runs (round, seq)
);

-- Runs and decisions: never updated, never deleted.
CREATE TRIGGER placement_runs_no_update BEFORE UPDATE ON placement_runs
BEGIN
    SELECT RAISE(ABORT, 'placement runs and decisions are never changed or removed');
END;

CREATE TRIGGER placement_runs_no_delete BEFORE DELETE ON placement_runs
BEGIN
    SELECT RAISE(ABORT, 'placement runs and decisions are never changed or removed');
END;

CREATE TRIGGER placement_decisions_no_update BEFORE UPDATE ON placement_decisions
BEGIN
    SELECT RAISE(ABORT, 'placement runs and decisions are never changed or removed');
END;

CREATE TRIGGER placement_decisions_no_delete BEFORE DELETE ON placement_decisions
BEGIN
    SELECT RAISE(ABORT, 'placement runs and decisions are never changed or removed');
END;

-- Requests and preference lists: frozen once their round is decided.
CREATE TRIGGER placement_requests_frozen_insert BEFORE INSERT ON placement_requests
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = NEW.round)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its inputs can no longer change');
END;

CREATE TRIGGER placement_requests_frozen_update BEFORE UPDATE ON placement_requests
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = OLD.round OR d.round = NEW.round)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its inputs can no longer change');
END;

CREATE TRIGGER placement_requests_frozen_delete BEFORE DELETE ON placement_requests
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = OLD.round)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its inputs can no longer change');
END;

CREATE TRIGGER placement_preferences_frozen_insert BEFORE INSERT ON placement_preferences
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = NEW.round)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its inputs can no longer change');
END;

CREATE TRIGGER placement_preferences_frozen_update BEFORE UPDATE ON placement_preferences
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = OLD.round OR d.round = NEW.round)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its inputs can no longer change');
END;

CREATE TRIGGER placement_preferences_frozen_delete BEFORE DELETE ON placement_preferences
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = OLD.round)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its inputs can no longer change');
END;

-- A round's settings: frozen once it is decided.
CREATE TRIGGER placement_rounds_frozen BEFORE UPDATE ON placement_rounds
WHEN EXISTS (SELECT 1 FROM placement_decisions d WHERE d.round = OLD.id OR d.round = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the placement round is decided: its settings can no longer change');
END;
