-- demo.sql: SYNTHETIC demo data for one partnership. Everything written here
-- is made up: no real people, incidents, areas or figures.
--
--   psql -X -v ON_ERROR_STOP=1 -v partnership=ID -v police=ID -v council=ID \
--        -v health=ID -v community=ID -f sql/demo/demo.sql OWNER_CONNINFO
--
-- Run from the repository root, as the owner role (hub_owner: row-level
-- security lets it write everything through the owner_all policies). It
-- reads the code lists from api/codes/ and the population from
-- sql/demo/synthetic-population.csv, and writes, in one transaction:
--   * about 3,000 reports over the two years before current_date;
--   * referrals of about a fifth of them, and their answers;
--   * outcomes, by the owner or by a partner that accepted a referral;
--   * outcome indicators by ethnic group for the synthetic local authority
--     E08099001, yearly and quarterly from 2025.
-- Deterministic (setseed) for a given current_date. If the partnership
-- already holds DEMO- reports it does nothing and says so in a NOTICE.
\set ON_ERROR_STOP on
BEGIN;
-- The rows are few, but pick()'s default cost estimate lifts the plans over
-- the JIT threshold, and compiling them would take longer than running them.
SET LOCAL jit = off;
-- Dates are UTC dates, as hubd's. Nothing is stamped later than the start
-- of today, so that the data depend on the date alone, not the hour.
SET LOCAL TimeZone = 'UTC';
SELECT current_date::timestamptz AS cutoff \gset

CREATE TEMP TABLE demo_param ON COMMIT DROP AS
SELECT :'partnership'::bigint AS partnership, :'police'::bigint AS police,
       :'council'::bigint AS council, :'health'::bigint AS health,
       :'community'::bigint AS community;

-- One loader at a time per partnership: the second waits, then finds the
-- first one's rows.
SELECT pg_advisory_xact_lock(hashtext('hub demo data'), (partnership % 2147483647)::integer)
  FROM demo_param \gset
SELECT EXISTS (SELECT FROM hub.report r, demo_param p
                WHERE r.partnership_id = p.partnership AND r.external_ref LIKE 'DEMO-%')
       AS demo_loaded \gset

\if :demo_loaded
DO $$
BEGIN
    RAISE NOTICE 'demo data: partnership % already has DEMO- reports; nothing done',
        (SELECT partnership FROM demo_param);
END $$;
\else

-- The four partners must be the partnership's, of the kinds their names say.
DO $$
DECLARE
    p demo_param;
    k text;
    id bigint;
BEGIN
    SELECT * INTO p FROM demo_param;
    FOREACH k IN ARRAY ARRAY['police', 'council', 'health', 'community'] LOOP
        id := CASE k WHEN 'police' THEN p.police WHEN 'council' THEN p.council
                     WHEN 'health' THEN p.health ELSE p.community END;
        IF NOT EXISTS (SELECT FROM hub.partner
                        WHERE partner_id = id AND partnership_id = p.partnership AND kind = k) THEN
            RAISE EXCEPTION 'demo data: partner % is not a % partner of partnership %',
                id, k, p.partnership;
        END IF;
    END LOOP;
END $$;

-- ---- the code lists, straight from api/codes ---------------------------------
-- Two-column lists (code,label) go into one table, tagged with their name.
CREATE TEMP TABLE demo_code (list text, code text NOT NULL, label text) ON COMMIT DROP;
\copy demo_code (code, label) FROM 'api/codes/strand.csv' CSV HEADER
UPDATE demo_code SET list = 'strand' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/incident_type.csv' CSV HEADER
UPDATE demo_code SET list = 'incident_type' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/location_type.csv' CSV HEADER
UPDATE demo_code SET list = 'location_type' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/age_band.csv' CSV HEADER
UPDATE demo_code SET list = 'age_band' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/sex.csv' CSV HEADER
UPDATE demo_code SET list = 'sex' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/repeat.csv' CSV HEADER
UPDATE demo_code SET list = 'repeat' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/channel.csv' CSV HEADER
UPDATE demo_code SET list = 'channel' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/referral_reason.csv' CSV HEADER
UPDATE demo_code SET list = 'referral_reason' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/decline_reason.csv' CSV HEADER
UPDATE demo_code SET list = 'decline_reason' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/victim_satisfied.csv' CSV HEADER
UPDATE demo_code SET list = 'victim_satisfied' WHERE list IS NULL;
\copy demo_code (code, label) FROM 'api/codes/ethnic_high_level_group.csv' CSV HEADER
UPDATE demo_code SET list = 'ethnic_high_level_group' WHERE list IS NULL;

CREATE TEMP TABLE demo_ethnic (code text, label text, ons_number integer, high_level_group text)
    ON COMMIT DROP;
\copy demo_ethnic FROM 'api/codes/ethnic_group.csv' CSV HEADER
-- The police and NHS crosswalks into ONS 2021, one table, tagged by scheme.
CREATE TEMP TABLE demo_native (scheme text, code text, label text, ons_code text, exact boolean)
    ON COMMIT DROP;
\copy demo_native (code, label, ons_code, exact) FROM 'api/codes/ethnic_police.csv' CSV HEADER
UPDATE demo_native SET scheme = 'police' WHERE scheme IS NULL;
\copy demo_native (code, label, ons_code, exact) FROM 'api/codes/ethnic_nhs.csv' CSV HEADER
UPDATE demo_native SET scheme = 'nhs' WHERE scheme IS NULL;
CREATE TEMP TABLE demo_urgency (code text, label text, ack_column text) ON COMMIT DROP;
\copy demo_urgency FROM 'api/codes/urgency.csv' CSV HEADER
CREATE TEMP TABLE demo_outcome (code text, label text, kinds text) ON COMMIT DROP;
\copy demo_outcome FROM 'api/codes/outcome.csv' CSV HEADER
CREATE TEMP TABLE demo_indicator (code text, label text, theme text, unit text, per integer,
                                  higher_is_better boolean) ON COMMIT DROP;
