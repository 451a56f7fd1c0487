-- 011: joint targets.
--
-- A target is the partnership's: a coordinate credential sets and changes
-- it, every partner reads it. Each change is a new version: the current
-- version has superseded_at NULL, the older ones stay as history. The
-- definition (title, metric, filters, baseline, target, owners, review,
-- tolerance, state) is checked by hubd (hub/target.h) and kept as JSON;
-- the owners are also columns, so the database holds them to partners of
-- the partnership. Progress is not stored: hubd computes it on each read
-- from the disclosure-controlled statistics.

CREATE SEQUENCE hub.target_id_seq;

CREATE TABLE hub.target (
    target_id      bigint NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    partnership_id bigint NOT NULL,
    definition     jsonb NOT NULL
                   CHECK (jsonb_typeof(definition) = 'object' AND pg_column_size(definition) <= 16384),
    lead_partner   bigint NOT NULL,
    contributors   bigint[] NOT NULL DEFAULT '{}'
                   CHECK (cardinality(contributors) <= 20 AND array_position(contributors, NULL) IS NULL),
    retired        boolean NOT NULL DEFAULT false,
    changed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The partner whose coordinate credential made this version.
    changed_by     bigint NOT NULL DEFAULT hub.current_partner(),
    superseded_at  timestamptz,
    PRIMARY KEY (target_id, version),
    CHECK (superseded_at >= changed_at),
    FOREIGN KEY (partnership_id, lead_partner) REFERENCES hub.partner (partnership_id, partner_id)
);
CREATE UNIQUE INDEX target_current ON hub.target (target_id) WHERE superseded_at IS NULL;
CREATE INDEX target_by_partnership ON hub.target (partnership_id, target_id)
    WHERE superseded_at IS NULL;

-- A contributor is a partner of the partnership (an array cannot carry a
-- foreign key). SQLSTATE 23503, as the lead's foreign key would give.
-- SECURITY DEFINER so that the check sees disabled partners too.
CREATE FUNCTION hub.target_check_contributors() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hub AS $$
BEGIN
    IF EXISTS (SELECT FROM unnest(NEW.contributors) c
                WHERE NOT EXISTS (SELECT FROM hub.partner p
                                   WHERE p.partner_id = c AND p.partnership_id = NEW.partnership_id))
    THEN
        RAISE EXCEPTION 'a contributor is not a partner of the partnership'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER target_check_contributors BEFORE INSERT ON hub.target
    FOR EACH ROW EXECUTE FUNCTION hub.target_check_contributors();

CREATE FUNCTION hub.target_json(t hub.target) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT t.definition || jsonb_build_object(
    'id', t.target_id, 'version', t.version, 'changed_at', t.changed_at,
    'changed_by', t.changed_by, 'superseded_at', t.superseded_at)
$$;

ALTER TABLE hub.target ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.target FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.target TO hub_owner USING (true) WITH CHECK (true);

-- Every partner of the partnership reads its targets (public credentials,
-- which have no partner, do not); only coordinate credentials write.
CREATE POLICY app_read ON hub.target FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL);
CREATE POLICY app_create ON hub.target FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND hub.caller_has_role('coordinate')
                AND superseded_at IS NULL AND changed_by = hub.current_partner());
CREATE POLICY app_supersede ON hub.target FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.caller_has_role('coordinate')
           AND superseded_at IS NULL)
    WITH CHECK (partnership_id = hub.current_partnership() AND superseded_at IS NOT NULL);

GRANT SELECT,
      INSERT (target_id, version, partnership_id, definition, lead_partner, contributors, retired),
      UPDATE (superseded_at)
   ON hub.target TO hub_app;
GRANT USAGE ON SEQUENCE hub.target_id_seq TO hub_app;
