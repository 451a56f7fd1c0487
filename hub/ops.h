/* ops.h: operational endpoints, GET /healthz and GET /metrics. */
#ifndef HUB_OPS_H
#define HUB_OPS_H

#include "http.h"

/* 200 {"status":"ok","database":"ok"}, or 503 with "database":"unavailable"
 * and Retry-After when the database cannot answer. */
void ops_healthz(request_t *r);

/* Prometheus text exposition of metrics.h. */
void ops_metrics(request_t *r);

#endif
