-- 010: the rollups behind the flow statistics (GET /v1/stats/repeat,
-- /v1/stats/referrals, /v1/stats/outcomes) and the functions that joint
-- targets and those endpoints read them through.
--
-- The cohort. Every figure belongs to a report: reports, their referrals
-- and their outcomes are counted under the month of the report's
-- occurred_from and under the report's strands, ethnic group and area,
-- whenever the referral or outcome itself happened. A period's figures are
-- therefore those of the reports that occurred in it, and they can still
-- move after the period ends (a referral answered, an outcome recorded).
-- Withdrawn reports drop out with everything under them.
--
-- hub.stats_flow_cell holds counts by (month, partner, measure, code,
-- strand set, ethnic group, area), in two cubes: 1 without area ('*'),
-- 2 with it. strands is the report's own set of strands, sorted, so a
-- filter on several strands counts each report once (strands && filter).
-- The partner a row is attributed to, and its code, by measure:
--   report    the report's owner;      code <repeat>/<referred|not_referred>
--   referral  the receiver;            code <status>/<timeliness>/<outcome|no_outcome>
--             status open, accepted or declined; timeliness in_time (answered
--             by due_on, in UTC), late (answered after), overdue (open, due_on
--             before today), not_yet_due; outcome: the receiver has recorded
--             an outcome on the report
--   outcome   the partner that recorded it; code <outcome code>/<yes|no|unanswered>
--             (victim_satisfied; unknown and none are unanswered)
--   days_any  reports with an outcome, by days from reported_on to the first
--             outcome of anyone (code: the days), to the report's owner
--   days_partner  the same to each partner's own first outcome on the
--             report, to that partner
-- The days measures are histograms, from which medians are taken.
-- keysum is the sum of the record keys (sql/009) of the reports counted,
-- each referral and outcome carrying its report's key: the cell key of
-- HUB_SDC=cellkey.
--
-- Refresh. Every month 009 notes for the report cubes is copied into
-- hub.stats_flow_change (a trigger on hub.stats_change), and statement
-- triggers on hub.referral and hub.outcome note their reports' months too.
-- hub.stats_refresh() (replaced below) rebuilds the cubes of 009 and then
-- these months. A referral becomes overdue without any write: each refresh
-- on a new (UTC) day notes the months of the open referrals whose due_on
-- passed since the last one (hub.stats_state.overdue_through).

CREATE TABLE hub.stats_flow_cell (
    partnership_id bigint NOT NULL,
    cube           smallint NOT NULL CHECK (cube IN (1, 2)),
    month          date NOT NULL,
    partner_id     bigint NOT NULL,
    measure        text NOT NULL CHECK (measure IN ('report', 'referral', 'outcome', 'days_any',
                                                    'days_partner')),
    code           text NOT NULL,
    strands        text[] NOT NULL,
    ethnic_group   text NOT NULL,
    area           text NOT NULL,
    n              bigint NOT NULL CHECK (n > 0),
    keysum         bigint NOT NULL,
    PRIMARY KEY (partnership_id, cube, month, measure, partner_id, code, strands, ethnic_group, area)
);

CREATE TABLE hub.stats_flow_change (
    change_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL,
    month          date NOT NULL
);

-- The day up to which overdue referrals are counted in the cubes.
ALTER TABLE hub.stats_state
    ADD COLUMN overdue_through date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date;

-- The open referrals that fall due, found by each day's first refresh.
CREATE INDEX referral_open_due ON hub.referral (due_on) WHERE status = 'open';

-- Cross-agency repeat subjects are counted straight from the reports that
-- carry a pseudonym (bench/README.md has the figure); this index holds
-- just those, with what the count and its filters read.
CREATE INDEX report_subject ON hub.report (partnership_id, occurred_from)
    INCLUDE (subject_hash, partner_id, area, ethnic_group, strands)
    WHERE subject_hash IS NOT NULL AND withdrawn_at IS NULL;

-- ---- noting changes ---------------------------------------------------------

-- The months 009 notes for report changes are the flow's too.
CREATE FUNCTION hub.stats_flow_note_months() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_flow_change (partnership_id, month)
    SELECT DISTINCT partnership_id, month FROM changed_months;
    RETURN NULL;