\copy demo_indicator FROM 'api/codes/indicator.csv' CSV HEADER

-- The synthetic population (area, ONS number, residents).
CREATE TEMP TABLE demo_pop (area text, ons_number integer, count integer) ON COMMIT DROP;
\copy demo_pop FROM 'sql/demo/synthetic-population.csv' CSV HEADER

-- ---- how often each code is drawn ---------------------------------------------
-- (list, context, code, weight): the context is the partner kind where the
-- mix differs between agencies. 'strands' codes are whole arrays; 'kind'
-- and 'to_kind' are partner kinds, not codes.
CREATE TEMP TABLE demo_weight (list text, ctx text, code text, weight float8) ON COMMIT DROP;
INSERT INTO demo_weight VALUES
    -- who the report reaches: the police most, then the council, the
    -- community reporting centre, the NHS trust
    ('kind', '', 'police', 43), ('kind', '', 'council', 27), ('kind', '', 'community', 18),
    ('kind', '', 'health', 12),
    ('strands', '', '{race}', 58), ('strands', '', '{race,religion}', 26),
    ('strands', '', '{religion}', 4), ('strands', '', '{sexual_orientation}', 4),
    ('strands', '', '{disability}', 3), ('strands', '', '{race,sex_gender}', 2),
    ('strands', '', '{transgender_identity}', 1.5), ('strands', '', '{race,disability}', 1),
    ('strands', '', '{other}', 0.5),
    ('incident_type', '', 'verbal_abuse', 40), ('incident_type', '', 'harassment', 20),
    ('incident_type', '', 'threats', 14), ('incident_type', '', 'physical_assault', 8),
    ('incident_type', '', 'criminal_damage', 6), ('incident_type', '', 'graffiti', 3),
    ('incident_type', '', 'online_abuse', 4), ('incident_type', '', 'service_discrimination', 3),
    ('incident_type', '', 'other', 2),
    ('incident_type', 'online', 'online_abuse', 70), ('incident_type', 'online', 'threats', 15),
    ('incident_type', 'online', 'harassment', 15),
    ('location_type', 'police', 'street', 30), ('location_type', 'police', 'home', 24),
    ('location_type', 'police', 'public_transport', 8),
    ('location_type', 'police', 'shop_or_business', 10),
    ('location_type', 'police', 'workplace', 6),
    ('location_type', 'police', 'school_or_college', 3),
    ('location_type', 'police', 'place_of_worship', 3), ('location_type', 'police', 'online', 9),
    ('location_type', 'police', 'health_setting', 1), ('location_type', 'police', 'other', 6),
    ('location_type', 'council', 'home', 52), ('location_type', 'council', 'street', 20),
    ('location_type', 'council', 'shop_or_business', 4),
    ('location_type', 'council', 'school_or_college', 9),
    ('location_type', 'council', 'workplace', 3), ('location_type', 'council', 'online', 5),
    ('location_type', 'council', 'other', 7),
    ('location_type', 'health', 'health_setting', 48), ('location_type', 'health', 'home', 18),
    ('location_type', 'health', 'street', 15), ('location_type', 'health', 'workplace', 10),
    ('location_type', 'health', 'online', 3), ('location_type', 'health', 'other', 6),
    ('location_type', 'community', 'street', 25), ('location_type', 'community', 'home', 20),
    ('location_type', 'community', 'public_transport', 10),
    ('location_type', 'community', 'online', 15),
    ('location_type', 'community', 'shop_or_business', 10),
    ('location_type', 'community', 'place_of_worship', 7),
    ('location_type', 'community', 'workplace', 6),
    ('location_type', 'community', 'school_or_college', 4),
    ('location_type', 'community', 'other', 3),
    ('channel', 'police', 'telephone', 45), ('channel', 'police', 'online', 25),
    ('channel', 'police', 'in_person', 20), ('channel', 'police', 'agency_referral', 5),
    ('channel', 'police', 'email', 3), ('channel', 'police', 'other', 2),
    ('channel', 'council', 'telephone', 35), ('channel', 'council', 'online', 25),
    ('channel', 'council', 'in_person', 18), ('channel', 'council', 'email', 10),
    ('channel', 'council', 'agency_referral', 8), ('channel', 'council', 'letter', 4),
    ('channel', 'health', 'in_person', 70), ('channel', 'health', 'telephone', 15),
    ('channel', 'health', 'agency_referral', 10), ('channel', 'health', 'other', 5),
    ('channel', 'community', 'third_party_centre', 60), ('channel', 'community', 'in_person', 15),
    ('channel', 'community', 'online', 15), ('channel', 'community', 'telephone', 10),
    ('age_band', '', '0-15', 7), ('age_band', '', '16-24', 17), ('age_band', '', '25-34', 24),
    ('age_band', '', '35-44', 21), ('age_band', '', '45-54', 14), ('age_band', '', '55-64', 8),
    ('age_band', '', '65+', 5), ('age_band', '', 'unknown', 4),
    ('sex', '', 'female', 47), ('sex', '', 'male', 48), ('sex', '', 'other', 1),
    ('sex', '', 'not_stated', 4),
    ('repeat', 'first', 'yes', 18), ('repeat', 'first', 'no', 62),
    ('repeat', 'first', 'unknown', 20),
    ('repeat', 'again', 'yes', 85), ('repeat', 'again', 'unknown', 15),
    -- referrals: to whom, by the sender's kind; why, by the receiver's kind
    ('to_kind', 'police', 'council', 62), ('to_kind', 'police', 'community', 23),
    ('to_kind', 'police', 'health', 15),
    ('to_kind', 'council', 'health', 40), ('to_kind', 'council', 'police', 35),
    ('to_kind', 'council', 'community', 25),
    ('to_kind', 'community', 'police', 55), ('to_kind', 'community', 'council', 45),
    ('to_kind', 'health', 'council', 50), ('to_kind', 'health', 'community', 30),
    ('to_kind', 'health', 'police', 20),
    ('referral_reason', 'council', 'housing_action', 55),
    ('referral_reason', 'council', 'victim_support', 20),
    ('referral_reason', 'council', 'school_action', 10),
    ('referral_reason', 'council', 'community_support', 10),
    ('referral_reason', 'council', 'other', 5),
    ('referral_reason', 'health', 'health_support', 75),
    ('referral_reason', 'health', 'victim_support', 25),
    ('referral_reason', 'police', 'police_investigation', 90),
    ('referral_reason', 'police', 'other', 10),
    ('referral_reason', 'community', 'community_support', 55),
    ('referral_reason', 'community', 'victim_support', 45),
    ('urgency', '', 'routine', 82), ('urgency', '', 'urgent', 18),
    ('decline_reason', '', 'not_our_remit', 30), ('decline_reason', '', 'already_involved', 25),
    ('decline_reason', '', 'insufficient_information', 20),
    ('decline_reason', '', 'victim_declined', 20),
    ('decline_reason', '', 'other', 5),
    -- outcomes, by the recording partner's kind (outcome.csv's kinds)
    ('outcome', 'police', 'no_suspect_identified', 30),
    ('outcome', 'police', 'evidential_difficulties', 24),
    ('outcome', 'police', 'community_resolution', 12),
    ('outcome', 'police', 'charged_or_summonsed', 10),
    ('outcome', 'police', 'out_of_court_disposal', 5), ('outcome', 'police', 'victim_supported', 9),
    ('outcome', 'police', 'victim_declined_support', 5), ('outcome', 'police', 'case_closed', 5),
    ('outcome', 'council', 'warning', 18), ('outcome', 'council', 'mediation', 14),
    ('outcome', 'council', 'acceptable_behaviour_agreement', 10),
    ('outcome', 'council', 'security_measures', 12),
    ('outcome', 'council', 'victim_moved', 6), ('outcome', 'council', 'tenancy_enforcement', 7),
    ('outcome', 'council', 'injunction', 3), ('outcome', 'council', 'victim_supported', 18),
    ('outcome', 'council', 'victim_declined_support', 5), ('outcome', 'council', 'case_closed', 7),
    ('outcome', 'health', 'support_offered', 40), ('outcome', 'health', 'specialist_referral', 25),
    ('outcome', 'health', 'victim_supported', 20),
    ('outcome', 'health', 'victim_declined_support', 10),
    ('outcome', 'health', 'case_closed', 5),
    ('outcome', 'community', 'victim_supported', 65),
    ('outcome', 'community', 'victim_declined_support', 20),
    ('outcome', 'community', 'case_closed', 15),
    -- satisfaction: lower among the groups marked 'less' below
    ('victim_satisfied', 'more', 'yes', 64), ('victim_satisfied', 'more', 'no', 26),
    ('victim_satisfied', 'more', 'unknown', 10),
    ('victim_satisfied', 'less', 'yes', 42), ('victim_satisfied', 'less', 'no', 46),
    ('victim_satisfied', 'less', 'unknown', 12);

