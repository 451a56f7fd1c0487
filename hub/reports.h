/* reports.h: the report endpoints of the common protocol.
 *
 *   POST   /v1/reports               submit one (submit role)
 *   POST   /v1/reports/batch         submit up to HUB_MAX_BATCH (JSON array or NDJSON);
 *                                    ?atomic=true all or nothing, ?dry_run=true check only
 *   GET    /v1/reports               own reports; filters, keyset pages, text/csv (read role)
 *   GET    /v1/reports/{id}          one report (read role)
 *   PATCH  /v1/reports/{id}          amend with a JSON merge patch (submit role)
 *   GET    /v1/reports/{id}/versions every version (read role)
 *   DELETE /v1/reports/{id}          withdraw: kept, but out of statistics (submit role)
 *   GET    /v1/codes, /v1/codes/{l}  the code lists (no credential needed) */
#ifndef HUB_REPORTS_H
#define HUB_REPORTS_H

#include "codes.h"
#include "config.h"
#include "http.h"

/* The code lists the handlers check against, loaded at start-up. */
void reports_configure(const codes_t *codes, const config_t *cfg);

void reports_create(request_t *r);
void reports_batch(request_t *r);
void reports_list(request_t *r);
void reports_get(request_t *r);
void reports_amend(request_t *r);
void reports_versions(request_t *r);
void reports_withdraw(request_t *r);
void codes_index(request_t *r);
void codes_get(request_t *r);

#endif
