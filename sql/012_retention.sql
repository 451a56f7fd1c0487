-- 012: retention. Reports whose retention period has ended are purged,
-- with their earlier versions, referrals and outcomes (hubctl retention
-- run), and the joint statistics keep counting them.
--
-- When a report's period ends. A partnership keeps a report for its
-- retention_months after the last date of the case it records, the latest of
--   occurred_to    the end of the incident;
--   reported_on    the day it was reported, when later: an incident reported
--                  years afterwards is kept the whole period from the day
--                  the victim came forward, not purged on arrival;
--   withdrawn_at   its withdrawal: a withdrawn report is kept as long after
--                  the partner's decision, so that the decision can be
--                  reviewed under the agreement;
--   its referrals' created_at and answered_at, and its outcomes' on_date
--                  and created_at: a case that partners are still working
--                  on is not taken away from them.
-- The hub's own created_at and updated_at are not among them: a copy that
-- reached the hub late, or an amendment correcting it, does not make the
-- information younger (an amendment that changes the incident's dates
-- moves the period with them). The period counts calendar months on UTC
-- dates, as the rest of the hub: a last date of 2020-03-31 with 72 months
-- is kept through 2026-03-31 and purged from 2026-04-01.
--
-- The statistics. hubd's refresher rebuilds a month of hub.stats_cell
-- (009) from the reports in it, so a purged report would drop out of its
-- month at the next change in that month, and the figures published for
-- that month would fall. A purge therefore adds the cells of the reports it
-- removes to hub.stats_purged_cell (the same four cubes, the same key),
-- and whenever the refresher rebuilds a month it adds the month's purged
-- cells back. It does so through a trigger on the deletion of
-- hub.stats_change rows: the refresher deletes the change rows it took,
-- after rebuilding their months, in the same transaction (009), so the
-- months deleted are exactly the months just rebuilt. Counts and keysums
-- add up, so a month's cells after a purge are what they were before it,
-- under either disclosure control method, and a later report in the month
-- adds to them as it would have. A purge holds the refresher's advisory
-- lock until it commits (refreshes skip meanwhile): a refresh that read
-- the reports before a purge and the purged cells after it would count
-- the purged reports twice.
--
-- What is gone is gone: the purged cells hold counts by cube, month and
-- partner only, as hub.stats_cell does, never a report.

-- Deleting a report checks report_version's foreign key by report_id
-- alone; its primary key leads with partnership_id.
CREATE INDEX report_version_report ON hub.report_version (report_id);

CREATE TABLE hub.stats_purged_cell (LIKE hub.stats_cell INCLUDING CONSTRAINTS);
ALTER TABLE hub.stats_purged_cell
    ADD PRIMARY KEY (partnership_id, cube, month, partner_id, strand, incident_type, ethnic_group,
                     age_band, channel, area);

-- Adds the purged cells of the months the refresher has just rebuilt.
CREATE FUNCTION hub.stats_add_purged() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_cell AS c (partnership_id, cube, month, partner_id, partner_kind, strand,
                                     incident_type, ethnic_group, age_band, channel, area, n, keysum)
    SELECT p.partnership_id, p.cube, p.month, p.partner_id, p.partner_kind, p.strand,
           p.incident_type, p.ethnic_group, p.age_band, p.channel, p.area, p.n, p.keysum
      FROM hub.stats_purged_cell p
      JOIN (SELECT DISTINCT partnership_id, month FROM taken) m
        ON m.partnership_id = p.partnership_id AND m.month = p.month
    ON CONFLICT (partnership_id, cube, month, partner_id, strand, incident_type, ethnic_group,
                 age_band, channel, area)
    DO UPDATE SET n = c.n + EXCLUDED.n, keysum = c.keysum + EXCLUDED.keysum;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_add_purged AFTER DELETE ON hub.stats_change
    REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_add_purged();

-- 009 notes inserts and updates; a deletion changes its months too.
CREATE FUNCTION hub.stats_note_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_change (partnership_id, month)
    SELECT DISTINCT partnership_id, date_trunc('month', occurred_from)::date FROM old_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_note_delete AFTER DELETE ON hub.report
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_note_delete();