-- By ethnic group: how much more often than its share of residents a
-- group appears among victims ('victim'), and how far behind White British
-- residents it is on the outcome indicators ('gap', 0 = level, 1 = far
-- behind, negative = ahead). Made up, but shaped like published patterns,
-- so that disproportionality and gaps show on the dashboard.
INSERT INTO demo_weight VALUES
    ('victim', '', 'asian_bangladeshi', 1.9), ('victim', '', 'asian_chinese', 2.2),
    ('victim', '', 'asian_indian', 1.2), ('victim', '', 'asian_pakistani', 2.0),
    ('victim', '', 'asian_other', 1.6), ('victim', '', 'black_african', 2.3),
    ('victim', '', 'black_caribbean', 2.0), ('victim', '', 'black_other', 2.1),
    ('victim', '', 'mixed_white_asian', 1.2), ('victim', '', 'mixed_white_black_african', 1.5),
    ('victim', '', 'mixed_white_black_caribbean', 1.6), ('victim', '', 'mixed_other', 1.3),
    ('victim', '', 'white_british', 0.3), ('victim', '', 'white_irish', 0.8),
    ('victim', '', 'white_gypsy_irish_traveller', 4.5), ('victim', '', 'white_roma', 4.0),
    ('victim', '', 'white_other', 1.5), ('victim', '', 'other_arab', 2.6),
    ('victim', '', 'other_any', 1.8),
    ('gap', '', 'asian_bangladeshi', 0.55), ('gap', '', 'asian_chinese', -0.15),
    ('gap', '', 'asian_indian', -0.1), ('gap', '', 'asian_pakistani', 0.5),
    ('gap', '', 'asian_other', 0.3), ('gap', '', 'black_african', 0.55),
    ('gap', '', 'black_caribbean', 0.65), ('gap', '', 'black_other', 0.6),
    ('gap', '', 'mixed_white_asian', 0.15), ('gap', '', 'mixed_white_black_african', 0.4),
    ('gap', '', 'mixed_white_black_caribbean', 0.6), ('gap', '', 'mixed_other', 0.35),
    ('gap', '', 'white_british', 0), ('gap', '', 'white_irish', 0.1),
    ('gap', '', 'white_gypsy_irish_traveller', 1.0), ('gap', '', 'white_roma', 0.9),
    ('gap', '', 'white_other', 0.3), ('gap', '', 'other_arab', 0.5), ('gap', '', 'other_any', 0.4);

