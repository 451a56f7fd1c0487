-- 007: population denominators, Census 2021 counts by area and ethnic group.
--
-- Loaded by `hubctl population load` from a CSV file (area, ONS ethnic group
-- number, count) in one transaction; rates per 1,000 and disproportionality
-- ratios divide by these counts. ons_number is the ons_number column of
-- api/codes/ethnic_group.csv (1-19). hubctl checks every line before a row
-- reaches this table; the checks here are the last line, not the first.
--
-- Census counts are public and the same for every partnership, so, unlike
-- every other table, this one has no partnership_id: one copy serves all
-- (under Citus it would be a reference table, copied to every node).

CREATE TABLE hub.population (
    -- An LSOA, a ward or a local authority (county, unitary, district,
    -- metropolitan or London borough; Welsh principal area), as in 006.
    area       text NOT NULL
               CHECK (area ~ '^(E01|W01|E05|W05|E06|E07|E08|E09|E10|W06)[0-9]{6}$'),
    ons_number smallint NOT NULL CHECK (ons_number BETWEEN 1 AND 19),
    count      integer NOT NULL CHECK (count >= 0),
    -- When this row's count was last written: a reload that finds the same
    -- count leaves the row, and this time, alone.
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (area, ons_number)
);

-- Row-level security although nothing here is confidential: every hub
-- table has it forced, so that a table without policies is the exception a
-- reviewer would have to look for, never a silent gap.
ALTER TABLE hub.population ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.population FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.population TO hub_owner USING (true) WITH CHECK (true);

-- Every caller reads every row, with no partner set too: the counts are
-- published Census figures, not partnership data, and the statistics that
-- divide by them run for public credentials as well. hub_app writes
-- nothing: only the owner loads (SELECT is its one grant).
CREATE POLICY app_read ON hub.population FOR SELECT TO hub_app USING (true);

GRANT SELECT ON hub.population TO hub_app;
