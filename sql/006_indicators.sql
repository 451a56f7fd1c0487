-- 006: outcome indicators by ethnic group.
--
-- Periodic measures a partner submits for an area and an ethnic group (the
-- briefing's local outcomes for race equality). The indicator, its unit and
-- the value's range are checked by hubd against api/codes/indicator.csv.
-- A resubmission of the same (partner, indicator, period, area, ethnic
-- group) supersedes the current value; superseded values stay as history.

-- The first and last day of a period written YYYY, YYYY-Qn or YYYY-MM.
CREATE FUNCTION hub.period_start(period text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT make_date(substr(period, 1, 4)::integer,
                 CASE WHEN length(period) = 4 THEN 1
                      WHEN substr(period, 6, 1) = 'Q' THEN substr(period, 7, 1)::integer * 3 - 2
                      ELSE substr(period, 6, 2)::integer END,
                 1)
$$;

CREATE FUNCTION hub.period_end(period text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT (hub.period_start(period)
        + CASE WHEN length(period) = 4 THEN interval '1 year'
               WHEN substr(period, 6, 1) = 'Q' THEN interval '3 months'
               ELSE interval '1 month' END
        - interval '1 day')::date
$$;

CREATE TABLE hub.indicator_value (
    value_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL,
    partner_id     bigint NOT NULL,
    indicator      text NOT NULL CHECK (indicator ~ '^[a-z0-9_]{1,64}$'),
    period         text NOT NULL CHECK (period ~ '^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$'),
    period_start   date NOT NULL GENERATED ALWAYS AS (hub.period_start(period)) STORED,
    period_end     date NOT NULL GENERATED ALWAYS AS (hub.period_end(period)) STORED,
    -- An LSOA, a ward or a local authority (county, unitary, district,
    -- metropolitan or London borough; Welsh principal area).
    area           text NOT NULL
                   CHECK (area ~ '^(E01|W01|E05|W05|E06|E07|E08|E09|E10|W06)[0-9]{6}$'),
    ethnic_group   text NOT NULL CHECK (ethnic_group ~ '^[a-z_]{1,64}$'),
    value          numeric NOT NULL CHECK (value >= 0),
    numerator      bigint CHECK (numerator >= 0),
    denominator    bigint CHECK (denominator > 0),
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    superseded_at  timestamptz,
    CHECK ((numerator IS NULL) = (denominator IS NULL))
);
-- One current value per key; the history is the superseded rows.
CREATE UNIQUE INDEX indicator_current
    ON hub.indicator_value (partnership_id, partner_id, indicator, period, area, ethnic_group)
    WHERE superseded_at IS NULL;
CREATE INDEX indicator_by_period ON hub.indicator_value (partnership_id, indicator, period_start);

CREATE FUNCTION hub.indicator_json(v hub.indicator_value) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT jsonb_build_object(
    'id', v.value_id, 'partner_id', v.partner_id, 'indicator', v.indicator,
    'period', v.period, 'period_start', v.period_start, 'period_end', v.period_end,
    'area', v.area, 'ethnic_group', v.ethnic_group, 'value', v.value,
    'numerator', v.numerator, 'denominator', v.denominator,
    'submitted_at', v.submitted_at, 'superseded_at', v.superseded_at)
$$;

ALTER TABLE hub.indicator_value ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.indicator_value FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.indicator_value TO hub_owner USING (true) WITH CHECK (true);

-- Indicators are the partnership's joint figures: every partner of the
-- partnership reads them (public credentials do not: they get published
-- statistics only); a partner submits and supersedes its own.
CREATE POLICY app_read ON hub.indicator_value FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL);
CREATE POLICY app_submit ON hub.indicator_value FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
                AND hub.caller_has_role('submit'));
CREATE POLICY app_supersede ON hub.indicator_value FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
           AND hub.caller_has_role('submit') AND superseded_at IS NULL)
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner());

GRANT SELECT,
      INSERT (partnership_id, partner_id, indicator, period, area, ethnic_group, value, numerator,
              denominator),
      UPDATE (superseded_at)
   ON hub.indicator_value TO hub_app;