-- Every code above must be in its list (and every outcome allowed for the
-- kind that records it), or nothing is written.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(DISTINCT w.list || ':' || w.ctx || ':' || w.code, ', ') INTO bad
      FROM demo_weight w
     WHERE CASE
           WHEN w.list IN ('kind', 'to_kind') THEN
               w.code NOT IN ('police', 'council', 'health', 'community')
           WHEN w.list = 'strands' THEN
               EXISTS (SELECT FROM unnest(w.code::text[]) s
                        WHERE s NOT IN (SELECT code FROM demo_code WHERE list = 'strand'))
           WHEN w.list IN ('victim', 'gap') THEN
               w.code NOT IN (SELECT code FROM demo_ethnic WHERE ons_number IS NOT NULL)
           WHEN w.list = 'outcome' THEN
               NOT EXISTS (SELECT FROM demo_outcome o
                            WHERE o.code = w.code
                              AND (o.kinds = 'all' OR w.ctx = ANY (string_to_array(o.kinds, ' '))))
           WHEN w.list = 'urgency' THEN w.code NOT IN (SELECT code FROM demo_urgency)
           ELSE w.code NOT IN (SELECT code FROM demo_code c WHERE c.list = w.list)
           END;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'demo data: codes not in api/codes (or not allowed for the kind): %', bad;
    END IF;
END $$;

SELECT setseed(0.20260101) AS seeded \gset

-- Areas: some see much more than their share (hot spots).
INSERT INTO demo_weight
SELECT 'area', '', area, residents * (0.4 + 1.6 * random())
  FROM (SELECT area, sum(count) AS residents FROM demo_pop GROUP BY area ORDER BY area) a;
-- Victims' ethnic group within an area: its residents times 'victim'.
INSERT INTO demo_weight
SELECT 'ethnic', p.area, e.code, p.count * v.weight
  FROM demo_pop p JOIN demo_ethnic e USING (ons_number)
  JOIN demo_weight v ON v.list = 'victim' AND v.code = e.code
 ORDER BY p.area, p.ons_number;

-- Cumulative weights, so that a uniform number in [0, 1) picks a code.
CREATE TEMP TABLE demo_cum ON COMMIT DROP AS
SELECT list, ctx, code,
       -- the last slice ends above 1, so rounding cannot leave a u unpicked
       CASE WHEN row_number() OVER (PARTITION BY list, ctx ORDER BY code DESC) = 1 THEN 2
            ELSE sum(weight) OVER (PARTITION BY list, ctx ORDER BY code ROWS UNBOUNDED PRECEDING)
                 / sum(weight) OVER (PARTITION BY list, ctx) END AS hi
  FROM demo_weight
 WHERE weight > 0;
CREATE INDEX ON demo_cum (list, ctx, hi);
ANALYZE demo_cum;

-- pick(list, context, u): the code whose slice of [0, 1) holds u.
CREATE FUNCTION pg_temp.pick(l text, c text, u float8) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT code FROM demo_cum WHERE list = l AND ctx = c AND hi > u ORDER BY hi LIMIT 1 $$;

-- ---- people and their reports -----------------------------------------------
-- 2,400 people; one in seven reports two to four times, often to more than
-- one agency (the subject key links them), the others once.
CREATE TEMP TABLE demo_person ON COMMIT DROP AS
SELECT p, u_area, u_eth, u_age, u_sex, u_ns,
       CASE WHEN p % 7 = 0 THEN 2 + floor(u_n * 3)::integer ELSE 1 END AS nrep,
       -- days before today of the first report: a little more recent than uniform
       1 + floor(728.99 * power(u_day, 1.15))::integer AS first_ago
  FROM (SELECT p, random() AS u_area, random() AS u_eth, random() AS u_age, random() AS u_sex,
               random() AS u_ns, random() AS u_n, random() AS u_day
          FROM generate_series(1, 2400) p) d;
ALTER TABLE demo_person ADD COLUMN area text, ADD COLUMN ethnic text, ADD COLUMN age_band text,
    ADD COLUMN sex text;
UPDATE demo_person
   SET area = pg_temp.pick('area', '', u_area), age_band = pg_temp.pick('age_band', '', u_age),
       sex = pg_temp.pick('sex', '', u_sex);
UPDATE demo_person
   SET ethnic = CASE WHEN u_ns < 0.04 THEN 'not_stated' ELSE pg_temp.pick('ethnic', area, u_eth) END;

CREATE TEMP TABLE demo_dice ON COMMIT DROP AS
SELECT s.*, random() AS u_kind, random() AS u_gap, random() AS u_lag, random() AS u_lag2,
       random() AS u_span, random() AS u_strand, random() AS u_loc, random() AS u_inc1,
       random() AS u_inc2, random() AS u_inc3, random() AS u_n2, random() AS u_n3,
       random() AS u_repeat, random() AS u_chan, random() AS u_key, random() AS u_native,
       random() AS u_created
  FROM (SELECT p.p, k FROM demo_person p, generate_series(1, p.nrep) k ORDER BY p.p, k) s;
