-- 002: partnerships, partners, credentials and the audit log, with
-- row-level security as the enforcement of who sees what.
--
-- hubd (role hub_app) sets the caller for each transaction with
-- set_config('hub.partnership_id' | 'hub.partner_id' | 'hub.roles', …, true).
-- Unset or empty means no caller, and then every policy matches nothing.
-- The owner (hub_owner: migrations, hubctl, SECURITY DEFINER functions) is
-- subject to FORCE ROW LEVEL SECURITY too, through explicit owner policies.

CREATE FUNCTION hub.current_partnership() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('hub.partnership_id', true), '')::bigint $$;

CREATE FUNCTION hub.current_partner() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('hub.partner_id', true), '')::bigint $$;

CREATE FUNCTION hub.caller_has_role(role text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(role = ANY (string_to_array(nullif(current_setting('hub.roles', true), ''), ',')), false) $$;

CREATE TABLE hub.partnership (
    partnership_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    -- The information sharing agreement the partners signed.
    isa_reference    text NOT NULL CHECK (length(isa_reference) BETWEEN 1 AND 100),
    lawful_basis     text NOT NULL CHECK (length(lawful_basis) BETWEEN 1 AND 300),
    retention_months integer NOT NULL CHECK (retention_months BETWEEN 1 AND 1200),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.partner (
    partner_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL REFERENCES hub.partnership,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind           text NOT NULL CHECK (kind IN ('police', 'council', 'health', 'housing',
                                                 'education', 'community', 'other')),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partnership_id, name),
    UNIQUE (partnership_id, partner_id) -- target of composite keys: a row's partner is in its partnership
);

-- A credential is a bearer token (stored as its SHA-256 only) or a client
-- certificate (its SHA-256 fingerprint and subject). A public credential is
-- a token of a partnership with no partner and the single role 'public'.
CREATE TABLE hub.credential (
    credential_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL REFERENCES hub.partnership,
    partner_id     bigint,
    kind           text NOT NULL CHECK (kind IN ('token', 'certificate')),
    roles          text[] NOT NULL CHECK (cardinality(roles) BETWEEN 1 AND 4
                   AND roles <@ ARRAY['submit', 'read', 'coordinate', 'public']
                   AND (NOT 'public' = ANY (roles) OR roles = ARRAY['public'])),
    label          text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    token_hash     bytea CHECK (length(token_hash) = 32),
    fingerprint    text CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    subject        text CHECK (length(subject) <= 1000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz,
    revoked_at     timestamptz,
    CHECK ((kind = 'token') = (token_hash IS NOT NULL)),
    CHECK ((kind = 'certificate') = (fingerprint IS NOT NULL AND subject IS NOT NULL)),
    CHECK ((roles = ARRAY['public']) = (partner_id IS NULL)),
    CHECK (partner_id IS NOT NULL OR kind = 'token'),
    FOREIGN KEY (partnership_id, partner_id) REFERENCES hub.partner (partnership_id, partner_id)
);
-- Lookups at authentication; a certificate maps to one partner hub-wide.
CREATE UNIQUE INDEX credential_token ON hub.credential (token_hash) WHERE token_hash IS NOT NULL;
CREATE UNIQUE INDEX credential_fingerprint ON hub.credential (fingerprint)
    WHERE fingerprint IS NOT NULL AND revoked_at IS NULL;
-- With HUB_CERT_IDENTITY=subject a subject must name one credential.
CREATE UNIQUE INDEX credential_subject ON hub.credential (subject)
    WHERE subject IS NOT NULL AND revoked_at IS NULL;
CREATE INDEX credential_partner ON hub.credential (partnership_id, partner_id);

-- Every API call on partner data appends a row in its own transaction.
-- seal_seq, prev_hash and hash are filled later by hub.audit_seal, which
-- chains each partnership's rows: hash = sha256(prev_hash || canonical row).
CREATE TABLE hub.audit_log (
    audit_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No foreign key: every insert would share-lock the one partnership row
    -- (a MultiXact under load), and partnerships are never deleted.
    partnership_id bigint NOT NULL,
    partner_id     bigint,
    credential_id  bigint,
    request_id     text NOT NULL CHECK (request_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    at             timestamptz NOT NULL DEFAULT now(),
    action         text NOT NULL CHECK (action ~ '^[a-z_.]{1,64}$'),
    object_type    text NOT NULL DEFAULT '' CHECK (length(object_type) <= 64),
    object_id      text NOT NULL DEFAULT '' CHECK (length(object_id) <= 64),
    outcome        text NOT NULL CHECK (outcome ~ '^[a-z_]{1,32}$'),
    isa_reference  text NOT NULL DEFAULT '',
    seal_seq       bigint,
    prev_hash      bytea,
    hash           bytea,
    UNIQUE (partnership_id, seal_seq)
);
CREATE INDEX audit_unsealed ON hub.audit_log (partnership_id, audit_id) WHERE hash IS NULL;
CREATE INDEX audit_partner ON hub.audit_log (partnership_id, partner_id, audit_id);

-- The agreement in force is recorded on each row, whoever inserts it.
-- SECURITY DEFINER: a public credential's caller cannot read the partnership.
CREATE FUNCTION hub.audit_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    SELECT p.isa_reference INTO NEW.isa_reference
      FROM hub.partnership p WHERE p.partnership_id = NEW.partnership_id;
    NEW.at := now();
    NEW.seal_seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_stamp BEFORE INSERT ON hub.audit_log
    FOR EACH ROW EXECUTE FUNCTION hub.audit_stamp();

-- Audit rows are never changed or removed; the one exception is the sealer
-- filling the chain columns of a row not yet sealed.
CREATE FUNCTION hub.audit_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL
       AND current_setting('hub.sealing', true) = 'on'
       AND to_jsonb(NEW) - '{seal_seq,prev_hash,hash}'::text[]
           = to_jsonb(OLD) - '{seal_seq,prev_hash,hash}'::text[] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit log rows cannot be changed or deleted'
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_guard BEFORE UPDATE OR DELETE ON hub.audit_log
    FOR EACH ROW EXECUTE FUNCTION hub.audit_guard();
CREATE TRIGGER audit_guard_truncate BEFORE TRUNCATE ON hub.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION hub.audit_guard();

-- The exact bytes each link hashes. hubctl audit verify rebuilds them in C
-- from the columns: every field as "<length>:<value>|", NULL as "-|".
CREATE FUNCTION hub.audit_canonical(a hub.audit_log) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
SELECT string_agg(CASE WHEN v IS NULL THEN '-|' ELSE length(v) || ':' || v || '|' END, '' ORDER BY i)
  FROM unnest(ARRAY[
        a.audit_id::text, a.partnership_id::text, a.partner_id::text, a.credential_id::text,
        a.request_id, (extract(epoch FROM a.at) * 1000000)::bigint::text, a.action,
        a.object_type, a.object_id, a.outcome, a.isa_reference, a.seal_seq::text])
       WITH ORDINALITY AS f(v, i)
$$;

-- Seals up to max_rows unsealed rows, in audit_id order within each
-- partnership. One sealer at a time (advisory lock); safe to re-run; rows
-- that commit late are sealed by the next run with later sequence numbers.
CREATE FUNCTION hub.audit_seal(max_rows integer DEFAULT 10000) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub
AS $$
DECLARE
    ps   bigint;
    r    hub.audit_log;
    prev bytea;
    seq  bigint;
    n    bigint := 0;
BEGIN
    IF max_rows < 1 THEN
        RAISE EXCEPTION 'max_rows must be at least 1';
    END IF;
    IF NOT pg_try_advisory_xact_lock(7266002) THEN
        RETURN 0;
    END IF;
    PERFORM set_config('hub.sealing', 'on', true);
    FOR ps IN SELECT DISTINCT partnership_id FROM hub.audit_log WHERE hash IS NULL LOOP
        SELECT a.hash, a.seal_seq INTO prev, seq FROM hub.audit_log a
         WHERE a.partnership_id = ps AND a.seal_seq IS NOT NULL
         ORDER BY a.seal_seq DESC LIMIT 1;
        prev := coalesce(prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
        seq := coalesce(seq, 0);
        FOR r IN SELECT * FROM hub.audit_log a
                  WHERE a.partnership_id = ps AND a.hash IS NULL
                  ORDER BY a.audit_id LIMIT max_rows - n LOOP
            seq := seq + 1;
            r.seal_seq := seq;
            r.prev_hash := prev;
            r.hash := sha256(prev || convert_to(hub.audit_canonical(r), 'UTF8'));
            UPDATE hub.audit_log SET seal_seq = r.seal_seq, prev_hash = r.prev_hash, hash = r.hash
             WHERE audit_id = r.audit_id;
            prev := r.hash;
            n := n + 1;
        END LOOP;
        EXIT WHEN n >= max_rows;
    END LOOP;
    RETURN n;
END $$;

-- Identifies a caller before any partner context exists. method is 'token'
-- (secret: hex SHA-256 of the token; the token itself never reaches the
-- database), 'fingerprint' (hex SHA-256 of the certificate) or 'subject'.
-- Unknown, revoked, expired credentials and disabled partners match nothing.
CREATE FUNCTION hub.authenticate(method text, secret text)
RETURNS TABLE (credential_id bigint, kind text, partnership_id bigint, partner_id bigint,
               roles text[], partner_name text, partner_kind text, partnership_name text,
               isa_reference text)
-- plpgsql, not sql: its plans are cached per session; this runs on every
-- call. One query per method, so each uses its own unique index.
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, hub
AS $$
#variable_conflict use_column
BEGIN
    IF method = 'token' AND length(secret) = 64 THEN
        RETURN QUERY
        SELECT c.credential_id, c.kind, c.partnership_id, c.partner_id, c.roles,
               p.name, p.kind, ps.name, ps.isa_reference
          FROM hub.credential c
          JOIN hub.partnership ps ON ps.partnership_id = c.partnership_id
          LEFT JOIN hub.partner p ON p.partner_id = c.partner_id
         WHERE c.token_hash = decode(secret, 'hex')
           AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now())
           AND (c.partner_id IS NULL OR p.active);
    ELSIF method = 'fingerprint' THEN
        RETURN QUERY
        SELECT c.credential_id, c.kind, c.partnership_id, c.partner_id, c.roles,
               p.name, p.kind, ps.name, ps.isa_reference
          FROM hub.credential c
          JOIN hub.partnership ps ON ps.partnership_id = c.partnership_id
          JOIN hub.partner p ON p.partner_id = c.partner_id
         WHERE c.fingerprint = secret AND c.revoked_at IS NULL
           AND (c.expires_at IS NULL OR c.expires_at > now()) AND p.active;
    ELSIF method = 'subject' THEN
        RETURN QUERY
        SELECT c.credential_id, c.kind, c.partnership_id, c.partner_id, c.roles,
               p.name, p.kind, ps.name, ps.isa_reference
          FROM hub.credential c
          JOIN hub.partnership ps ON ps.partnership_id = c.partnership_id
          JOIN hub.partner p ON p.partner_id = c.partner_id
         WHERE c.subject = secret AND c.kind = 'certificate' AND c.revoked_at IS NULL
           AND (c.expires_at IS NULL OR c.expires_at > now()) AND p.active;
    END IF;
END
$$;

-- Row-level security.
ALTER TABLE hub.partnership ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.partnership FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.partner ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.partner FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.credential ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.credential FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.audit_log FORCE ROW LEVEL SECURITY;

CREATE POLICY owner_all ON hub.partnership TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.partner TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.credential TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.audit_log TO hub_owner USING (true) WITH CHECK (true);

-- A partner sees its partnership, the partners in it, its own credentials
-- (a coordinator: the partnership's) and its own audit trail (a
-- coordinator: the partnership's). Public credentials have no partner and
-- see none of this.
CREATE POLICY app_read ON hub.partnership FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL);

CREATE POLICY app_read ON hub.partner FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL);
CREATE POLICY app_add ON hub.partner FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND hub.caller_has_role('coordinate'));
CREATE POLICY app_change ON hub.partner FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.caller_has_role('coordinate'))
    WITH CHECK (partnership_id = hub.current_partnership());