-- The reports of a partnership whose retention period ended before
-- p_today (see the top of this file). The first condition is implied by
-- the second (x + n months < today gives x <= today - n months) and lets
-- the scan skip the recent reports by report_occurred (009).
CREATE FUNCTION hub.retention_expired(p_partnership bigint, p_today date)
RETURNS TABLE (report_id bigint)
LANGUAGE sql STABLE
AS $$
SELECT r.report_id
  FROM hub.partnership ps
  JOIN hub.report r ON r.partnership_id = ps.partnership_id
 WHERE ps.partnership_id = p_partnership
   AND r.occurred_from <= (p_today - make_interval(months => ps.retention_months))::date
   AND greatest(r.occurred_to, r.reported_on, (r.withdrawn_at AT TIME ZONE 'UTC')::date)
       + make_interval(months => ps.retention_months) < p_today
   AND NOT EXISTS (SELECT FROM hub.referral f
                    WHERE f.report_id = r.report_id
                      AND (greatest(f.created_at, f.answered_at) AT TIME ZONE 'UTC')::date
                          + make_interval(months => ps.retention_months) >= p_today)
   AND NOT EXISTS (SELECT FROM hub.outcome o
                    WHERE o.report_id = r.report_id
                      AND greatest(o.on_date, (o.created_at AT TIME ZONE 'UTC')::date)
                          + make_interval(months => ps.retention_months) >= p_today)
$$;

-- Purges one partnership's reports whose period ended before p_today
-- (NULL: today, UTC), in the caller's transaction, and returns what it
-- removed: reports (of which withdrawn, which were not in the statistics),
-- their earlier versions, referrals and outcomes, and the months whose
-- statistics keep them. Writes one audit row (action retention.purge,
-- request_id p_request_id, object_type naming the four counts and
-- object_id holding them, e.g. '12/3/4/2'), also when nothing was due, so
-- that every run leaves its trace. With p_dry_run it only counts, locks
-- nothing and writes nothing.
CREATE FUNCTION hub.retention_purge(p_partnership bigint, p_today date, p_request_id text,
                                    p_dry_run boolean)
