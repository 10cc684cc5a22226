-- Versions for optimistic locking: a form carries the version of what it was made from, and
-- a save that finds another version refuses instead of overwriting someone else's change.
-- A doctor's version counts the changes to the doctor's record and to any of the doctor's
-- assignments (the store adds one in the transaction that writes them); a placement
-- round's, the changes to its settings; a document's, the replacements of that document.
-- Rows that exist already start at 1.

ALTER TABLE doctors ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE placement_rounds ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
