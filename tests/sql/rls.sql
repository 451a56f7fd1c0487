-- Row-level security as the application role sees it, without hubd.
-- Run by tests/integration/test_sql.sh as hub_app with
--   -v ps_a=… police=… council=… ps_b=… partner_b=…
-- (partnership A is the demo one; B another). Every line prints a label and
-- whether the expectation held; errors print as PostgreSQL words them.
\set VERBOSITY terse
\pset footer off

\echo '-- no caller set: nothing matches'
SELECT 'partnerships' AS what, count(*) = 0 AS none FROM hub.partnership;
SELECT 'partners' AS what, count(*) = 0 AS none FROM hub.partner;
SELECT 'credentials' AS what, count(*) = 0 AS none FROM hub.credential;
SELECT 'audit rows' AS what, count(*) = 0 AS none FROM hub.audit_log;

\echo '-- the police partner of A, for one transaction'
BEGIN;
SELECT set_config('hub.partnership_id', :'ps_a', true) IS NOT NULL AS set_partnership,
       set_config('hub.partner_id', :'police', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'submit,read', true) IS NOT NULL AS set_roles;
SELECT 'partnership: A only' AS what, count(*) = 1 AND bool_and(partnership_id = :ps_a) AS holds
  FROM hub.partnership;
SELECT 'partners: those of A' AS what, count(*) >= 4 AND bool_and(partnership_id = :ps_a) AS holds
  FROM hub.partner;
SELECT 'credentials: its own' AS what, count(*) >= 1 AND bool_and(partner_id = :police) AS holds
  FROM hub.credential;
SELECT 'audit rows: its own' AS what, count(*) >= 1 AND bool_and(partner_id = :police) AS holds
  FROM hub.audit_log;
SELECT 'partner of B: invisible' AS what, count(*) = 0 AS holds
  FROM hub.partner WHERE partner_id = :partner_b;
SELECT 'council tokens: invisible' AS what, count(*) = 0 AS holds
  FROM hub.credential WHERE partner_id = :council;
\echo '-- writes beyond its rights'
SAVEPOINT s;
INSERT INTO hub.partner (partnership_id, name, kind) VALUES (:ps_a, 'rls probe', 'other');
ROLLBACK TO s;
INSERT INTO hub.audit_log (partnership_id, partner_id, request_id, action, outcome)
     VALUES (:ps_a, :council, 'rls-probe', 'probe', 'ok');
ROLLBACK TO s;
INSERT INTO hub.audit_log (partnership_id, partner_id, request_id, action, outcome)
     VALUES (:ps_b, :partner_b, 'rls-probe', 'probe', 'ok');
ROLLBACK TO s;
UPDATE hub.audit_log SET outcome = 'ok';
ROLLBACK TO s;
DELETE FROM hub.audit_log;
ROLLBACK TO s;
SELECT token_hash FROM hub.credential;
ROLLBACK TO s;
WITH u AS (UPDATE hub.credential SET revoked_at = now() WHERE partner_id = :council RETURNING 1)
SELECT 'revoke a council token: no row' AS what, count(*) = 0 AS holds FROM u;
WITH u AS (UPDATE hub.partner SET active = false WHERE partner_id = :council RETURNING 1)
SELECT 'disable a partner without coordinate: no row' AS what, count(*) = 0 AS holds FROM u;
WITH i AS (INSERT INTO hub.audit_log (partnership_id, partner_id, request_id, action, outcome)
           VALUES (:ps_a, :police, 'rls-probe', 'probe', 'ok') RETURNING isa_reference)
SELECT 'append its own audit row, stamped with the agreement' AS what,
       isa_reference <> '' AS holds FROM i;
ROLLBACK;

\echo '-- after the transaction the caller is gone'
SELECT 'setting cleared' AS what, coalesce(current_setting('hub.partner_id', true), '') = '' AS holds;
SELECT 'partners' AS what, count(*) = 0 AS none FROM hub.partner;

\echo '-- a coordinator of A sees A, never B'
BEGIN;
SELECT set_config('hub.partnership_id', :'ps_a', true) IS NOT NULL AS set_partnership,
       set_config('hub.partner_id', :'council', true) IS NOT NULL AS set_partner,
       set_config('hub.roles', 'read,coordinate', true) IS NOT NULL AS set_roles;
SELECT 'credentials: all of A' AS what,
       count(DISTINCT partner_id) >= 2 AND bool_and(partnership_id = :ps_a) AS holds
  FROM hub.credential;
SELECT 'partner of B: invisible' AS what, count(*) = 0 AS holds
  FROM hub.partner WHERE partner_id = :partner_b;
SAVEPOINT s;
INSERT INTO hub.partner (partnership_id, name, kind) VALUES (:ps_b, 'rls probe', 'other');
ROLLBACK TO s;
WITH u AS (UPDATE hub.partner SET active = true WHERE partner_id = :partner_b RETURNING 1)
SELECT 'change a partner of B: no row' AS what, count(*) = 0 AS holds FROM u;
ROLLBACK;

\echo '-- a public credential (no partner) sees no registry rows'
BEGIN;
SELECT set_config('hub.partnership_id', :'ps_a', true) IS NOT NULL AS set_partnership,
       set_config('hub.roles', 'public', true) IS NOT NULL AS set_roles;
SELECT 'partners' AS what, count(*) = 0 AS none FROM hub.partner;
SELECT 'partnership' AS what, count(*) = 0 AS none FROM hub.partnership;
SELECT 'credentials' AS what, count(*) = 0 AS none FROM hub.credential;
ROLLBACK;
