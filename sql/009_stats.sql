-- 009: the rollups behind the joint statistics (GET /v1/stats/…).
--
-- hub.stats_cell holds report counts by month of occurrence and partner in
-- four cubes, each over a few dimensions, so a statistics request sums a
-- few thousand rows instead of scanning the reports:
--   cube 1: strand, ethnic group
--   cube 2: strand, ethnic group, age band, channel
--   cube 3: strand, incident type, ethnic group
--   cube 4: strand, ethnic group, area
-- A dimension a cube does not carry is '*'. Strands and incident types are
-- multi-valued: a report counts once under each of its own and once under
-- '*' (all), so totals over '*' count reports, not report-strand pairs.
-- Withdrawn reports are not counted. keysum is the sum of the reports'
-- record keys (random, 0-255, drawn at ingest), from which the cell-key
-- method (HUB_SDC=cellkey) perturbs a published count.
--
-- The cubes are refreshed incrementally, off the request path: a statement
-- trigger appends the (partnership, month) pairs a change touched to
-- hub.stats_change, and hub.stats_refresh() (called by hubd every
-- HUB_STATS_REFRESH) recomputes those months and deletes the change rows
-- it saw. A change row commits with its report, so any change seen has its
-- report visible to the recompute (a later snapshot under READ COMMITTED);
-- a change not yet seen waits for the next refresh.

ALTER TABLE hub.report
    ADD COLUMN record_key smallint NOT NULL
        DEFAULT get_byte(uuid_send(gen_random_uuid()), 0) CHECK (record_key BETWEEN 0 AND 255);
CREATE INDEX report_occurred ON hub.report (partnership_id, occurred_from);

CREATE TABLE hub.stats_cell (
    partnership_id bigint NOT NULL,
    cube           smallint NOT NULL CHECK (cube BETWEEN 1 AND 4),
    month          date NOT NULL,
    partner_id     bigint NOT NULL,
    partner_kind   text NOT NULL,
    strand         text NOT NULL,
    incident_type  text NOT NULL,
    ethnic_group   text NOT NULL,
    age_band       text NOT NULL,
    channel        text NOT NULL,
    area           text NOT NULL,
    n              bigint NOT NULL CHECK (n > 0),
    keysum         bigint NOT NULL,
    PRIMARY KEY (partnership_id, cube, month, partner_id, strand, incident_type, ethnic_group,
                 age_band, channel, area)
);

CREATE TABLE hub.stats_change (
    change_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL,
    month          date NOT NULL
);

-- When the cubes were last refreshed (one row).
CREATE TABLE hub.stats_state (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    refreshed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO hub.stats_state DEFAULT VALUES;

-- The months a statement's reports touched, old and new. SECURITY DEFINER:
-- hub_app writes reports but has no rights on the change table.
CREATE FUNCTION hub.stats_note_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_change (partnership_id, month)
    SELECT DISTINCT partnership_id, date_trunc('month', occurred_from)::date FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION hub.stats_note_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_change (partnership_id, month)
    SELECT partnership_id, date_trunc('month', occurred_from)::date FROM new_rows
     UNION
    SELECT partnership_id, date_trunc('month', occurred_from)::date FROM old_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER stats_note_insert AFTER INSERT ON hub.report
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_note_insert();
CREATE TRIGGER stats_note_update AFTER UPDATE ON hub.report
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_note_update();

-- Recomputes the months changed since the last refresh; returns how many
-- (partnership, month) pairs. Only one refresh runs at a time (any number
-- of hubd processes may call it); the others return 0 at once.
-- Enough memory to aggregate a busy month in memory, and no JIT (its
-- compile time exceeds what it saves here).
CREATE FUNCTION hub.stats_refresh() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub
SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    pairs bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('hub.stats_refresh')) THEN
        RETURN 0;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS stats_seen (change_id bigint) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS stats_months (partnership_id bigint, month date) ON COMMIT DROP;
    INSERT INTO stats_seen SELECT change_id FROM hub.stats_change;
    INSERT INTO stats_months
    SELECT DISTINCT partnership_id, month FROM hub.stats_change c
     WHERE c.change_id IN (SELECT change_id FROM stats_seen);
    GET DIAGNOSTICS pairs = ROW_COUNT;
    IF pairs > 0 THEN
        DELETE FROM hub.stats_cell s USING stats_months m
         WHERE s.partnership_id = m.partnership_id AND s.month = m.month;
        -- The months' reports once, then each cube by its own few columns
        -- (one wide GROUP BY over all four made the planner sort on disk).
        CREATE TEMP TABLE stats_base ON COMMIT DROP AS
        SELECT r.partnership_id, m.month, r.partner_id, p.kind, r.strands || '{*}'::text[] AS strands,
               r.incident_types || '{*}'::text[] AS incident_types, r.ethnic_group, r.age_band,
               r.channel, r.area, r.record_key
          FROM stats_months m
          JOIN hub.report r ON r.partnership_id = m.partnership_id
                           AND r.occurred_from >= m.month
                           AND r.occurred_from < m.month + interval '1 month'
          JOIN hub.partner p ON p.partner_id = r.partner_id
         WHERE r.withdrawn_at IS NULL;
        ANALYZE stats_base;
        INSERT INTO hub.stats_cell
        SELECT partnership_id, 1, month, partner_id, kind, s, '*', ethnic_group, '*', '*', '*',
               count(*), sum(record_key)
          FROM stats_base, unnest(strands) s GROUP BY partnership_id, month, partner_id, kind, s, ethnic_group;
        INSERT INTO hub.stats_cell
        SELECT partnership_id, 2, month, partner_id, kind, s, '*', ethnic_group, age_band, channel, '*',
               count(*), sum(record_key)
          FROM stats_base, unnest(strands) s
         GROUP BY partnership_id, month, partner_id, kind, s, ethnic_group, age_band, channel;
        INSERT INTO hub.stats_cell
        SELECT partnership_id, 3, month, partner_id, kind, s, i, ethnic_group, '*', '*', '*',
               count(*), sum(record_key)
          FROM stats_base, unnest(strands) s, unnest(incident_types) i
         GROUP BY partnership_id, month, partner_id, kind, s, i, ethnic_group;
        INSERT INTO hub.stats_cell
        SELECT partnership_id, 4, month, partner_id, kind, s, '*', ethnic_group, '*', '*', area,
               count(*), sum(record_key)
          FROM stats_base, unnest(strands) s
         GROUP BY partnership_id, month, partner_id, kind, s, ethnic_group, area;
        DROP TABLE stats_base;
        DELETE FROM hub.stats_change c WHERE c.change_id IN (SELECT change_id FROM stats_seen);
    END IF;
    UPDATE hub.stats_state SET refreshed_at = now();
    TRUNCATE stats_seen, stats_months;
    RETURN pairs;
END $$;
REVOKE ALL ON FUNCTION hub.stats_refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.stats_refresh() TO hub_app;

ALTER TABLE hub.stats_cell ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_cell FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_change FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_state FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.stats_cell TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.stats_change TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.stats_state TO hub_owner USING (true) WITH CHECK (true);

-- Any caller of the partnership reads its cells, public credentials
-- included: hubd publishes them only through disclosure control, and a
-- partner's own cells unprotected only to that partner (scope=own).
CREATE POLICY app_read ON hub.stats_cell FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership());
CREATE POLICY app_read ON hub.stats_state FOR SELECT TO hub_app USING (true);
GRANT SELECT ON hub.stats_cell, hub.stats_state TO hub_app;