END $$;
CREATE TRIGGER stats_flow_note_months AFTER INSERT ON hub.stats_change
    REFERENCING NEW TABLE AS changed_months
    FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_months();

-- A referral or outcome changed: the month of its report. SECURITY DEFINER:
-- the writer may not see the report (a receiver's outcome) and has no
-- rights on the change table. The transition table is the new rows on
-- insert and update (report_id is not updated) and the old ones on delete.
CREATE FUNCTION hub.stats_flow_note_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    INSERT INTO hub.stats_flow_change (partnership_id, month)
    SELECT DISTINCT r.partnership_id, date_trunc('month', r.occurred_from)::date
      FROM hub.report r WHERE r.report_id IN (SELECT report_id FROM changed_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER stats_flow_note_insert AFTER INSERT ON hub.referral
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_rows();
CREATE TRIGGER stats_flow_note_update AFTER UPDATE ON hub.referral
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_rows();
CREATE TRIGGER stats_flow_note_delete AFTER DELETE ON hub.referral
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_rows();
CREATE TRIGGER stats_flow_note_insert AFTER INSERT ON hub.outcome
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_rows();
CREATE TRIGGER stats_flow_note_update AFTER UPDATE ON hub.outcome
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_rows();
CREATE TRIGGER stats_flow_note_delete AFTER DELETE ON hub.outcome
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.stats_flow_note_rows();

-- ---- the refresh ------------------------------------------------------------

-- Rebuilds the flow cubes of the months noted since the last refresh, and
-- of the months whose open referrals have fallen due since the last day
-- counted; returns how many (partnership, month) pairs. Called by
-- hub.stats_refresh under its lock. A change row commits with its write,
-- so any row seen has its write visible to the rebuild (as in 009).
CREATE FUNCTION hub.stats_refresh_flow() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub
SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    pairs   bigint;
    today   date := (now() AT TIME ZONE 'UTC')::date;
    through date;
BEGIN
    SELECT overdue_through INTO through FROM hub.stats_state;
    IF through < today THEN
        INSERT INTO hub.stats_flow_change (partnership_id, month)
        SELECT DISTINCT r.partnership_id, date_trunc('month', r.occurred_from)::date
          FROM hub.referral f JOIN hub.report r ON r.report_id = f.report_id
         WHERE f.status = 'open' AND f.due_on >= through AND f.due_on < today;
        UPDATE hub.stats_state SET overdue_through = today;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS flow_seen (change_id bigint) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS flow_months (partnership_id bigint, month date) ON COMMIT DROP;
    INSERT INTO flow_seen SELECT change_id FROM hub.stats_flow_change;
    INSERT INTO flow_months
    SELECT DISTINCT partnership_id, month FROM hub.stats_flow_change c
     WHERE c.change_id IN (SELECT change_id FROM flow_seen);
    GET DIAGNOSTICS pairs = ROW_COUNT;
    IF pairs > 0 THEN
        DELETE FROM hub.stats_flow_cell s USING flow_months m
         WHERE s.partnership_id = m.partnership_id AND s.month = m.month;
        CREATE TEMP TABLE flow_base ON COMMIT DROP AS
        SELECT r.partnership_id, m.month, r.report_id, r.partner_id, r.repeat, r.reported_on,
               ARRAY(SELECT DISTINCT s FROM unnest(r.strands) s ORDER BY s) AS strands,
               r.ethnic_group, r.area, r.record_key
          FROM flow_months m
          JOIN hub.report r ON r.partnership_id = m.partnership_id
                           AND r.occurred_from >= m.month
                           AND r.occurred_from < m.month + interval '1 month'
         WHERE r.withdrawn_at IS NULL;
        -- Days to each partner's first outcome on a report.
        CREATE TEMP TABLE flow_first ON COMMIT DROP AS
        SELECT b.report_id, o.partner_id, min(o.on_date) - b.reported_on AS days
          FROM flow_base b JOIN hub.outcome o ON o.report_id = b.report_id
         GROUP BY b.report_id, o.partner_id, b.reported_on;
        -- One row per counted thing: the reports, their referrals, their
        -- outcomes, and their days to a first outcome.
        CREATE TEMP TABLE flow_event ON COMMIT DROP AS
        SELECT b.partnership_id, b.month, b.partner_id, 'report' AS measure,
               b.repeat || CASE WHEN EXISTS (SELECT FROM hub.referral f WHERE f.report_id = b.report_id)
                                THEN '/referred' ELSE '/not_referred' END AS code,
               b.strands, b.ethnic_group, b.area, b.record_key
          FROM flow_base b
        UNION ALL
        SELECT b.partnership_id, b.month, f.to_partner, 'referral',
               f.status || '/' ||
               CASE WHEN f.status = 'open' THEN CASE WHEN f.due_on < today THEN 'overdue' ELSE 'not_yet_due' END
                    WHEN (f.answered_at AT TIME ZONE 'UTC')::date <= f.due_on THEN 'in_time'
                    ELSE 'late' END ||
               CASE WHEN EXISTS (SELECT FROM hub.outcome o
                                  WHERE o.report_id = b.report_id AND o.partner_id = f.to_partner)
                    THEN '/outcome' ELSE '/no_outcome' END,
               b.strands, b.ethnic_group, b.area, b.record_key
          FROM flow_base b JOIN hub.referral f ON f.report_id = b.report_id
        UNION ALL
        SELECT b.partnership_id, b.month, o.partner_id, 'outcome',
               o.outcome || '/' || CASE WHEN o.victim_satisfied IN ('yes', 'no') THEN o.victim_satisfied
                                        ELSE 'unanswered' END,
               b.strands, b.ethnic_group, b.area, b.record_key
          FROM flow_base b JOIN hub.outcome o ON o.report_id = b.report_id
        UNION ALL
        SELECT b.partnership_id, b.month, f.partner_id, 'days_partner', f.days::text,
               b.strands, b.ethnic_group, b.area, b.record_key
          FROM flow_base b JOIN flow_first f ON f.report_id = b.report_id
        UNION ALL
        SELECT b.partnership_id, b.month, b.partner_id, 'days_any', min(f.days)::text,
               b.strands, b.ethnic_group, b.area, b.record_key
          FROM flow_base b JOIN flow_first f ON f.report_id = b.report_id
         GROUP BY b.report_id, b.partnership_id, b.month, b.partner_id, b.strands, b.ethnic_group,
                  b.area, b.record_key;
        INSERT INTO hub.stats_flow_cell
        SELECT partnership_id, 1, month, partner_id, measure, code, strands, ethnic_group, '*',
               count(*), sum(record_key)
          FROM flow_event GROUP BY partnership_id, month, partner_id, measure, code, strands, ethnic_group;
        INSERT INTO hub.stats_flow_cell
        SELECT partnership_id, 2, month, partner_id, measure, code, strands, ethnic_group, area,
               count(*), sum(record_key)
          FROM flow_event
         GROUP BY partnership_id, month, partner_id, measure, code, strands, ethnic_group, area;
        DROP TABLE flow_base, flow_event, flow_first;
        DELETE FROM hub.stats_flow_change c WHERE c.change_id IN (SELECT change_id FROM flow_seen);
    END IF;
    TRUNCATE flow_seen, flow_months;
    RETURN pairs;
END $$;
REVOKE ALL ON FUNCTION hub.stats_refresh_flow() FROM PUBLIC;

-- hub.stats_refresh (what hubd's refresher calls) becomes both refreshes
-- under one lock: 009's, unchanged, under a new name (advisory locks are
-- re-entrant, so its own try succeeds), then the flow's. Returns the
-- pairs rebuilt by both.
ALTER FUNCTION hub.stats_refresh() RENAME TO stats_refresh_reports;
REVOKE ALL ON FUNCTION hub.stats_refresh_reports() FROM hub_app;
CREATE FUNCTION hub.stats_refresh() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('hub.stats_refresh')) THEN
        RETURN 0;
    END IF;
    RETURN hub.stats_refresh_reports() + hub.stats_refresh_flow();
END $$;
REVOKE ALL ON FUNCTION hub.stats_refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.stats_refresh() TO hub_app;

-- Every month that holds reports, once, so the first refresh builds the
-- flow cubes of the data already there.
INSERT INTO hub.stats_flow_change (partnership_id, month)
SELECT DISTINCT partnership_id, date_trunc('month', occurred_from)::date FROM hub.report;

ALTER TABLE hub.stats_flow_cell ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_flow_cell FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_flow_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.stats_flow_change FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.stats_flow_cell TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.stats_flow_change TO hub_owner USING (true) WITH CHECK (true);
-- As hub.stats_cell: any caller of the partnership reads its cells; hubd
-- publishes them only through disclosure control (sql/009).
CREATE POLICY app_read ON hub.stats_flow_cell FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership());
GRANT SELECT ON hub.stats_flow_cell TO hub_app;