-- Temporary tables get no statistics unless asked; without them the joins
-- below are planned as nested loops.
ANALYZE demo_person;
ANALYZE demo_dice;

CREATE TEMP TABLE demo_report ON COMMIT DROP AS
WITH r AS MATERIALIZED (  -- each draw once per row, not once per use
    SELECT d.*, pe.area, pe.ethnic, pe.age_band, pe.sex, pe.nrep,
           pg_temp.pick('kind', '', d.u_kind) AS kind,
           -- later reports of the same person follow the first by 5 to 90 days
           pe.first_ago - (k - 1) * (5 + floor(d.u_gap * 86)::integer) AS ago
      FROM demo_dice d JOIN demo_person pe USING (p)
), r2 AS MATERIALIZED (
    SELECT r.*, current_date - ago AS reported_on,
           CASE WHEN u_lag < 0.60 THEN 0 WHEN u_lag < 0.85 THEN 1 + floor(u_lag2 * 3)
                WHEN u_lag < 0.95 THEN 4 + floor(u_lag2 * 11) ELSE 15 + floor(u_lag2 * 46)
           END::integer AS lag
      FROM r
     WHERE ago >= 1
), r3 AS MATERIALIZED (
    SELECT r2.*, reported_on - lag AS occurred_from,
           pg_temp.pick('location_type', kind, u_loc) AS location_type,
           pg_temp.pick('strands', '', u_strand)::text[] AS strands,
           pg_temp.pick('channel', kind, u_chan) AS channel,
           pg_temp.pick('repeat', CASE WHEN k = 1 THEN 'first' ELSE 'again' END, u_repeat) AS repeat,
           -- the native code as the agency records it, and the ONS code it maps to
           CASE kind WHEN 'police' THEN 'police' WHEN 'health' THEN 'nhs' ELSE 'ons2021' END AS scheme
      FROM r2
), r4 AS MATERIALIZED (
    SELECT r3.*,
           occurred_from + CASE WHEN u_span < 0.85 THEN 0
                                ELSE floor(u_lag2 * (lag + 1))::integer END AS occurred_to,
           (SELECT array_agg(t ORDER BY n) FROM (
                SELECT t, min(n) AS n
                  FROM unnest(ARRAY[
                           pg_temp.pick('incident_type',
                                        CASE WHEN location_type = 'online' THEN 'online' ELSE '' END,
                                        u_inc1),
                           CASE WHEN u_n2 < 0.40 THEN pg_temp.pick('incident_type', '', u_inc2) END,
                           CASE WHEN u_n3 < 0.10 THEN pg_temp.pick('incident_type', '', u_inc3) END])
                       WITH ORDINALITY AS x(t, n)
                 WHERE t IS NOT NULL GROUP BY t) y) AS incident_types,
           CASE scheme
           WHEN 'ons2021' THEN ethnic
           -- the agency's code for the group: the exact one if there is one,
           -- else the one for the "other" category of its high-level group
           -- (the police have no Roma code: W9; NHS has no Gypsy, Roma or Arab:
           -- C or S); NHS not stated is Z or, now and then, 99 (not known)
           ELSE (SELECT n.code FROM demo_native n JOIN demo_ethnic e ON e.code = ethnic
                  WHERE n.scheme = r3.scheme
                    AND n.ons_code IN (ethnic, CASE e.high_level_group WHEN 'other' THEN 'other_any'
                                                    ELSE e.high_level_group || '_other' END)
                  ORDER BY n.ons_code <> ethnic OR NOT n.exact, (n.code = '99') <> (u_native < 0.2),
                           n.code
                  LIMIT 1)
           END AS native,
           -- a subject key where the agency has one; nearly always for people
           -- who report more than once, seldom at the reporting centre
           CASE WHEN u_key < CASE WHEN nrep > 1 THEN 0.92 WHEN kind = 'community' THEN 0.45
                                  WHEN kind = 'police' THEN 0.70 WHEN kind = 'council' THEN 0.75
                                  ELSE 0.85 END
                THEN sha256(convert_to('demo-subject:' || (SELECT partnership FROM demo_param)
                                       || ':' || p, 'UTF8'))
           END AS subject_hash,
           -- stored within two days of being reported, never in the future
           least(reported_on::timestamp AT TIME ZONE 'UTC' + interval '7 hours'
                 + u_created * interval '48 hours',
                 :'cutoff'::timestamptz - interval '1 minute') AS created_at
      FROM r3
)
SELECT r4.*,
       CASE WHEN scheme = 'ons2021' THEN native
            ELSE (SELECT n.ons_code FROM demo_native n WHERE n.scheme = r4.scheme AND n.code = native)
       END AS ethnic_group,
       CASE kind WHEN 'police' THEN pa.police WHEN 'council' THEN pa.council
                 WHEN 'health' THEN pa.health ELSE pa.community END AS partner_id,
       'DEMO-' || upper(kind) || '-'
           || row_number() OVER (PARTITION BY kind ORDER BY created_at, p, k) AS external_ref,
       NULL::bigint AS report_id
  FROM r4, demo_param pa;
ANALYZE demo_report;

