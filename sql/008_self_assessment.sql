-- 008: the journey self-assessment.
--
-- Each partner records, dated, its stage on the journey to race equality
-- (resisting, intending, starting, developing, achieving) for each of the
-- briefing's eight questions, with a short evidence note, and hubd derives
-- the overall stage (the highest stage reached or passed on at least six of
-- the eight). Questions and stages are checked by hubd against
-- api/codes/self_assessment.csv and journey_stage.csv; the checks here are
-- the last line, not the first, and copy no code list.
--
-- Two tables. An assessment is one submission: who, for which date, when,
-- its overall stage, and whether a later submission for the same date
-- replaced it. Its answers are rows of their own, one per question, so the
-- journey view reads one question's stages over time with an index, and a
-- replaced submission keeps its answers untouched (superseding is one
-- update of one row, never a rewrite of eight).
--
-- A resubmission for the same partner and date replaces the current
-- assessment when its answers differ (the old one stays, superseded, as
-- history), and changes nothing when they are the same. Answers are written
-- once, in the transaction that made their assessment, and never changed.

CREATE TABLE hub.self_assessment (
    assessment_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id bigint NOT NULL,
    partner_id     bigint NOT NULL,
    assessed_on    date NOT NULL CHECK (assessed_on >= DATE '2000-01-01'),
    overall_stage  text NOT NULL CHECK (overall_stage ~ '^[a-z_]{1,32}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    superseded_at  timestamptz,
    -- The transaction that made it: only that one writes its answers.
    -- Exact where created_at = now() would only be likely (two transactions
    -- may begin in the same microsecond), and right under savepoints.
    made_in        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CHECK (superseded_at >= created_at),
    -- The partner is one of the partnership's.
    FOREIGN KEY (partnership_id, partner_id) REFERENCES hub.partner (partnership_id, partner_id),
    -- Target of the answers' key: an answer is its assessment's partner's.
    UNIQUE (assessment_id, partnership_id, partner_id)
);
-- One current assessment per partner and date; the history is the superseded rows.
CREATE UNIQUE INDEX self_assessment_current
    ON hub.self_assessment (partnership_id, partner_id, assessed_on) WHERE superseded_at IS NULL;
CREATE INDEX self_assessment_by_date ON hub.self_assessment (partnership_id, assessed_on);

CREATE TABLE hub.self_assessment_answer (
    assessment_id  bigint NOT NULL,
    partnership_id bigint NOT NULL,
    partner_id     bigint NOT NULL,
    question       text NOT NULL CHECK (question ~ '^[a-z0-9_]{1,32}$'),
    stage          text NOT NULL CHECK (stage ~ '^[a-z_]{1,32}$'),
    -- Organisational free text, checked for personal data by hubd; no
    -- empty notes (none is NULL).
    evidence       text CHECK (char_length(evidence) BETWEEN 1 AND 1000),
    PRIMARY KEY (assessment_id, question),
    FOREIGN KEY (assessment_id, partnership_id, partner_id)
        REFERENCES hub.self_assessment (assessment_id, partnership_id, partner_id)
);

-- An assessment's answers in question order, as the API shows them.
CREATE FUNCTION hub.self_assessment_answers(assessment bigint) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT coalesce(jsonb_agg(jsonb_build_object('question', s.question, 'stage', s.stage,
                                             'evidence', s.evidence)
                          ORDER BY s.question), '[]')
  FROM hub.self_assessment_answer s
 WHERE s.assessment_id = assessment
$$;

-- replaces: the assessment of the same partner and date that this one
-- superseded (the latest before it), or null.
CREATE FUNCTION hub.self_assessment_json(a hub.self_assessment) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
SELECT jsonb_build_object(
    'id', a.assessment_id, 'partner_id', a.partner_id, 'assessed_on', a.assessed_on,
    'overall_stage', a.overall_stage, 'answers', hub.self_assessment_answers(a.assessment_id),
    'created_at', a.created_at, 'superseded_at', a.superseded_at,
    'replaces', (SELECT max(o.assessment_id) FROM hub.self_assessment o
                  WHERE o.partnership_id = a.partnership_id AND o.partner_id = a.partner_id
                    AND o.assessed_on = a.assessed_on AND o.assessment_id < a.assessment_id))
$$;

ALTER TABLE hub.self_assessment ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.self_assessment FORCE ROW LEVEL SECURITY;
ALTER TABLE hub.self_assessment_answer ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.self_assessment_answer FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON hub.self_assessment TO hub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON hub.self_assessment_answer TO hub_owner USING (true) WITH CHECK (true);

-- The partnership view: every partner of the partnership reads every
-- partner's assessments (public credentials, which have no partner, read
-- none). A partner submits its own, with the submit role, and supersedes
-- only its own current ones.
CREATE POLICY app_read ON hub.self_assessment FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL);
CREATE POLICY app_submit ON hub.self_assessment FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
                AND hub.caller_has_role('submit') AND superseded_at IS NULL);