-- ---- reading: the functions joint targets and hubd use -----------------------
--
-- Each takes the cohort: reports of the caller's partnership
-- (hub.current_partnership()) that occurred from p_from to p_to, which
-- must be the first and the last day of a month (the cubes are monthly;
-- anything else is refused rather than rounded); p_areas: GSS codes,
-- p_strands: strands (a report with any of them), p_ethnic: ONS 2021 ethnic
-- group codes (api/codes/ethnic_group.csv); a NULL array is no filter.
-- A count of zero has no row.

-- The cohort's first and last month; refuses a period that is not whole months.
CREATE FUNCTION hub.stats_cohort_months(p_from date, p_to date)
RETURNS TABLE (first_month date, last_month date)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, hub AS $$
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_from > p_to
       OR p_from <> date_trunc('month', p_from)::date
       OR p_to <> (date_trunc('month', p_to) + interval '1 month - 1 day')::date THEN
        RAISE EXCEPTION 'the cohort is whole months: p_from the first day of one, p_to the last day of one, p_from <= p_to'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    first_month := p_from;
    last_month := date_trunc('month', p_to)::date;
    RETURN NEXT;
END $$;

-- The cohort's rows of hub.stats_flow_cell, summed over months and areas:
-- the detail behind hub.stats_flow (the endpoints read it for their tables).
-- PL/pgSQL, so that the period is checked before anything else runs (an
-- inlined SQL function may never evaluate the check on an empty plan).
CREATE FUNCTION hub.stats_flow_cells(p_from date, p_to date, p_areas text[], p_strands text[],
                                     p_ethnic text[])
