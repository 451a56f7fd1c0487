-- joint-work.sql: SYNTHETIC joint targets and journey self-assessments for
-- the demo partnership. Everything written here is made up.
--
--   psql -X -v ON_ERROR_STOP=1 -v partnership=ID -v police=ID -v council=ID \
--        -v health=ID -v community=ID -f sql/demo/joint-work.sql OWNER_CONNINFO
--
-- Run as the owner role after demo.sql (demo_load in scripts/lib.sh does
-- both). Writes, in one transaction:
--   * six joint targets over the demo data's metrics, set by the council
--     (the demo coordinator's partner), each led by one partner with others
--     contributing; their progress is computed by hubd on each read;
--   * for each of the four partners, a self-assessment at the start of each
--     of the last eight quarters, every one of the eight questions answered,
--     each partner moving along the journey at its own pace.
-- Targets are written only if the partnership has none, assessments only if
-- it has none: loading twice adds nothing. Deterministic for a given
-- current_date (the assessment dates follow it; the targets do not).
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL TimeZone = 'UTC';
SELECT current_date::timestamptz AS cutoff \gset

CREATE TEMP TABLE demo_param ON COMMIT DROP AS
SELECT :'partnership'::bigint AS partnership, :'police'::bigint AS police,
       :'council'::bigint AS council, :'health'::bigint AS health,
       :'community'::bigint AS community;
-- The same lock as demo.sql: one loader at a time per partnership.
SELECT pg_advisory_xact_lock(hashtext('hub demo data'), (partnership % 2147483647)::integer)
  FROM demo_param \gset

-- ---- joint targets -------------------------------------------------------------
-- Definitions as hubd stores them (hub/targets.c definition_json: defaults
-- filled in), with the partner keys replaced by the ids. hubd checks a
-- stored definition again on each read, so a mistake here shows as a
-- target whose progress says the definition no longer passes.
CREATE TEMP TABLE demo_target (n integer, lead text, contributors text[], definition jsonb)
    ON COMMIT DROP;
INSERT INTO demo_target VALUES
(1, 'community', '{police,council}', '{
  "title": "More people confident to report race hate",
  "metric": "reports_count", "filters": {"strand": "race"}, "direction": "increase",
  "baseline": {"value": 300.0, "period": "2025"}, "target": {"value": 420.0, "due": "2027-12-31"},
  "review": "quarterly", "tolerance": 0.1, "state": "active"}'),
(2, 'council', '{police,health}', '{
  "title": "Referrals answered in time",
  "metric": "referrals_answered_in_time_pct", "filters": {}, "direction": "increase",
  "baseline": {"value": 60.0, "period": "2025"}, "target": {"value": 90.0, "due": "2027-03-31"},
  "review": "quarterly", "tolerance": 0.1, "state": "active"}'),
(3, 'police', '{council,community}', '{
  "title": "Over-representation of Gypsy and Irish Traveller victims",
  "metric": "disproportionality_ratio",
  "filters": {"ethnic_group": "white_gypsy_irish_traveller"}, "reference_group": "white_british",
  "direction": "decrease",
  "baseline": {"value": 12.0, "period": "2025"}, "target": {"value": 6.0, "due": "2027-12-31"},
  "review": "quarterly", "tolerance": 0.1, "state": "active"}'),
(4, 'police', '{community}', '{
  "title": "Victims satisfied with the response",
  "metric": "victim_satisfied_pct", "filters": {}, "direction": "increase",
  "baseline": {"value": 50.0, "period": "2025"}, "target": {"value": 75.0, "due": "2027-03-31"},
  "review": "quarterly", "tolerance": 0.1, "state": "active"}'),
(5, 'health', '{council}', '{
  "title": "Close the gap in talking therapy recovery (Black and White residents)",
  "metric": "indicator_gap:talking_therapy_recovery",
  "filters": {"ethnic_group": "black"}, "reference_group": "white", "direction": "increase",
  "baseline": {"value": -10.0, "period": "2025"}, "target": {"value": -2.0, "due": "2027-12-31"},
  "review": "quarterly", "tolerance": 0.1, "state": "active"}'),
(6, 'council', '{police,health,community}', '{
  "title": "Days from report to outcome",
  "metric": "median_days_to_outcome", "filters": {}, "direction": "decrease",
  "baseline": {"value": 40.0, "period": "2025"}, "target": {"value": 20.0, "due": "2027-03-31"},
  "review": "monthly", "tolerance": 0.1, "state": "active"}');

CREATE TEMP TABLE demo_partner_key ON COMMIT DROP AS
SELECT k.key, k.id
  FROM demo_param p,
       LATERAL (VALUES ('police', p.police), ('council', p.council), ('health', p.health),
                       ('community', p.community)) k(key, id);

SELECT NOT EXISTS (SELECT FROM hub.target t, demo_param p WHERE t.partnership_id = p.partnership)
       AS want_targets \gset
\if :want_targets
INSERT INTO hub.target (target_id, version, partnership_id, definition, lead_partner,
                        contributors, changed_at, changed_by)
SELECT nextval('hub.target_id_seq'), 1, p.partnership,
       d.definition || jsonb_build_object('owners', jsonb_build_object(
           'lead', l.id, 'contributors', to_jsonb(c.ids))),
       l.id, c.ids, :'cutoff'::timestamptz - interval '200 days' + d.n * interval '1 day',
       p.council
  FROM demo_target d
  JOIN demo_partner_key l ON l.key = d.lead
  CROSS JOIN demo_param p
  CROSS JOIN LATERAL (SELECT array_agg(k.id ORDER BY o.i) AS ids
                        FROM unnest(d.contributors) WITH ORDINALITY o(key, i)
                        JOIN demo_partner_key k ON k.key = o.key) c
 ORDER BY d.n;
\else
\echo demo data: the partnership already has targets; none added
\endif

-- ---- journey self-assessments ----------------------------------------------------
-- Each partner starts at its own stage (1 resisting … 5 achieving) and gains
-- a stage every few quarters; each question is a little ahead of or behind
-- the partner's level. Stage names come from api/codes/journey_stage.csv,
-- questions from api/codes/self_assessment.csv.
CREATE TEMP TABLE demo_stage (code text, label text, rank integer) ON COMMIT DROP;
\copy demo_stage FROM 'api/codes/journey_stage.csv' CSV HEADER
CREATE TEMP TABLE demo_question (code text, label text, s1 text, s2 text, s3 text, s4 text,
                                 s5 text) ON COMMIT DROP;
\copy demo_question FROM 'api/codes/self_assessment.csv' CSV HEADER

SELECT NOT EXISTS (SELECT FROM hub.self_assessment a, demo_param p
                    WHERE a.partnership_id = p.partnership) AS want_assessments \gset
\if :want_assessments
--          partner, level at the first quarter, quarters per stage gained
CREATE TEMP TABLE demo_pace (key text, start numeric, per_stage numeric) ON COMMIT DROP;
INSERT INTO demo_pace VALUES ('police', 2.5, 3.0), ('council', 2.7, 2.5), ('health', 2.0, 4.0),
                             ('community', 3.0, 3.5);

CREATE TEMP TABLE demo_answer ON COMMIT DROP AS
SELECT k.id AS partner_id, q.quarter, q.assessed_on, qu.code AS question,
       least(5, greatest(1, floor(pc.start + q.quarter / pc.per_stage
                                  -- each question its own offset, -1 … +1
                                  + ((get_byte(sha256(convert_to(k.key || qu.code, 'UTF8')), 0)
                                      % 3) - 1) * 0.8)))::integer AS rank
  FROM demo_pace pc
  JOIN demo_partner_key k USING (key)
  CROSS JOIN (SELECT g AS quarter,
                     (date_trunc('quarter', current_date) - (7 - g) * interval '3 months')::date
                         AS assessed_on
                FROM generate_series(0, 7) g) q
  CROSS JOIN demo_question qu;

-- The overall stage, as hubd derives it: the highest stage reached or passed
-- on at least six of the eight questions.
CREATE TEMP TABLE demo_assessment ON COMMIT DROP AS
SELECT a.partner_id, a.assessed_on,
       (SELECT s.code FROM demo_stage s
         WHERE (SELECT count(*) FROM demo_answer b
                 WHERE b.partner_id = a.partner_id AND b.assessed_on = a.assessed_on
                   AND b.rank >= s.rank) >= 6
         ORDER BY s.rank DESC LIMIT 1) AS overall_stage
  FROM (SELECT DISTINCT partner_id, assessed_on FROM demo_answer) a;

WITH made AS (
    INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage,
                                     created_at)
    SELECT p.partnership, a.partner_id, a.assessed_on, a.overall_stage,
           least(a.assessed_on + interval '9 days 11 hours', :'cutoff'::timestamptz)
      FROM demo_assessment a, demo_param p
     ORDER BY a.assessed_on, a.partner_id
    RETURNING assessment_id, partnership_id, partner_id, assessed_on)
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question,
                                        stage, evidence)
SELECT m.assessment_id, m.partnership_id, m.partner_id, b.question, s.code,
       format('Synthetic demo note: %s, reviewed at the %s partnership meeting.',
              lower(s.label), to_char(m.assessed_on, 'FMMonth YYYY'))
  FROM made m
  JOIN demo_answer b ON b.partner_id = m.partner_id AND b.assessed_on = m.assessed_on
  JOIN demo_stage s ON s.rank = b.rank;
\else
\echo demo data: the partnership already has self-assessments; none added
\endif

SELECT format('demo data: %s targets, %s self-assessments (partnership %s)',
              (SELECT count(*) FROM hub.target t, demo_param p
                WHERE t.partnership_id = p.partnership AND t.superseded_at IS NULL),
              (SELECT count(*) FROM hub.self_assessment a, demo_param p
                WHERE a.partnership_id = p.partnership AND a.superseded_at IS NULL),
              (SELECT partnership FROM demo_param)) AS summary \gset
\echo :summary
COMMIT;
