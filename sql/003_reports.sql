-- 003: anonymised harassment reports of the protocol harassment-report/1.
--
-- hubd validates every field against the code lists in api/codes before a
-- row reaches this table; the checks here are the last line, not the first.
-- A report belongs to the partner that submitted it: external_ref is that
-- partner's own reference and the idempotency key. The pseudonym is stored
-- re-keyed by the hub (HMAC-SHA256 with the hub's key), never as submitted.

CREATE TABLE hub.report (
    report_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL,
    -- No foreign key to partner: every insert would share-lock the
    -- partner's row; row-level security already pins partner_id to the
    -- authenticated caller.
    partner_id     bigint NOT NULL,
    external_ref   text NOT NULL CHECK (external_ref ~ '^[A-Za-z0-9._/-]{1,64}$'),
    version        integer NOT NULL DEFAULT 1,
    occurred_from  date NOT NULL,
    occurred_to    date NOT NULL,
    reported_on    date NOT NULL,
    area           text NOT NULL CHECK (area ~ '^(E01|W01|E05|W05)[0-9]{6}$'),
    location_type  text NOT NULL,
    strands        text[] NOT NULL CHECK (cardinality(strands) BETWEEN 1 AND 7),
    incident_types text[] NOT NULL CHECK (cardinality(incident_types) BETWEEN 1 AND 9),
    ethnic_group   text NOT NULL,  -- ONS 2021 code
    ethnic_scheme  text NOT NULL CHECK (ethnic_scheme IN ('ons2021', 'police', 'nhs')),
    ethnic_native  text NOT NULL,  -- the code as submitted, in its scheme
    age_band       text NOT NULL,
    sex            text NOT NULL,
    repeat         text NOT NULL,
    channel        text NOT NULL,
    subject_hash   bytea CHECK (length(subject_hash) = 32),
    content_hash   bytea NOT NULL CHECK (length(content_hash) = 32),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    withdrawn_at   timestamptz,
    CHECK (occurred_to >= occurred_from),
    CHECK (reported_on >= occurred_from),
    UNIQUE (partnership_id, partner_id, external_ref)
);
CREATE INDEX report_partner_updated ON hub.report (partnership_id, partner_id, updated_at);

-- Earlier versions of amended reports; the current one stays in hub.report.
CREATE TABLE hub.report_version (
    partnership_id bigint NOT NULL,
    report_id      bigint NOT NULL REFERENCES hub.report,
    version        integer NOT NULL,
    partner_id     bigint NOT NULL,
    content        jsonb NOT NULL,
    valid_from     timestamptz NOT NULL,
    valid_to       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partnership_id, report_id, version)
);

-- The report as the API shows it.
CREATE FUNCTION hub.report_json(r hub.report) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT jsonb_build_object(
    'id', r.report_id, 'protocol', 'harassment-report/1', 'partner_id', r.partner_id,
    'external_ref', r.external_ref, 'version', r.version,
    'occurred_from', r.occurred_from, 'occurred_to', r.occurred_to,
    'reported_on', r.reported_on, 'area', r.area, 'location_type', r.location_type,
    'strands', to_jsonb(r.strands), 'incident_types', to_jsonb(r.incident_types),
    'victim', jsonb_build_object(
        'ethnic_group', r.ethnic_group,
        'native', jsonb_build_object('scheme', r.ethnic_scheme, 'code', r.ethnic_native),
        'age_band', r.age_band, 'sex', r.sex),
    'repeat', r.repeat, 'channel', r.channel,
    'subject_key_present', r.subject_hash IS NOT NULL,
    'created_at', r.created_at, 'updated_at', r.updated_at, 'withdrawn_at', r.withdrawn_at)
$$;

-- Amending keeps the previous version.
CREATE FUNCTION hub.report_keep_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content_hash <> OLD.content_hash THEN
        INSERT INTO hub.report_version (partnership_id, report_id, version, partner_id, content,
                                        valid_from)
        VALUES (OLD.partnership_id, OLD.report_id, OLD.version, OLD.partner_id,
                hub.report_json(OLD), OLD.updated_at);
        NEW.version := OLD.version + 1;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER report_keep_version BEFORE UPDATE ON hub.report
    FOR EACH ROW EXECUTE FUNCTION hub.report_keep_version();

ALTER TABLE hub.report ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.report FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.report_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.report_version FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.report TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.report_version TO hub_owner USING (true) WITH CHECK (true);

-- A partner sees and changes its own reports only (referrals will add the
-- reports referred to it, read-only); submitting needs the submit role.
CREATE POLICY app_read ON hub.report FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner());
CREATE POLICY app_submit ON hub.report FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
                AND hub.caller_has_role('submit'));
CREATE POLICY app_amend ON hub.report FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
           AND hub.caller_has_role('submit'))
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner());
CREATE POLICY app_read ON hub.report_version FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner());
CREATE POLICY app_keep ON hub.report_version FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner());

GRANT SELECT,
      INSERT (partnership_id, partner_id, external_ref, occurred_from, occurred_to, reported_on,
              area, location_type, strands, incident_types, ethnic_group, ethnic_scheme,
              ethnic_native, age_band, sex, repeat, channel, subject_hash, content_hash),
      UPDATE (occurred_from, occurred_to, reported_on, area, location_type, strands,
              incident_types, ethnic_group, ethnic_scheme, ethnic_native, age_band, sex, repeat,
              channel, subject_hash, content_hash, version, updated_at, withdrawn_at)
   ON hub.report TO hub_app;
GRANT SELECT, INSERT ON hub.report_version TO hub_app;
