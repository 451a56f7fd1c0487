-- 014: the same checks on hub.report, cheaper per inserted row.
--
-- Measured on a batch of 1,000 reports (EXPLAIN ANALYZE of hubd's batch
-- INSERT as hub_app; bench/README.md has the figures), two checks took
-- about a third of the insert's time. Neither change alters what is
-- accepted or who sees what.
--
-- 1. external_ref ~ '^[A-Za-z0-9._/-]{1,64}$': PostgreSQL's regex engine
--    expands the bounded repeat {1,64} into 64 copies of the class, about
--    6.6 µs a row here; '+' with a length check is the same rule at about
--    0.3 µs. Re-adding the constraint checks every stored row once (a few
--    seconds for millions of rows, under the migration's lock).
ALTER TABLE hub.report
    DROP CONSTRAINT report_external_ref_check,
    ADD CONSTRAINT report_external_ref_check
        CHECK (length(external_ref) <= 64 AND external_ref ~ '^[A-Za-z0-9._/-]+$');

-- 2. INSERT … RETURNING checks every new row against the SELECT policies,
--    and the planner evaluated app_read_referred's SECURITY DEFINER lookup
--    of hub.referral (an index scan and a search_path switch) before
--    app_read's column comparison, for every row a partner submits. A
--    partner's own reports are visible through app_read already, so
--    app_read_referred now looks up referrals only for other partners'
--    reports: the same rows are visible, and the lookup is skipped for the
--    caller's own. (IS DISTINCT FROM: with no partner in the context, the
--    lookup still runs and finds nothing, as before.)
ALTER POLICY app_read_referred ON hub.report
    USING (partnership_id = hub.current_partnership()
           AND partner_id IS DISTINCT FROM hub.current_partner()
           AND hub.report_referred_to_caller(report_id));
