/* stats.h: the partnership's joint statistics, disclosure-controlled.
 *
 *   GET /v1/stats/reports   counts of reports (withdrawn ones excluded),
 *                           grouped and filtered by time, strand, incident
 *                           type, ethnic group (19 categories or the five
 *                           high-level groups), age band, area, partner
 *                           kind and channel (read or public role)
 *
 * Counts come from the rollups of sql/009 (hub.stats_cell), which a
 * periodic job brings up to date every HUB_STATS_REFRESH; each response
 * says when they were last refreshed. Joint figures go through disclosure
 * control (sdc.h) as HUB_SDC, HUB_MIN_CELL and HUB_ROUND_TO say, and the
 * response says which rule was applied; a partner's own figures
 * (?scope=own) are not controlled. Public credentials get joint figures
 * only. */
#ifndef HUB_STATS_H
#define HUB_STATS_H

#include "http.h"
#include "periodic.h"

/* The refresher of the rollups; NULL when interval_ms is 0. Stop it with
 * periodic_stop. */
periodic_t *stats_refresher_start(const char *conninfo, int interval_ms);

void stats_reports(request_t *r);

/*   GET /v1/stats/rates     reports per 1,000 residents by ethnic group for
 *                           an area set and period, with 95 % intervals,
 *                           and each group's disproportionality ratio
 *                           against a reference group (read or public) */
void stats_rates(request_t *r);

#endif
