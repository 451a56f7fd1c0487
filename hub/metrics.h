/* metrics.h: request counters and latency histograms, Prometheus text.
 *
 * Each worker writes only its own slots (relaxed atomics, no contention);
 * rendering sums the workers. */
#ifndef HUB_METRICS_H
#define HUB_METRICS_H

#include <event2/buffer.h>
#include <stdint.h>

#include "router.h"

/* routes: the route table; metrics keep one slot more for "unmatched". */
void metrics_init(int workers, const route_t *routes, size_t nroutes);
void metrics_free(void);

/* route: index into the table, or -1 for requests that matched none. */
void metrics_request(int worker, int route, int status, int64_t usec);

typedef enum {
    METRIC_CONN_OPENED,
    METRIC_CONN_CLOSED,
    METRIC_CONN_REJECTED, /* over HUB_MAX_CONNECTIONS */
    METRIC_REQUEST_TIMEOUT,
    METRIC_RATE_LIMITED, /* 429: the credential is over HUB_RATE_LIMIT */
    METRIC_RATE_EVICTED, /* a live rate-limit bucket dropped for want of room */
    METRIC_OVERLOADED,   /* 503: waited over HUB_QUEUE_TIMEOUT for its worker */
    METRIC_EVENT_COUNT
} metric_event_t;

void metrics_event(int worker, metric_event_t ev);

/* Callback giving a worker's database error count, so metrics need not know db. */
typedef unsigned long (*metrics_db_errors_fn)(int worker);
void metrics_render(struct evbuffer *out, metrics_db_errors_fn db_errors);

#endif