-- In the order they were stored, so that ids grow with time.
WITH ins AS (
    INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
                            reported_on, area, location_type, strands, incident_types,
                            ethnic_group, ethnic_scheme, ethnic_native, age_band, sex, repeat,
                            channel, subject_hash, content_hash, created_at, updated_at)
    SELECT pa.partnership, r.partner_id, r.external_ref, r.occurred_from, r.occurred_to,
           r.reported_on, r.area, r.location_type, r.strands, r.incident_types, r.ethnic_group,
           r.scheme, r.native, r.age_band, r.sex, r.repeat, r.channel, r.subject_hash,
           sha256(convert_to(concat_ws('|', 'harassment-report/1', r.external_ref, r.occurred_from,
                                       r.occurred_to, r.reported_on, r.area, r.location_type,
                                       array_to_string(r.strands, ';'),
                                       array_to_string(r.incident_types, ';'), r.scheme, r.native,
                                       r.age_band, r.sex, r.repeat, r.channel,
                                       encode(r.subject_hash, 'hex')), 'UTF8')),
           r.created_at, r.created_at
      FROM demo_report r, demo_param pa
     ORDER BY r.created_at, r.external_ref
    RETURNING report_id, partner_id, external_ref
)
UPDATE demo_report d SET report_id = ins.report_id
  FROM ins
 WHERE d.partner_id = ins.partner_id AND d.external_ref = ins.external_ref;

-- ---- referrals ----------------------------------------------------------------
-- About a fifth of the reports go on to another partner a few days after
-- they were reported; most are accepted in time, some late, some declined,
-- and the most recent are still open.
CREATE TEMP TABLE demo_referral ON COMMIT DROP AS
WITH d AS (
    SELECT r.report_id, r.kind, r.created_at AS report_created, random() AS u_refer,
           random() AS u_to, random() AS u_reason, random() AS u_urgent, random() AS u_after,
           random() AS u_answer, random() AS u_when, random() AS u_accept, random() AS u_decline
      FROM (SELECT * FROM demo_report ORDER BY report_id) r
), f AS (
    SELECT d.*, pg_temp.pick('to_kind', kind, u_to) AS to_kind,
           pg_temp.pick('urgency', '', u_urgent) AS urgency,
           report_created + interval '6 hours' + u_after * interval '4 days' AS created_at
      FROM d
     WHERE u_refer < CASE kind WHEN 'police' THEN 0.22 WHEN 'council' THEN 0.18
                               WHEN 'community' THEN 0.25 ELSE 0.15 END
), g AS (
    SELECT f.*, pg_temp.pick('referral_reason', to_kind, u_reason) AS reason,
           (f.created_at AT TIME ZONE 'UTC')::date AS made_on,
           hub.add_working_days((f.created_at AT TIME ZONE 'UTC')::date,
                                CASE urgency WHEN 'urgent' THEN ps.ack_days_urgent
                                             ELSE ps.ack_days_routine END) AS due_on
      FROM f, demo_param pa JOIN hub.partnership ps ON ps.partnership_id = pa.partnership
     WHERE f.created_at < :'cutoff'::timestamptz
), h AS (
    SELECT g.*,
           CASE WHEN u_answer < 0.82   -- in time: by the end of the day it is due
                THEN greatest(created_at + interval '30 minutes',
                              (made_on + floor(u_when * (due_on - made_on + 1))::integer)::timestamp
                              AT TIME ZONE 'UTC' + interval '9 hours' + u_when * interval '8 hours')
                WHEN u_answer < 0.99   -- late: one to twelve days after
                THEN (due_on + 1 + floor(u_when * 12)::integer)::timestamp AT TIME ZONE 'UTC'
                     + interval '10 hours'
           END AS answer_at            -- else never answered: left open, overdue
      FROM g
)
SELECT h.report_id, h.kind, h.to_kind, h.reason, h.urgency, h.created_at, h.due_on,
       CASE WHEN answer_at IS NULL OR answer_at > :'cutoff'::timestamptz THEN 'open'
            WHEN u_accept < 0.80 THEN 'accepted' ELSE 'declined' END AS status,
       CASE WHEN answer_at <= :'cutoff'::timestamptz THEN answer_at END AS answered_at, u_decline,
       CASE h.to_kind WHEN 'police' THEN pa.police WHEN 'council' THEN pa.council
                      WHEN 'health' THEN pa.health ELSE pa.community END AS to_partner
  FROM h, demo_param pa;

INSERT INTO hub.referral (partnership_id, report_id, from_partner, to_partner, reason, urgency,
                          status, decline_reason, created_at, due_on, answered_at)
SELECT pa.partnership, f.report_id, r.partner_id, f.to_partner, f.reason, f.urgency, f.status,
       CASE WHEN f.status = 'declined' THEN pg_temp.pick('decline_reason', '', f.u_decline) END,
       f.created_at, f.due_on, f.answered_at
  FROM demo_referral f JOIN demo_report r USING (report_id), demo_param pa
 ORDER BY f.created_at, f.report_id;

