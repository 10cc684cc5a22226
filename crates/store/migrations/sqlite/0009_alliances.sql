-- Regional medical alliances (地域医療連携推進法人) and their member corporations (参加法人).
-- Each record is kept whole in `data` (validated on read) beside the columns that queries
-- filter and constrain on. A member is keyed by its alliance and its corporation's name; the
-- day it joined and the last day it was a member (NULL while it is one) select the members
-- on a date.

CREATE TABLE alliances (
    id TEXT PRIMARY KEY,
    pref TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX alliances_pref ON alliances (pref);

CREATE TABLE alliance_members (
    alliance TEXT NOT NULL REFERENCES alliances (id),
    corporation TEXT NOT NULL,
    joined TEXT NOT NULL,
    left_on TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (alliance, corporation),
    CHECK (left_on IS NULL OR left_on > joined)
);
