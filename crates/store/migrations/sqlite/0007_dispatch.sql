-- Dispatch of doctors and substitute doctors: facilities' requests for cover, doctors' offers
-- of time, the overtime each doctor reports per employer and month, the coordinator's solved
-- runs (1, 2, … per prefecture) and the dispatches confirmed from them. Each record is kept
-- whole in `data` (JSON, validated on read) beside the columns that queries filter, join and
-- constrain on.
--
-- Request and offer ids are given by the store, never reused (AUTOINCREMENT), unique across
-- prefectures. A request is dispatched at most once (the primary key of `dispatches`), to a
-- run of its own prefecture (the foreign keys on `pref`).
--
-- Immutability is the database's too, not only the store's: runs are never changed or
-- removed, and a confirmed dispatch is never removed nor moved to another request, run or
-- doctor (only the minutes worked are recorded later). The triggers below refuse such writes
-- from any client.

CREATE TABLE dispatch_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pref TEXT NOT NULL,
    facility TEXT NOT NULL REFERENCES facilities (id),
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'filled', 'cancelled')),
    data TEXT NOT NULL,
    CHECK (end_at > start_at),
    UNIQUE (id, pref)
);
CREATE INDEX dispatch_requests_pref_start ON dispatch_requests (pref, start_at);
CREATE INDEX dispatch_requests_facility ON dispatch_requests (facility);

CREATE TABLE dispatch_offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doctor TEXT NOT NULL REFERENCES doctors (id),
    from_at TEXT NOT NULL,
    to_at TEXT NOT NULL,
    data TEXT NOT NULL,
    CHECK (to_at > from_at)
);
CREATE INDEX dispatch_offers_doctor_from ON dispatch_offers (doctor, from_at);

CREATE TABLE hours_reports (
    doctor TEXT NOT NULL REFERENCES doctors (id),
    employer TEXT NOT NULL,
    month TEXT NOT NULL,
    month_minutes INTEGER NOT NULL CHECK (month_minutes >= 0),
    year_minutes INTEGER NOT NULL CHECK (year_minutes >= month_minutes),
    data TEXT NOT NULL,
    PRIMARY KEY (doctor, employer, month)
);
CREATE INDEX hours_reports_month ON hours_reports (month);

CREATE TABLE dispatch_runs (
    pref TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    month TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (pref, seq)
);

CREATE TABLE dispatches (
    request INTEGER PRIMARY KEY,
    pref TEXT NOT NULL,
    run INTEGER NOT NULL,
    doctor TEXT NOT NULL REFERENCES doctors (id),
    worked_minutes INTEGER CHECK (worked_minutes BETWEEN 0 AND 2880),
    data TEXT NOT NULL,
    FOREIGN KEY (request, pref) REFERENCES dispatch_requests (id, pref),
    FOREIGN KEY (pref, run) REFERENCES dispatch_runs (pref, seq)
);
CREATE INDEX dispatches_doctor ON dispatches (doctor);
CREATE INDEX dispatches_run ON dispatches (pref, run);

-- Runs: never updated, never deleted.
CREATE TRIGGER dispatch_runs_no_update BEFORE UPDATE ON dispatch_runs
BEGIN
    SELECT RAISE(ABORT, 'dispatch runs are never changed or removed');
END;

CREATE TRIGGER dispatch_runs_no_delete BEFORE DELETE ON dispatch_runs
BEGIN
    SELECT RAISE(ABORT, 'dispatch runs are never changed or removed');
END;

-- Confirmed dispatches: never deleted; their request, run and doctor never change.
CREATE TRIGGER dispatches_no_delete BEFORE DELETE ON dispatches
BEGIN
    SELECT RAISE(ABORT, 'confirmed dispatches are never removed nor moved to another request, run or doctor');
END;

CREATE TRIGGER dispatches_fixed BEFORE UPDATE ON dispatches
WHEN NEW.request IS NOT OLD.request OR NEW.pref IS NOT OLD.pref OR NEW.run IS NOT OLD.run
    OR NEW.doctor IS NOT OLD.doctor
BEGIN
    SELECT RAISE(ABORT, 'confirmed dispatches are never removed nor moved to another request, run or doctor');
END;