-- ---- outcomes -------------------------------------------------------------------
-- The owner records what it did for about two thirds of its reports, and
-- often closes the case later; a partner that accepted a referral records
-- what it did. Never before the report, never after today. Satisfaction is
-- asked about half the time, and is lower in the groups most affected.
CREATE TEMP TABLE demo_outcome_row ON COMMIT DROP AS
WITH owner_first AS (
    SELECT r.report_id, r.partner_id, r.kind, r.ethnic, r.reported_on AS not_before,
           random() AS u_rec, random() AS u_code, random() AS u_days, random() AS u_sat,
           random() AS u_sat2, random() AS u_close, random() AS u_close_days, 1 AS step
      FROM (SELECT * FROM demo_report ORDER BY report_id) r
), receiver AS (
    SELECT f.report_id, f.to_partner AS partner_id, f.to_kind AS kind, r.ethnic,
           (f.answered_at AT TIME ZONE 'UTC')::date AS not_before,
           random() AS u_rec, random() AS u_code, random() AS u_days, random() AS u_sat,
           random() AS u_sat2, random() AS u_close, random() AS u_close_days, 2 AS step
      FROM (SELECT * FROM demo_referral WHERE status = 'accepted' ORDER BY report_id, to_partner) f
      JOIN demo_report r USING (report_id)
), recorded AS (
    SELECT o.*, pg_temp.pick('outcome', kind, u_code) AS outcome,
           not_before + CASE WHEN step = 1 THEN 3 + floor(u_days * 118)
                             ELSE 2 + floor(u_days * 59) END::integer AS on_date
      FROM (SELECT * FROM owner_first WHERE u_rec < 0.66
            UNION ALL
            SELECT * FROM receiver WHERE u_rec < 0.85) o
)
SELECT report_id, partner_id, outcome, on_date,
       CASE WHEN u_sat < 0.5 AND outcome NOT IN ('victim_declined_support', 'case_closed')
            THEN pg_temp.pick('victim_satisfied',
                              CASE WHEN ethnic IN (SELECT code FROM demo_weight
                                                    WHERE list = 'gap' AND weight >= 0.5)
                                   THEN 'less' ELSE 'more' END, u_sat2)
       END AS victim_satisfied
  FROM recorded
UNION ALL
-- the owner closes a quarter of its recorded cases five to sixty days later
SELECT report_id, partner_id, 'case_closed',
       on_date + 5 + floor(u_close_days * 56)::integer, NULL
  FROM recorded
 WHERE step = 1 AND u_close < 0.25 AND outcome <> 'case_closed';

INSERT INTO hub.outcome (partnership_id, report_id, partner_id, outcome, on_date,
                         victim_satisfied, created_at)
SELECT pa.partnership, o.report_id, o.partner_id, o.outcome, o.on_date, o.victim_satisfied,
       least(o.on_date::timestamp AT TIME ZONE 'UTC' + interval '11 hours', :'cutoff'::timestamptz)
  FROM demo_outcome_row o, demo_param pa
 WHERE o.on_date < current_date
 ORDER BY o.on_date, o.report_id, o.partner_id;

-- ---- outcome indicators ---------------------------------------------------------
-- For the synthetic local authority E08099001 (the 40 synthetic areas):
-- every indicator of indicator.csv, for each complete year from 2025 and
-- each complete quarter from 2025-Q1, by ONS ethnic group (years only) and
-- by the five high-level groups (years and quarters), submitted by the
-- partner whose theme it is. Figures by group are drawn from each group's
-- 'gap'; high-level figures are the sums of their groups' numerators and
-- denominators, so they agree. hate_incident_rate is counted from the demo
-- reports above.
CREATE TEMP TABLE demo_period ON COMMIT DROP AS
SELECT to_char(y, 'YYYY') AS period, 1.0 AS scale
  FROM generate_series(date '2025-01-01', date_trunc('year', current_date) - interval '1 year',
                       interval '1 year') y
UNION ALL
SELECT to_char(q, 'YYYY') || '-Q' || extract(quarter FROM q), 0.25
  FROM generate_series(date '2025-01-01', date_trunc('quarter', current_date) - interval '3 months',
                       interval '3 months') q;

-- How each indicator is drawn: 'pct' a survey percentage around base (the
-- level of a group with gap 0), moving spread points the worse way per unit
-- of gap; 'share' a group's share of a whole; 'rate' events per the
-- indicator's base among denom_factor x residents; 'count' events;
-- 'reports' counted from the demo reports.
CREATE TEMP TABLE demo_ind_model (indicator text, model text, base float8, spread float8,
                                  denom_factor float8) ON COMMIT DROP;
INSERT INTO demo_ind_model VALUES
    ('hate_incident_rate', 'reports', 0, 0, 1),
    ('feel_safe_after_dark', 'pct', 72, 18, NULL),
    ('repeat_victimisation', 'pct', 17, 14, NULL),
    ('confidence_in_police', 'pct', 68, 22, NULL),
    ('homelessness_acceptances', 'rate', 4.5, 6, 0.42),   -- households: residents / 2.4
    ('overcrowded_households', 'pct', 6, 20, NULL),
    ('housing_moves_for_harassment', 'count', 40, 2.5, NULL),
    ('gp_access_satisfaction', 'pct', 70, 12, NULL),
    ('mental_health_detentions', 'rate', 85, 300, 1),
    ('talking_therapy_recovery', 'pct', 51, 11, NULL),
    ('attainment_grade_4', 'pct', 66, 28, NULL),
    ('permanent_exclusions', 'rate', 10, 20, 0.14),       -- pupils: residents x 0.14
    ('employment_rate', 'pct', 77, 17, NULL),
    ('workforce_representation', 'share', 12000, 0.55, NULL),
    ('service_satisfaction', 'pct', 62, 14, NULL),
    ('complaints_discrimination', 'count', 60, 2.5, NULL),
    ('influence_decisions', 'pct', 29, 11, NULL),
    ('consultation_response_share', 'share', 2400, 0.65, NULL);
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(coalesce(m.indicator, i.code), ', ') INTO bad
      FROM demo_ind_model m FULL JOIN demo_indicator i ON i.code = m.indicator
     WHERE m.indicator IS NULL OR i.code IS NULL;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'demo data: indicator models and api/codes/indicator.csv differ: %', bad;
    END IF;
