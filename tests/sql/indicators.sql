-- Outcome indicator values (sql/006) as the application role sees them:
-- every partner of a partnership reads them, each writes only its own,
-- history is never rewritten, another partnership sees none. Everything
-- happens in one transaction, rolled back: the caller changes with
-- set_config inside it. Variables as for rls.sql.
\set VERBOSITY terse
\pset footer off

\echo '-- no caller set: nothing matches'
SELECT 'indicator values' AS what, count(*) = 0 AS none FROM hub.indicator_value;

BEGIN;
\echo '-- the police partner of A submits'
SELECT set_config('hub.partnership_id', :'ps_a', true) IS NOT NULL AS set_partnership,
       set_config('hub.partner_id', :'police', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
WITH i AS (INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area,
                                            ethnic_group, value, numerator, denominator)
           VALUES (:ps_a, :police, 'employment_rate', '2025-Q2', 'E08999999', 'white_irish', 50, 1, 2)
           RETURNING period_start, period_end)
SELECT 'its own value, with the period''s first and last day' AS what,
       period_start = '2025-04-01' AND period_end = '2025-06-30' AS holds FROM i;
SAVEPOINT s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_a, :council, 'employment_rate', '2025-Q2', 'E08999999', 'white_irish', 50);
ROLLBACK TO s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_b, :partner_b, 'employment_rate', '2025-Q2', 'E08999999', 'white_irish', 50);
ROLLBACK TO s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_a, :police, 'employment_rate', '2025-Q2', 'E08999999', 'white_irish', 51);
ROLLBACK TO s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_a, :police, 'employment_rate', '2025-Q5', 'E08999999', 'white_irish', 51);
ROLLBACK TO s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_a, :police, 'employment_rate', '2025', 'E08999999', 'white_irish', -1);
ROLLBACK TO s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value, numerator)
     VALUES (:ps_a, :police, 'employment_rate', '2025', 'E08999999', 'white_irish', 1, 1);
ROLLBACK TO s;
UPDATE hub.indicator_value SET value = 99 WHERE area = 'E08999999';
ROLLBACK TO s;
DELETE FROM hub.indicator_value WHERE area = 'E08999999';
ROLLBACK TO s;
WITH u AS (UPDATE hub.indicator_value SET superseded_at = now()
            WHERE area = 'E08999999' AND superseded_at IS NULL RETURNING 1)
SELECT 'supersede its own value' AS what, count(*) = 1 AS holds FROM u;
WITH u AS (UPDATE hub.indicator_value SET superseded_at = NULL WHERE area = 'E08999999' RETURNING 1)
SELECT 'revive a superseded value: no row' AS what, count(*) = 0 AS holds FROM u;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_a, :police, 'employment_rate', '2025-Q2', 'E08999999', 'white_irish', 51);

\echo '-- read-only police cannot submit'
SELECT set_config('hub.roles', 'read', true) IS NOT NULL AS set_roles;
SAVEPOINT s;
INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group, value)
     VALUES (:ps_a, :police, 'employment_rate', '2025', 'E08999999', 'white_irish', 1);
ROLLBACK TO s;

\echo '-- the council of A reads police''s values, cannot change them'
SELECT set_config('hub.partner_id', :'council', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
SELECT 'police''s value and its history' AS what, count(*) = 2 AS holds
  FROM hub.indicator_value WHERE area = 'E08999999' AND partner_id = :police;
WITH u AS (UPDATE hub.indicator_value SET superseded_at = now() WHERE area = 'E08999999' RETURNING 1)
SELECT 'supersede police''s value: no row' AS what, count(*) = 0 AS holds FROM u;

\echo '-- a public credential of A reads none'
SELECT set_config('hub.partner_id', '', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'public', true) IS NOT NULL AS set_roles;
SELECT 'indicator values' AS what, count(*) = 0 AS none FROM hub.indicator_value;

\echo '-- the partner of B reads none of A''s'
SELECT set_config('hub.partnership_id', :'ps_b', true) IS NOT NULL AS set_partnership,
       set_config('hub.partner_id', :'partner_b', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
SELECT 'values of A' AS what, count(*) = 0 AS none FROM hub.indicator_value WHERE area = 'E08999999';
ROLLBACK;
