/* indicators.h: outcome indicators by ethnic group.
 *
 *   POST /v1/indicators   a batch of values from the calling partner, all or
 *                         nothing; ?dry_run=true checks only (submit role)
 *   GET  /v1/indicators   the partnership's values, with filters, keyset
 *                         pages; ?history=true adds superseded values (read role)
 *
 * A value resubmitted for the same (partner, indicator, period, area,
 * ethnic group) replaces the current one, which is kept as history. */
#ifndef HUB_INDICATORS_H
#define HUB_INDICATORS_H

#include "codes.h"
#include "config.h"
#include "http.h"

void indicators_configure(const codes_t *codes, const config_t *cfg);

void indicators_submit(request_t *r);
void indicators_list(request_t *r);

#endif