END $$;

CREATE TEMP TABLE demo_group ON COMMIT DROP AS
SELECT e.code, e.high_level_group, sum(p.count) AS residents, g.weight AS gap
  FROM demo_ethnic e JOIN demo_pop p USING (ons_number)
  JOIN demo_weight g ON g.list = 'gap' AND g.code = e.code
 GROUP BY e.code, e.high_level_group, g.weight;

-- One row per indicator, period and ONS group, with its numerator and
-- denominator (the denominator alone for counts).
CREATE TEMP TABLE demo_ind_detail ON COMMIT DROP AS
WITH d AS (
    SELECT i.code AS indicator, i.unit, i.per, i.higher_is_better, m.model, m.base, m.spread,
           m.denom_factor, pe.period, pe.scale, g.code AS ethnic_group, g.high_level_group,
           g.residents, g.gap,
           g.residents::float8 / sum(g.residents) OVER (PARTITION BY i.code, pe.period) AS pop_share,
           random() AS u1, random() AS u2, random() AS u3
      FROM (SELECT * FROM demo_indicator ORDER BY code) i
      JOIN demo_ind_model m ON m.indicator = i.code
     CROSS JOIN (SELECT * FROM demo_period ORDER BY period) pe
     CROSS JOIN (SELECT * FROM demo_group ORDER BY code) g
     ORDER BY i.code, pe.period, g.code
), e AS (
    -- noise: roughly normal, mean 0, sd 1 (sum of three uniforms)
    SELECT d.*, (u1 + u2 + u3 - 1.5) * 2 AS z,
           -- the group's expected level: worse by spread per unit of gap
           CASE WHEN higher_is_better THEN base - spread * gap ELSE base + spread * gap END AS level
      FROM d
), f AS (
    SELECT e.*,
           CASE model
           WHEN 'pct' THEN greatest(12, round(pop_share * 4200 * scale * 1.4))  -- survey respondents
           WHEN 'rate' THEN round(residents * denom_factor)
           WHEN 'reports' THEN residents
           END::bigint AS den
      FROM e
)
SELECT indicator, unit, per, period, ethnic_group, high_level_group, model, den,
       CASE model
       WHEN 'pct' THEN least(den, greatest(0, round(den * least(0.99, greatest(0.01, level / 100))
                                                    + z * sqrt(den * 0.2))))
       WHEN 'rate' THEN greatest(0, round(den * greatest(level, 0.3) / per * scale * (1 + 0.15 * z)))
       WHEN 'count' THEN greatest(0, round(base * scale * pop_share * greatest(0.2, 1 + spread * gap)
                                           * (1 + 0.25 * z)))
       WHEN 'share' THEN round(base * pop_share * greatest(0.05, 1 - spread * gap) * (1 + 0.05 * z))
       WHEN 'reports' THEN (SELECT count(*) FROM demo_report r
                             WHERE r.ethnic_group = f.ethnic_group
                               AND r.reported_on BETWEEN hub.period_start(f.period)
                                                     AND hub.period_end(f.period))
       END::bigint AS num
  FROM f;
-- A share's denominator is the whole: the sum over the groups.
UPDATE demo_ind_detail d SET den = t.total
  FROM (SELECT indicator, period, sum(num) AS total FROM demo_ind_detail
         WHERE model = 'share' GROUP BY indicator, period) t
 WHERE d.model = 'share' AND d.indicator = t.indicator AND d.period = t.period;

INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area,
                                 ethnic_group, value, numerator, denominator, submitted_at)
SELECT pa.partnership,
       CASE i.theme WHEN 'community_safety' THEN pa.police WHEN 'health' THEN pa.health
                    ELSE pa.council END,
       v.indicator, v.period, 'E08099001', v.ethnic_group,
       CASE v.unit WHEN 'percent' THEN round(100.0 * v.num / v.den, 1)
                   WHEN 'rate' THEN round(v.num::numeric * i.per / v.den, 2)
                   ELSE v.num END,
       CASE WHEN v.unit <> 'count' THEN v.num END, CASE WHEN v.unit <> 'count' THEN v.den END,
       least(hub.period_end(v.period)::timestamp AT TIME ZONE 'UTC' + interval '30 days 10 hours',
             :'cutoff'::timestamptz)
  FROM (-- by ONS group, years only
        SELECT indicator, unit, period, ethnic_group, num, den
          FROM demo_ind_detail WHERE length(period) = 4
        UNION ALL
        -- by high-level group, years and quarters
        SELECT indicator, unit, period, high_level_group, sum(num),
               -- a share keeps the whole as its denominator
               CASE WHEN model = 'share' THEN max(den) ELSE sum(den) END
          FROM demo_ind_detail GROUP BY indicator, unit, model, period, high_level_group) v
  JOIN demo_indicator i ON i.code = v.indicator, demo_param pa
 ORDER BY v.period, v.indicator, v.ethnic_group;

SELECT format('demo data: %s reports, %s referrals, %s outcomes, %s indicator values (partnership %s)',
              (SELECT count(*) FROM demo_report),
              (SELECT count(*) FROM hub.referral f JOIN demo_report r USING (report_id)),
              (SELECT count(*) FROM hub.outcome o JOIN demo_report r USING (report_id)),
              (SELECT count(*) FROM hub.indicator_value v
                WHERE v.partnership_id = (SELECT partnership FROM demo_param)),
              (SELECT partnership FROM demo_param)) AS summary \gset
\echo :summary
\endif

COMMIT;