RETURNS TABLE (reports bigint, withdrawn bigint, versions bigint, referrals bigint,
               outcomes bigint, months bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, hub SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    today date := coalesce(p_today, (now() AT TIME ZONE 'UTC')::date);
BEGIN
    IF NOT EXISTS (SELECT FROM hub.partnership ps WHERE ps.partnership_id = p_partnership) THEN
        RAISE EXCEPTION 'no partnership %', p_partnership USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT p_dry_run AND today > (now() AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION 'a purge cannot run as of a later day than today'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    CREATE TEMP TABLE retention_due (report_id bigint PRIMARY KEY) ON COMMIT DROP;

    IF p_dry_run THEN
        INSERT INTO retention_due SELECT e.report_id FROM hub.retention_expired(p_partnership, today) e;
    ELSE
        -- No refresh between here and the commit (see the top of this file).
        PERFORM pg_advisory_xact_lock(hashtext('hub.stats_refresh'));
        INSERT INTO retention_due SELECT e.report_id FROM hub.retention_expired(p_partnership, today) e;
        -- Lock what will go: the reports (no amendment, withdrawal, new
        -- referral or outcome can commit on them now) and their referrals
        -- (no answer either); then look again, in a snapshot taken after
        -- the locks, and keep only the reports still due.
        PERFORM FROM hub.report r WHERE r.report_id IN (SELECT d.report_id FROM retention_due d)
            FOR UPDATE;
        PERFORM FROM hub.referral f WHERE f.report_id IN (SELECT d.report_id FROM retention_due d)
            FOR UPDATE;
        DELETE FROM retention_due d
         WHERE NOT EXISTS (SELECT FROM hub.retention_expired(p_partnership, today) e
                            WHERE e.report_id = d.report_id);
    END IF;
    ANALYZE retention_due;

    SELECT count(*), count(*) FILTER (WHERE r.withdrawn_at IS NOT NULL),
           count(DISTINCT date_trunc('month', r.occurred_from)) FILTER (WHERE r.withdrawn_at IS NULL)
      INTO reports, withdrawn, months
      FROM retention_due d JOIN hub.report r ON r.report_id = d.report_id;

    IF p_dry_run THEN
        SELECT count(*) INTO versions FROM hub.report_version v
         WHERE v.report_id IN (SELECT d.report_id FROM retention_due d);
        SELECT count(*) INTO referrals FROM hub.referral f
         WHERE f.report_id IN (SELECT d.report_id FROM retention_due d);
        SELECT count(*) INTO outcomes FROM hub.outcome o
         WHERE o.report_id IN (SELECT d.report_id FROM retention_due d);
        DROP TABLE retention_due;
        RETURN NEXT;
        RETURN;
    END IF;

    -- The reports' cells, as 009's refresher makes them (its cubes, its
    -- columns), added to the purged cells.
    CREATE TEMP TABLE retention_base ON COMMIT DROP AS
    SELECT r.partnership_id, date_trunc('month', r.occurred_from)::date AS month, r.partner_id,
           p.kind, r.strands || '{*}'::text[] AS strands,
           r.incident_types || '{*}'::text[] AS incident_types, r.ethnic_group, r.age_band,
           r.channel, r.area, r.record_key
      FROM retention_due d
      JOIN hub.report r ON r.report_id = d.report_id
      JOIN hub.partner p ON p.partner_id = r.partner_id
     WHERE r.withdrawn_at IS NULL;
    INSERT INTO hub.stats_purged_cell AS c (partnership_id, cube, month, partner_id, partner_kind,
                                            strand, incident_type, ethnic_group, age_band, channel,
                                            area, n, keysum)
    SELECT partnership_id, 1, month, partner_id, kind, s, '*', ethnic_group, '*', '*', '*',
           count(*), sum(record_key)
      FROM retention_base, unnest(strands) s
     GROUP BY partnership_id, month, partner_id, kind, s, ethnic_group
    UNION ALL
    SELECT partnership_id, 2, month, partner_id, kind, s, '*', ethnic_group, age_band, channel, '*',
           count(*), sum(record_key)
      FROM retention_base, unnest(strands) s
     GROUP BY partnership_id, month, partner_id, kind, s, ethnic_group, age_band, channel
    UNION ALL
    SELECT partnership_id, 3, month, partner_id, kind, s, i, ethnic_group, '*', '*', '*',
           count(*), sum(record_key)
      FROM retention_base, unnest(strands) s, unnest(incident_types) i
     GROUP BY partnership_id, month, partner_id, kind, s, i, ethnic_group
    UNION ALL
    SELECT partnership_id, 4, month, partner_id, kind, s, '*', ethnic_group, '*', '*', area,
           count(*), sum(record_key)
      FROM retention_base, unnest(strands) s
     GROUP BY partnership_id, month, partner_id, kind, s, ethnic_group, area
    ON CONFLICT (partnership_id, cube, month, partner_id, strand, incident_type, ethnic_group,
                 age_band, channel, area)
    DO UPDATE SET n = c.n + EXCLUDED.n, keysum = c.keysum + EXCLUDED.keysum;
    DROP TABLE retention_base;

    DELETE FROM hub.outcome o WHERE o.report_id IN (SELECT d.report_id FROM retention_due d);
    GET DIAGNOSTICS outcomes = ROW_COUNT;
    DELETE FROM hub.referral f WHERE f.report_id IN (SELECT d.report_id FROM retention_due d);
    GET DIAGNOSTICS referrals = ROW_COUNT;
    DELETE FROM hub.report_version v WHERE v.report_id IN (SELECT d.report_id FROM retention_due d);
    GET DIAGNOSTICS versions = ROW_COUNT;
    -- The report deletion notes its months for the refresher (above).
    DELETE FROM hub.report r WHERE r.report_id IN (SELECT d.report_id FROM retention_due d);
    DROP TABLE retention_due;

    INSERT INTO hub.audit_log (partnership_id, request_id, action, object_type, object_id, outcome)
    VALUES (p_partnership, p_request_id, 'retention.purge', 'reports/versions/referrals/outcomes',
            format('%s/%s/%s/%s', reports, versions, referrals, outcomes), 'ok');
    RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION hub.retention_expired(bigint, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.retention_purge(bigint, date, text, boolean) FROM PUBLIC;

ALTER TABLE hub.stats_purged_cell ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_purged_cell FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.stats_purged_cell TO hub_owner USING (true) WITH CHECK (true);