CREATE POLICY app_read ON hub.credential FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership()
           AND (partner_id = hub.current_partner() OR hub.caller_has_role('coordinate')));
CREATE POLICY app_add ON hub.credential FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND hub.caller_has_role('coordinate')
                AND kind = 'token');
CREATE POLICY app_revoke ON hub.credential FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership()
           AND (partner_id = hub.current_partner() OR hub.caller_has_role('coordinate')))
    WITH CHECK (partnership_id = hub.current_partnership());

CREATE POLICY app_read ON hub.audit_log FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership()
           AND (partner_id = hub.current_partner() OR hub.caller_has_role('coordinate')));
CREATE POLICY app_append ON hub.audit_log FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership()
                AND partner_id IS NOT DISTINCT FROM hub.current_partner());

-- Privileges: hub_app gets exactly what the API needs, column by column.
GRANT SELECT ON hub.partnership TO hub_app;
GRANT SELECT, INSERT (partnership_id, name, kind), UPDATE (active) ON hub.partner TO hub_app;
GRANT SELECT (credential_id, partnership_id, partner_id, kind, roles, label, fingerprint, subject,
              created_at, expires_at, revoked_at),
      INSERT (partnership_id, partner_id, kind, roles, label, token_hash, expires_at),
      UPDATE (revoked_at)
   ON hub.credential TO hub_app;
GRANT SELECT,
      INSERT (partnership_id, partner_id, credential_id, request_id, action, object_type,
              object_id, outcome)
   ON hub.audit_log TO hub_app;
REVOKE ALL ON FUNCTION hub.authenticate(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.authenticate(text, text) TO hub_app;
REVOKE ALL ON FUNCTION hub.audit_seal(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.audit_seal(integer) TO hub_app;
