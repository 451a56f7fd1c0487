-- The journey self-assessment (sql/008) as the application role sees it:
-- every partner of a partnership reads every partner's assessments and
-- answers; a partner writes only its own, with the submit role; answers go
-- only into a current assessment made in the same transaction and are
-- never changed; a resubmission supersedes, never rewrites; public
-- credentials and other partnerships see none; referral_activity gives
-- counts of the caller's partnership only. Everything happens in one
-- transaction, rolled back: the caller changes with set_config inside it.
-- Variables as for rls.sql. The date 2001-02-03 is this file's own.
\set VERBOSITY terse
\pset footer off

\echo '-- no caller set: nothing matches'
SELECT 'assessments' AS what, count(*) = 0 AS none FROM hub.self_assessment;
SELECT 'answers' AS what, count(*) = 0 AS none FROM hub.self_assessment_answer;
SELECT 'referral activity' AS what, count(*) = 0 AS none FROM hub.referral_activity('2000-01-01');

BEGIN;
\echo '-- the police partner of A submits'
SELECT set_config('hub.partnership_id', :'ps_a', true) IS NOT NULL AS set_partnership,
       set_config('hub.partner_id', :'police', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
WITH a AS (INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
           VALUES (:ps_a, :police, '2001-02-03', 'starting')
           RETURNING created_at, superseded_at, made_in)
SELECT 'its own assessment, made now, in this transaction, current' AS what,
       created_at = now() AND made_in = pg_current_xact_id() AND superseded_at IS NULL AS holds
  FROM a;
SELECT assessment_id AS first_id FROM hub.self_assessment
 WHERE partner_id = :police AND assessed_on = '2001-02-03' AND superseded_at IS NULL \gset
WITH s AS (INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id,
                                                   question, stage, evidence)
           SELECT :first_id, :ps_a, :police, q, 'starting', CASE q WHEN 'q1' THEN 'A note.' END
             FROM unnest(ARRAY['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8']) AS q
           RETURNING 1)
SELECT 'its eight answers' AS what, count(*) = 8 AS holds FROM s;
SELECT 'answers as the API shows them' AS what,
       jsonb_array_length(hub.self_assessment_answers(:first_id)) = 8
       AND hub.self_assessment_answers(:first_id) -> 0 = '{"question": "q1", "stage": "starting", "evidence": "A note."}'
       AS holds;
\echo '-- writes beyond its rights, and the table''s own checks'
SAVEPOINT s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_a, :council, '2001-02-03', 'starting');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_b, :partner_b, '2001-02-03', 'starting');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_a, :police, '2001-02-03', 'achieving');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_a, :police, '1999-12-31', 'achieving');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_a, :police, '2001-02-04', 'Achieving!');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage, created_at)
     VALUES (:ps_a, :police, '2001-02-04', 'achieving', now() - interval '1 day');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage, superseded_at)
     VALUES (:ps_a, :police, '2001-02-04', 'achieving', now());
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage, made_in)
     VALUES (:ps_a, :police, '2001-02-04', 'achieving', '1');
ROLLBACK TO s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage)
     VALUES (:first_id, :ps_a, :police, 'q1', 'achieving');
ROLLBACK TO s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage, evidence)
     VALUES (:first_id, :ps_a, :police, 'q9', 'achieving', '');
ROLLBACK TO s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage, evidence)
     VALUES (:first_id, :ps_a, :police, 'q9', 'achieving', repeat('x', 1001));
ROLLBACK TO s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage)
     VALUES (:first_id, :ps_a, :council, 'q9', 'achieving');
ROLLBACK TO s;
UPDATE hub.self_assessment SET overall_stage = 'achieving' WHERE assessment_id = :first_id;
ROLLBACK TO s;
DELETE FROM hub.self_assessment WHERE assessment_id = :first_id;
ROLLBACK TO s;
UPDATE hub.self_assessment_answer SET stage = 'achieving' WHERE assessment_id = :first_id;
ROLLBACK TO s;
DELETE FROM hub.self_assessment_answer WHERE assessment_id = :first_id;
ROLLBACK TO s;
\echo '-- a resubmission for the date supersedes, and the old one keeps its answers'
WITH u AS (UPDATE hub.self_assessment SET superseded_at = now()
            WHERE assessment_id = :first_id AND superseded_at IS NULL RETURNING 1)
