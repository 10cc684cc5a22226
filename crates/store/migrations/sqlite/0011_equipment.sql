-- Shared equipment of alliances (共同利用機器) and its bookings. Each record is kept whole in
-- `data` (validated on read) beside the columns queries filter on. The owner and the booking
-- member must be members of the alliance (the owner at some time, the booker on
-- the booking's start day); the store checks that. Bookings of one piece of equipment never
-- overlap (`start_at` inclusive, `end_at` exclusive): the store checks that with the
-- equipment row locked, so that two bookings of one slot cannot both succeed.

CREATE TABLE equipment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance TEXT NOT NULL REFERENCES alliances (id),
    owner_corporation TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX equipment_alliance ON equipment (alliance);

CREATE TABLE equipment_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    equipment INTEGER NOT NULL REFERENCES equipment (id),
    by_corporation TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    data TEXT NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX equipment_bookings_equipment ON equipment_bookings (equipment, start_at);
