-- 004: referrals between partners and the outcomes they record.
--
-- A report's owner refers it to another partner of the partnership; the
-- receiver sees the report (read-only) while the referral is open or
-- accepted, answers within the agreement's acknowledgement limit, and, once
-- it has accepted, records what it did. Reason and outcome codes are checked
-- by hubd against api/codes.

-- The agreement's acknowledgement limits, in working days (Monday-Friday;
-- bank holidays are not known to the hub and count as working days).
ALTER TABLE hub.partnership
    ADD COLUMN ack_days_routine integer NOT NULL DEFAULT 10 CHECK (ack_days_routine BETWEEN 1 AND 60),
    ADD COLUMN ack_days_urgent integer NOT NULL DEFAULT 2 CHECK (ack_days_urgent BETWEEN 1 AND 60);

CREATE FUNCTION hub.add_working_days(start date, days integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT d FROM (
    SELECT d, row_number() OVER (ORDER BY d) AS n
      FROM generate_series(start + 1, start + days * 2 + 7, interval '1 day') AS g(t),
           LATERAL (SELECT t::date AS d) x
     WHERE extract(isodow FROM d) < 6) w
 WHERE n = days
$$;

CREATE TABLE hub.referral (
    referral_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL,
    report_id      bigint NOT NULL REFERENCES hub.report,
    from_partner   bigint NOT NULL,
    to_partner     bigint NOT NULL,
    reason         text NOT NULL,
    urgency        text NOT NULL CHECK (urgency IN ('routine', 'urgent')),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined')),
    decline_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    due_on         date NOT NULL,
    answered_at    timestamptz,
    CHECK (from_partner <> to_partner),
    CHECK ((status = 'open') = (answered_at IS NULL)),
    CHECK ((status = 'declined') = (decline_reason IS NOT NULL)),
    -- The receiver is a partner of the same partnership.
    FOREIGN KEY (partnership_id, to_partner) REFERENCES hub.partner (partnership_id, partner_id)
);
-- Not twice to the same partner while one is open.
CREATE UNIQUE INDEX referral_open_once ON hub.referral (partnership_id, report_id, to_partner)
    WHERE status = 'open';
CREATE INDEX referral_in ON hub.referral (partnership_id, to_partner, referral_id);
CREATE INDEX referral_out ON hub.referral (partnership_id, from_partner, referral_id);
CREATE INDEX referral_report ON hub.referral (report_id);

CREATE TABLE hub.outcome (
    outcome_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id   bigint NOT NULL,
    report_id        bigint NOT NULL REFERENCES hub.report,
    partner_id       bigint NOT NULL,
    outcome          text NOT NULL,
    on_date          date NOT NULL,
    victim_satisfied text CHECK (victim_satisfied IN ('yes', 'no', 'unknown')),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcome_report ON hub.outcome (report_id);

CREATE FUNCTION hub.referral_json(f hub.referral) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT jsonb_build_object(
    'id', f.referral_id, 'report_id', f.report_id, 'from_partner', f.from_partner,
    'to_partner', f.to_partner, 'reason', f.reason, 'urgency', f.urgency, 'status', f.status,
    'decline_reason', f.decline_reason, 'created_at', f.created_at, 'due_on', f.due_on,
    'answered_at', f.answered_at,
    'answered_in_time', CASE WHEN f.answered_at IS NULL THEN NULL
                             ELSE (f.answered_at AT TIME ZONE 'UTC')::date <= f.due_on END)
$$;

CREATE FUNCTION hub.outcome_json(o hub.outcome) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT jsonb_build_object(
    'id', o.outcome_id, 'report_id', o.report_id, 'partner_id', o.partner_id,
    'outcome', o.outcome, 'on', o.on_date, 'victim_satisfied', o.victim_satisfied,
    'created_at', o.created_at)
$$;

ALTER TABLE hub.referral ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.referral FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.outcome ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.outcome FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.referral TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.outcome TO hub_owner USING (true) WITH CHECK (true);

-- Referrals: the sender and the receiver see them; the sender makes them,
-- only for a report it owns; the receiver answers them.
CREATE POLICY app_read ON hub.referral FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership()
           AND hub.current_partner() IN (from_partner, to_partner));
CREATE POLICY app_refer ON hub.referral FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND from_partner = hub.current_partner()
                AND hub.caller_has_role('submit')
                AND EXISTS (SELECT FROM hub.report r
                             WHERE r.report_id = referral.report_id
                               AND r.partnership_id = hub.current_partnership()
                               AND r.partner_id = hub.current_partner()));
CREATE POLICY app_answer ON hub.referral FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership() AND to_partner = hub.current_partner()
           AND hub.caller_has_role('submit'))
    WITH CHECK (partnership_id = hub.current_partnership() AND to_partner = hub.current_partner());

-- A referred report is visible (read-only) to its receiver while the
-- referral is open or accepted. The lookup is a SECURITY DEFINER function
-- so that the report and referral policies do not refer to each other.
CREATE FUNCTION hub.report_referred_to_caller(report bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, hub
AS $$
SELECT EXISTS (SELECT FROM hub.referral f
                WHERE f.report_id = report AND f.partnership_id = hub.current_partnership()
                  AND f.to_partner = hub.current_partner()
                  AND f.status IN ('open', 'accepted'))
$$;
REVOKE ALL ON FUNCTION hub.report_referred_to_caller(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.report_referred_to_caller(bigint) TO hub_app;

-- Same for "has the caller accepted a referral of this report" (outcomes).
CREATE FUNCTION hub.report_accepted_by_caller(report bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, hub
AS $$
SELECT EXISTS (SELECT FROM hub.referral f
                WHERE f.report_id = report AND f.partnership_id = hub.current_partnership()
                  AND f.to_partner = hub.current_partner() AND f.status = 'accepted')
$$;
REVOKE ALL ON FUNCTION hub.report_accepted_by_caller(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.report_accepted_by_caller(bigint) TO hub_app;

CREATE POLICY app_read_referred ON hub.report FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership()
           AND hub.report_referred_to_caller(report_id));

-- Outcomes: recorded by the owner or a partner that accepted a referral;
-- seen by the report's owner (all of them) and by whoever recorded one.
CREATE POLICY app_read ON hub.outcome FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership()
           AND (partner_id = hub.current_partner()
                OR EXISTS (SELECT FROM hub.report r
                            WHERE r.report_id = outcome.report_id
                              AND r.partner_id = hub.current_partner())));
CREATE POLICY app_record ON hub.outcome FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
                AND hub.caller_has_role('submit')
                AND (EXISTS (SELECT FROM hub.report r
                              WHERE r.report_id = outcome.report_id
                                AND r.partner_id = hub.current_partner())
                     OR hub.report_accepted_by_caller(report_id)));

GRANT SELECT,
      INSERT (partnership_id, report_id, from_partner, to_partner, reason, urgency, due_on),
      UPDATE (status, decline_reason, answered_at)
   ON hub.referral TO hub_app;
GRANT SELECT,
      INSERT (partnership_id, report_id, partner_id, outcome, on_date, victim_satisfied)
   ON hub.outcome TO hub_app;