SELECT 'supersede its own assessment' AS what, count(*) = 1 AS holds FROM u;
WITH u AS (UPDATE hub.self_assessment SET superseded_at = NULL WHERE assessment_id = :first_id
           RETURNING 1)
SELECT 'revive a superseded one: no row' AS what, count(*) = 0 AS holds FROM u;
SAVEPOINT s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage)
     VALUES (:first_id, :ps_a, :police, 'q9', 'achieving');
ROLLBACK TO s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_a, :police, '2001-02-03', 'developing');
SELECT assessment_id AS second_id FROM hub.self_assessment
 WHERE partner_id = :police AND assessed_on = '2001-02-03' AND superseded_at IS NULL \gset
SELECT 'the new one replaces the first' AS what,
       (hub.self_assessment_json(a) ->> 'replaces')::bigint = :first_id AS holds
  FROM hub.self_assessment a WHERE assessment_id = :second_id;
SELECT 'the first keeps its eight answers' AS what, count(*) = 8 AS holds
  FROM hub.self_assessment_answer WHERE assessment_id = :first_id;

\echo '-- read-only police cannot submit'
SELECT set_config('hub.roles', 'read', true) IS NOT NULL AS set_roles;
SAVEPOINT s;
INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)
     VALUES (:ps_a, :police, '2001-02-05', 'starting');
ROLLBACK TO s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage)
     VALUES (:second_id, :ps_a, :police, 'q1', 'starting');
ROLLBACK TO s;

\echo '-- the council of A reads police''s assessments, cannot change them'
SELECT set_config('hub.partner_id', :'council', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
SELECT 'police''s assessment and its history' AS what, count(*) = 2 AS holds
  FROM hub.self_assessment WHERE partner_id = :police AND assessed_on = '2001-02-03';
SELECT 'police''s answers' AS what, count(*) = 8 AS holds
  FROM hub.self_assessment_answer WHERE assessment_id = :first_id;
WITH u AS (UPDATE hub.self_assessment SET superseded_at = now() WHERE assessment_id = :second_id
           RETURNING 1)
SELECT 'supersede police''s assessment: no row' AS what, count(*) = 0 AS holds FROM u;
SAVEPOINT s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage)
     VALUES (:second_id, :ps_a, :council, 'q1', 'starting');
ROLLBACK TO s;
SELECT 'referral activity: partners of A only' AS what,
       coalesce(bool_and(partner_id IN (SELECT partner_id FROM hub.partner
                                         WHERE partnership_id = :ps_a)), true) AS holds
  FROM hub.referral_activity('2000-01-01');

\echo '-- a public credential of A reads none'
SELECT set_config('hub.partner_id', '', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'public', true) IS NOT NULL AS set_roles;
SELECT 'assessments' AS what, count(*) = 0 AS none FROM hub.self_assessment;
SELECT 'answers' AS what, count(*) = 0 AS none FROM hub.self_assessment_answer;
SELECT 'referral activity' AS what, count(*) = 0 AS none FROM hub.referral_activity('2000-01-01');

\echo '-- the partner of B reads none of A''s'
SELECT set_config('hub.partnership_id', :'ps_b', true) IS NOT NULL AS set_partnership,
       set_config('hub.partner_id', :'partner_b', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
SELECT 'assessments of A' AS what, count(*) = 0 AS none
  FROM hub.self_assessment WHERE partnership_id = :ps_a;
SELECT 'answers of A' AS what, count(*) = 0 AS none
  FROM hub.self_assessment_answer WHERE partnership_id = :ps_a;
SELECT 'referral activity of A''s partners' AS what, count(*) = 0 AS none
  FROM hub.referral_activity('2000-01-01') WHERE partner_id IN (:police, :council);
SAVEPOINT s;
INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage)
     VALUES (:second_id, :ps_b, :partner_b, 'q1', 'starting');
ROLLBACK TO s;
ROLLBACK;