CREATE POLICY app_supersede ON hub.self_assessment FOR UPDATE TO hub_app
    USING (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
           AND hub.caller_has_role('submit') AND superseded_at IS NULL)
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
                AND superseded_at IS NOT NULL);

-- Answers: read as their assessments are; written only into a current
-- assessment of the caller made in this very transaction (made_in, which
-- hub_app cannot set), so a stored assessment never gains, loses or
-- changes an answer afterwards.
CREATE POLICY app_read ON hub.self_assessment_answer FOR SELECT TO hub_app
    USING (partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL);
CREATE POLICY app_submit ON hub.self_assessment_answer FOR INSERT TO hub_app
    WITH CHECK (partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()
                AND hub.caller_has_role('submit')
                AND EXISTS (SELECT FROM hub.self_assessment a
                             WHERE a.assessment_id = self_assessment_answer.assessment_id
                               AND a.partner_id = hub.current_partner()
                               AND a.superseded_at IS NULL
                               AND a.made_in = pg_current_xact_id()));

GRANT SELECT,
      INSERT (partnership_id, partner_id, assessed_on, overall_stage),
      UPDATE (superseded_at)
   ON hub.self_assessment TO hub_app;
GRANT SELECT,
      INSERT (assessment_id, partnership_id, partner_id, question, stage, evidence)
   ON hub.self_assessment_answer TO hub_app;

-- Live evidence for Q5 (working with partners), for the journey view: per
-- partner of the caller's partnership, the referrals it made and received
-- since a date, how many of those received are due (answered, or past
-- their due date) and how many were answered in time. Referral rows are
-- visible only to their two partners, so this is a SECURITY DEFINER
-- function returning counts alone: no report, no person, no ethnic group,
-- no area, only how the partnership's own referral agreement is kept. A
-- caller without a partner (a public credential) gets no rows.
CREATE FUNCTION hub.referral_activity(since date)
RETURNS TABLE (partner_id bigint, made bigint, received bigint, due bigint,
               answered_in_time bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, hub
AS $$
SELECT p.partner_id,
       count(*) FILTER (WHERE f.from_partner = p.partner_id),
       count(*) FILTER (WHERE f.to_partner = p.partner_id),
       count(*) FILTER (WHERE f.to_partner = p.partner_id
                          AND (f.answered_at IS NOT NULL
                               OR f.due_on < (now() AT TIME ZONE 'UTC')::date)),
       count(*) FILTER (WHERE f.to_partner = p.partner_id
                          AND (f.answered_at AT TIME ZONE 'UTC')::date <= f.due_on)
  FROM hub.partner p
  JOIN hub.referral f ON f.partnership_id = p.partnership_id
                     AND p.partner_id IN (f.from_partner, f.to_partner)
 WHERE p.partnership_id = hub.current_partnership() AND hub.current_partner() IS NOT NULL
   AND (f.created_at AT TIME ZONE 'UTC')::date >= since
 GROUP BY p.partner_id
$$;
REVOKE ALL ON FUNCTION hub.referral_activity(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub.referral_activity(date) TO hub_app;
