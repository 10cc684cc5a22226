-- The staff lending ledger of alliances (職員の相互派遣・人事交流): a person lent by one member
-- corporation to another over a period, with the minutes worked at the borrower per month.
-- The record is kept whole in `data` (validated on read) beside the columns queries filter
-- on; `months` lists the months with hours as 'YYYY-MM;' items, for the month filter. Both
-- members must be members of the alliance on the start day; the store checks that, as it
-- checks the doctor, who must be in the register when given.

CREATE TABLE staff_loans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance TEXT NOT NULL REFERENCES alliances (id),
    from_corporation TEXT NOT NULL,
    to_corporation TEXT NOT NULL,
    doctor TEXT REFERENCES doctors (id),
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    months TEXT NOT NULL,
    data TEXT NOT NULL,
    CHECK (end_on >= start_on),
    CHECK (from_corporation <> to_corporation)
);
CREATE INDEX staff_loans_alliance ON staff_loans (alliance, start_on);
CREATE INDEX staff_loans_doctor ON staff_loans (doctor);
