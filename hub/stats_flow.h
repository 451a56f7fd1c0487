/* stats_flow.h: the joint statistics of what happens to reports, by
 * cohort, disclosure-controlled (read or public role).
 *
 *   GET /v1/stats/repeat     repeat victimisation: as reported (repeat: yes
 *                            out of reports), by ethnic group or strand if
 *                            asked; and across agencies through matching
 *                            pseudonyms (subjects in reports of more than
 *                            one partner, of more than one partner kind),
 *                            counts only
 *   GET /v1/stats/referrals  the funnel report -> referred -> accepted ->
 *                            outcome recorded, and referrals answered by
 *                            their due date out of those answered or overdue
 *   GET /v1/stats/outcomes   outcomes by outcome code and ethnic group,
 *                            victim satisfaction, median days from report
 *                            to first outcome
 *
 * The cohort: reports that occurred (occurred_from) in the period from..to,
 * not withdrawn, with the filters area, strand, ethnic_group or
 * ethnic_group_high; their referrals and outcomes are counted whenever
 * they happened. Figures come from the functions of sql/010
 * (hub.stats_flow_cells, hub.stats_days_to_outcome,
 * hub.stats_repeat_subjects_keyed), the same that joint targets read.
 * Joint figures go through disclosure control (sdc.h) exactly as
 * GET /v1/stats/reports: tables with their margins through sdc_protect,
 * a figure two tables share hidden in both (sdc_protect_linked), sums and
 * shares only of published figures; a median only over HUB_MIN_CELL
 * reports or more. ?scope=own gives exact figures of what is the
 * caller's own: reports it owns, referrals it received, outcomes it
 * recorded (no cross-agency matching, which is joint by nature). */
#ifndef HUB_STATS_FLOW_H
#define HUB_STATS_FLOW_H

#include "http.h"

void stats_repeat(request_t *r);
void stats_referrals(request_t *r);
void stats_outcomes(request_t *r);

#endif
