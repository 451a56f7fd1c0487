-- 013: a retention purge keeps the flow statistics too (010).
--
-- 012 keeps the report cubes of 009 by adding the purged reports' cells
-- back whenever the refresher rebuilds their months. The flow cubes
-- (referrals, outcomes, days to outcome) are kept the same way, but their
-- cells are not rebuilt here from the purged reports, which would copy
-- 010's rules: a purge measures them instead. It brings the rollups up to
-- date, notes the flow cells of the months it will touch, purges (012),
-- rebuilds those months from what is left, and keeps the difference in
-- hub.stats_flow_purged_cell, which a trigger adds back on every later
-- rebuild of the month, as 012 does for the report cubes.
--
-- What cannot be kept: the cross-agency repeat counts (GET
-- /v1/stats/repeat, hub.stats_repeat_subjects) count distinct pseudonyms
-- in the reports, and a purged report's pseudonym is gone, as retention
-- intends; those counts fall when reports are purged.

CREATE TABLE hub.stats_flow_purged_cell (LIKE hub.stats_flow_cell INCLUDING CONSTRAINTS);
ALTER TABLE hub.stats_flow_purged_cell
    ADD PRIMARY KEY (partnership_id, cube, month, measure, partner_id, code, strands, ethnic_group,
                     area);
ALTER TABLE hub.stats_flow_purged_cell ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_flow_purged_cell FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.stats_flow_purged_cell TO hub_owner USING (true) WITH CHECK (true);

-- Adds the purged flow cells of the months the refresher has just rebuilt
-- (it deletes their change rows right after rebuilding them, as 009's
-- refresher does; see 012).
CREATE FUNCTION hub.stats_flow_add_purged() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_flow_cell AS c
    SELECT p.* FROM hub.stats_flow_purged_cell p
      JOIN (SELECT DISTINCT partnership_id, month FROM taken) m
        ON m.partnership_id = p.partnership_id AND m.month = p.month
    ON CONFLICT (partnership_id, cube, month, measure, partner_id, code, strands, ethnic_group, area)
    DO UPDATE SET n = c.n + EXCLUDED.n, keysum = c.keysum + EXCLUDED.keysum;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_flow_add_purged AFTER DELETE ON hub.stats_flow_change
    REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_add_purged();

-- 012's purge, wrapped: same arguments, same answer.
ALTER FUNCTION hub.retention_purge(bigint, date, text, boolean) RENAME TO retention_purge_reports;

CREATE FUNCTION hub.retention_purge(p_partnership bigint, p_today date, p_request_id text,
                                    p_dry_run boolean)
RETURNS TABLE (reports bigint, withdrawn bigint, versions bigint, referrals bigint,
               outcomes bigint, months bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, hub SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    today date := coalesce(p_today, (now() AT TIME ZONE 'UTC')::date);
BEGIN
    IF p_dry_run THEN
        RETURN QUERY SELECT * FROM hub.retention_purge_reports(p_partnership, p_today, p_request_id,
                                                                true);
        RETURN;
    END IF;
    -- The refresher's lock until commit (012 takes it again: it is
    -- re-entrant), and every pending change rebuilt, so that the cells
    -- noted below are the true figures of their months.
    PERFORM pg_advisory_xact_lock(hashtext('hub.stats_refresh'));
    PERFORM hub.stats_refresh_reports();
    PERFORM hub.stats_refresh_flow();
    CREATE TEMP TABLE retention_flow_before ON COMMIT DROP AS
    SELECT c.* FROM hub.stats_flow_cell c
     WHERE c.partnership_id = p_partnership
       AND c.month IN (SELECT DISTINCT date_trunc('month', r.occurred_from)::date
                         FROM hub.retention_expired(p_partnership, today) e
                         JOIN hub.report r ON r.report_id = e.report_id);

    RETURN QUERY SELECT * FROM hub.retention_purge_reports(p_partnership, p_today, p_request_id,
                                                            false);

    -- Rebuilt without the purged reports (and with earlier purges added
    -- back); what the purge took is the difference.
    PERFORM hub.stats_refresh_reports();
    PERFORM hub.stats_refresh_flow();
    CREATE TEMP TABLE retention_flow_taken ON COMMIT DROP AS
    SELECT b.partnership_id, b.cube, b.month, b.measure, b.partner_id, b.code, b.strands,
           b.ethnic_group, b.area, b.n - coalesce(a.n, 0) AS n,
           b.keysum - coalesce(a.keysum, 0) AS keysum
      FROM retention_flow_before b
      LEFT JOIN hub.stats_flow_cell a
        ON (a.partnership_id, a.cube, a.month, a.measure, a.partner_id, a.code, a.strands,
            a.ethnic_group, a.area)
         = (b.partnership_id, b.cube, b.month, b.measure, b.partner_id, b.code, b.strands,
            b.ethnic_group, b.area)
     WHERE b.n > coalesce(a.n, 0);
    INSERT INTO hub.stats_flow_purged_cell AS c
    SELECT partnership_id, cube, month, partner_id, measure, code, strands, ethnic_group, area, n,
           keysum
      FROM retention_flow_taken
    ON CONFLICT (partnership_id, cube, month, measure, partner_id, code, strands, ethnic_group, area)
    DO UPDATE SET n = c.n + EXCLUDED.n, keysum = c.keysum + EXCLUDED.keysum;
    -- The months were rebuilt before these cells existed: add them now.
    INSERT INTO hub.stats_flow_cell AS c
    SELECT partnership_id, cube, month, partner_id, measure, code, strands, ethnic_group, area, n,
           keysum
      FROM retention_flow_taken
    ON CONFLICT (partnership_id, cube, month, measure, partner_id, code, strands, ethnic_group, area)
    DO UPDATE SET n = c.n + EXCLUDED.n, keysum = c.keysum + EXCLUDED.keysum;
    DROP TABLE retention_flow_before, retention_flow_taken;
END $$;
REVOKE ALL ON FUNCTION hub.retention_purge(bigint, date, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.retention_purge_reports(bigint, date, text, boolean) FROM PUBLIC;