RETURNS TABLE (partner_id bigint, measure text, code text, ethnic_group text, strands text[],
               n bigint, keysum bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, hub AS $$
#variable_conflict use_column
DECLARE
    v_first date;
    v_last  date;
BEGIN
    SELECT m.first_month, m.last_month INTO v_first, v_last FROM hub.stats_cohort_months(p_from, p_to) m;
    RETURN QUERY
    SELECT c.partner_id, c.measure, c.code, c.ethnic_group, c.strands, sum(c.n)::bigint,
           sum(c.keysum)::bigint
      FROM hub.stats_flow_cell c
     WHERE c.partnership_id = hub.current_partnership()
       AND c.cube = CASE WHEN p_areas IS NULL THEN 1 ELSE 2 END
       AND c.month >= v_first AND c.month <= v_last
       AND (p_areas IS NULL OR c.area = ANY (p_areas))
       AND (p_strands IS NULL OR c.strands && p_strands)
       AND (p_ethnic IS NULL OR c.ethnic_group = ANY (p_ethnic))
     GROUP BY 1, 2, 3, 4, 5;
END $$;

-- THE CONTRACT for joint targets. Per partner the count is attributed to:
--   reports                 reports (not withdrawn) the partner owns
--   repeat_yes              of those, marked repeat: yes
--   reports_referred        of those, referred to at least one partner
--   referrals               referrals of the cohort's reports, to the receiver
--   accepted, declined, open          of those, by status (receiver)
--   due                     answered, or open past due_on (receiver)
--   answered_in_time        answered on or before due_on, UTC dates (receiver)
--   answered_late, overdue  answered after due_on; open past due_on (receiver)
--   accepted_with_outcome   accepted, and the receiver has recorded an outcome
--                           on the report (receiver)
--   outcomes                outcomes recorded on the cohort's reports, to the
--                           partner that recorded each
--   satisfaction_answered   of those, victim_satisfied yes or no (recorder)
--   satisfied               of those, yes (recorder)
-- n is the count, keysum the sum of the reports' record keys behind it
-- (sql/009: the cell key for HUB_SDC=cellkey). Figures are as of the last
-- refresh (hub.stats_state.refreshed_at), and not disclosure-controlled:
-- whoever publishes them applies the rules (hub/sdc.h).
CREATE FUNCTION hub.stats_flow(p_from date, p_to date, p_areas text[], p_strands text[],
                               p_ethnic text[])
RETURNS TABLE (partner_id bigint, measure text, n bigint, keysum bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, hub AS $$
SELECT c.partner_id, m.measure, sum(c.n)::bigint, sum(c.keysum)::bigint
  FROM hub.stats_flow_cells(p_from, p_to, p_areas, p_strands, p_ethnic) c,
       LATERAL (SELECT split_part(c.code, '/', 1) AS a, split_part(c.code, '/', 2) AS b,
                       split_part(c.code, '/', 3) AS d) p,
       LATERAL (VALUES
           ('reports', c.measure = 'report'),
           ('repeat_yes', c.measure = 'report' AND p.a = 'yes'),
           ('reports_referred', c.measure = 'report' AND p.b = 'referred'),
           ('referrals', c.measure = 'referral'),
           ('accepted', c.measure = 'referral' AND p.a = 'accepted'),
           ('declined', c.measure = 'referral' AND p.a = 'declined'),
           ('open', c.measure = 'referral' AND p.a = 'open'),
           ('due', c.measure = 'referral' AND p.b IN ('in_time', 'late', 'overdue')),
           ('answered_in_time', c.measure = 'referral' AND p.b = 'in_time'),
           ('answered_late', c.measure = 'referral' AND p.b = 'late'),
           ('overdue', c.measure = 'referral' AND p.b = 'overdue'),
           ('accepted_with_outcome', c.measure = 'referral' AND p.a = 'accepted' AND p.d = 'outcome'),
           ('outcomes', c.measure = 'outcome'),
           ('satisfaction_answered', c.measure = 'outcome' AND p.b IN ('yes', 'no')),
           ('satisfied', c.measure = 'outcome' AND p.b = 'yes')) AS m(measure, applies)
 WHERE m.applies
 GROUP BY 1, 2
$$;

-- The median of a histogram: values and how many times each occurs (in any
-- order, repeats allowed); the mean of the two middle values when the
-- total is even; NULL when empty.
CREATE FUNCTION hub.histogram_median(p_values integer[], p_counts bigint[]) RETURNS numeric
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, hub AS $$
SELECT round((min(v) FILTER (WHERE cum >= (total + 1) / 2) + min(v) FILTER (WHERE cum >= total / 2 + 1))::numeric / 2, 1)
  FROM (SELECT v, sum(k) OVER (ORDER BY v) AS cum, (sum(k) OVER ())::bigint AS total
          FROM unnest(p_values, p_counts) AS h(v, k) WHERE k > 0) x
$$;

-- Days from a report's reported_on to its first outcome, for the cohort:
-- per partner, the days to that partner's own first outcome on each report
-- it recorded one on; partner_id NULL, the whole partnership: the days to
-- the first outcome of anyone. n is how many reports.
CREATE FUNCTION hub.stats_days_to_outcome(p_from date, p_to date, p_areas text[],
                                          p_strands text[], p_ethnic text[])
RETURNS TABLE (partner_id bigint, n bigint, median_days numeric)
LANGUAGE sql STABLE SET search_path = pg_catalog, hub AS $$
SELECT h.partner_id, sum(h.n)::bigint, hub.histogram_median(array_agg(h.days), array_agg(h.n))
  FROM (SELECT CASE c.measure WHEN 'days_partner' THEN c.partner_id END AS partner_id,
               c.code::integer AS days, sum(c.n)::bigint AS n
          FROM hub.stats_flow_cells(p_from, p_to, p_areas, p_strands, p_ethnic) c
         WHERE c.measure IN ('days_any', 'days_partner')
         GROUP BY 1, 2) h
 GROUP BY 1
$$;

-- Cross-agency repeat victimisation: of the pseudonymous subjects
-- (subject_hash) of the cohort's reports, how many there are, how many
-- appear in reports of more than one partner, and of more than one partner
-- kind; matching is within the cohort. Counts only: no report, subject or
-- hash leaves the function. SECURITY DEFINER, because a partner cannot
-- see other partners' reports; scoped to hub.current_partnership().
-- Enough memory to group a year's subjects in memory. The
-- keysums (for HUB_SDC=cellkey) add each subject's first hash byte, a
-- keyed hash's byte and so unpredictable without the hub's key.
CREATE FUNCTION hub.stats_repeat_subjects_keyed(p_from date, p_to date, p_areas text[],
                                                p_strands text[], p_ethnic text[])
RETURNS TABLE (subjects bigint, multi_partner bigint, multi_kind bigint, subjects_keysum bigint,
               multi_partner_keysum bigint, multi_kind_keysum bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, hub
SET work_mem = '64MB' AS $$
BEGIN
    PERFORM hub.stats_cohort_months(p_from, p_to);
    RETURN QUERY
    -- "More than one" is min <> max: hashable, where count(DISTINCT) sorts.
    SELECT count(*), count(*) FILTER (WHERE s.partners), count(*) FILTER (WHERE s.kinds),
           coalesce(sum(s.key), 0)::bigint, coalesce(sum(s.key) FILTER (WHERE s.partners), 0)::bigint,
           coalesce(sum(s.key) FILTER (WHERE s.kinds), 0)::bigint
      FROM (SELECT get_byte(r.subject_hash, 0) AS key, min(r.partner_id) <> max(r.partner_id) AS partners,
                   min(p.kind) <> max(p.kind) AS kinds
              FROM hub.report r JOIN hub.partner p ON p.partner_id = r.partner_id
             WHERE r.partnership_id = hub.current_partnership()
               AND r.subject_hash IS NOT NULL AND r.withdrawn_at IS NULL
               AND r.occurred_from >= p_from AND r.occurred_from <= p_to
               AND (p_areas IS NULL OR r.area = ANY (p_areas))
               AND (p_strands IS NULL OR r.strands && p_strands)
               AND (p_ethnic IS NULL OR r.ethnic_group = ANY (p_ethnic))
             GROUP BY r.subject_hash) s;
END $$;

-- The contract's form of the same.
CREATE FUNCTION hub.stats_repeat_subjects(p_from date, p_to date, p_areas text[],
                                          p_strands text[], p_ethnic text[])
RETURNS TABLE (subjects bigint, multi_partner bigint, multi_kind bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, hub AS $$
SELECT s.subjects, s.multi_partner, s.multi_kind
  FROM hub.stats_repeat_subjects_keyed(p_from, p_to, p_areas, p_strands, p_ethnic) s
$$;

REVOKE ALL ON FUNCTION hub.stats_cohort_months(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.stats_flow_cells(date, date, text[], text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.stats_flow(date, date, text[], text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.histogram_median(integer[], bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.stats_days_to_outcome(date, date, text[], text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.stats_repeat_subjects_keyed(date, date, text[], text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub.stats_repeat_subjects(date, date, text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.stats_cohort_months(date, date) TO hub_app;
GRANT EXECUTE ON FUNCTION hub.stats_flow_cells(date, date, text[], text[], text[]) TO hub_app;
GRANT EXECUTE ON FUNCTION hub.stats_flow(date, date, text[], text[], text[]) TO hub_app;
GRANT EXECUTE ON FUNCTION hub.histogram_median(integer[], bigint[]) TO hub_app;
GRANT EXECUTE ON FUNCTION hub.stats_days_to_outcome(date, date, text[], text[], text[]) TO hub_app;
GRANT EXECUTE ON FUNCTION hub.stats_repeat_subjects_keyed(date, date, text[], text[], text[]) TO hub_app;
GRANT EXECUTE ON FUNCTION hub.stats_repeat_subjects(date, date, text[], text[], text[]) TO hub_app;
