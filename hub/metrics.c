#include "metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "util.h"

static const int status_codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 408,
                                   409, 411, 413, 415, 422, 429, 431, 500, 503, 0};
#define NSTATUS ARRAY_LEN(status_codes) /* the last slot, 0, counts any other code */

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const int64_t bucket_us[] = {500,    1000,   2500,   5000,    10000,   25000,  50000,
                                    100000, 250000, 500000, 1000000, 2500000, 5000000};
#define NBUCKETS (ARRAY_LEN(bucket_us) + 1)

typedef struct route_slot {
    _Atomic uint64_t by_status[NSTATUS];
    _Atomic uint64_t bucket[NBUCKETS];
    _Atomic uint64_t sum_us;
} route_slot_t;

typedef struct worker_slots {
    route_slot_t *routes; /* nroutes + 1 */
    _Atomic uint64_t events[METRIC_EVENT_COUNT];
} worker_slots_t;

static worker_slots_t *slots;
static int nworkers;
static const route_t *route_table;
static size_t nroute_slots;

void
metrics_init(int workers, const route_t *routes, size_t nroutes)
{
    nworkers = workers;
    route_table = routes;
    nroute_slots = nroutes + 1;
    slots = xcalloc((size_t)workers, sizeof(*slots));
    for (int w = 0; w < workers; w++)
        slots[w].routes = xcalloc(nroute_slots, sizeof(route_slot_t));
}

void
metrics_free(void)
{
    for (int w = 0; w < nworkers; w++)
        free(slots[w].routes);
    free(slots);
    slots = NULL;
}

static size_t
status_slot(int status)
{
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (status_codes[i] == status)
            return i;
    return NSTATUS - 1;
}

void
metrics_request(int worker, int route, int status, int64_t usec)
{
    size_t r = route < 0 ? nroute_slots - 1 : (size_t)route;
    route_slot_t *s = &slots[worker].routes[r];
    atomic_fetch_add_explicit(&s->by_status[status_slot(status)], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < ARRAY_LEN(bucket_us) && usec > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (uint64_t)usec, memory_order_relaxed);
}

void
metrics_event(int worker, metric_event_t ev)
{
    atomic_fetch_add_explicit(&slots[worker].events[ev], 1, memory_order_relaxed);
}

static uint64_t
sum_events(metric_event_t ev)
{
    uint64_t t = 0;
    for (int w = 0; w < nworkers; w++)
        t += atomic_load_explicit(&slots[w].events[ev], memory_order_relaxed);
    return t;
}

static const char *
route_name(size_t r)
{
    return r + 1 == nroute_slots ? "unmatched" : route_table[r].name;
}

void
metrics_render(struct evbuffer *out, metrics_db_errors_fn db_errors)
{
    evbuffer_add_printf(out, "# HELP hub_requests_total HTTP requests answered, by route and "
                             "status.\n# TYPE hub_requests_total counter\n");
    for (size_t r = 0; r < nroute_slots; r++) {
        for (size_t st = 0; st < NSTATUS; st++) {
            uint64_t t = 0;
            for (int w = 0; w < nworkers; w++)
                t += atomic_load_explicit(&slots[w].routes[r].by_status[st], memory_order_relaxed);
            if (t == 0)
                continue;
            if (status_codes[st] != 0)
                evbuffer_add_printf(out, "hub_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
                                    route_name(r), status_codes[st], (unsigned long)t);
            else
                evbuffer_add_printf(out, "hub_requests_total{route=\"%s\",status=\"other\"} %lu\n",
                                    route_name(r), (unsigned long)t);
        }
    }
    evbuffer_add_printf(out, "# HELP hub_request_duration_seconds Time from a whole request to its "
                             "response.\n# TYPE hub_request_duration_seconds histogram\n");
    for (size_t r = 0; r < nroute_slots; r++) {
        uint64_t cum = 0, sum = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            for (int w = 0; w < nworkers; w++)
                cum += atomic_load_explicit(&slots[w].routes[r].bucket[b], memory_order_relaxed);
            if (b < ARRAY_LEN(bucket_us))
                evbuffer_add_printf(out,
                                    "hub_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                                    "%lu\n",
                                    route_name(r), (double)bucket_us[b] / 1e6, (unsigned long)cum);
            else
                evbuffer_add_printf(out,
                                    "hub_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"}"
                                    " %lu\n",
                                    route_name(r), (unsigned long)cum);
        }
        for (int w = 0; w < nworkers; w++)
            sum += atomic_load_explicit(&slots[w].routes[r].sum_us, memory_order_relaxed);
        evbuffer_add_printf(out, "hub_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                            route_name(r), (double)sum / 1e6);
        evbuffer_add_printf(out, "hub_request_duration_seconds_count{route=\"%s\"} %lu\n",
                            route_name(r), (unsigned long)cum);
    }
    uint64_t opened = sum_events(METRIC_CONN_OPENED), closed = sum_events(METRIC_CONN_CLOSED);
    unsigned long dberr = 0;
    for (int w = 0; w < nworkers; w++)
        dberr += db_errors(w);
    evbuffer_add_printf(
        out,
        "# HELP hub_connections_open TLS connections open now.\n"
        "# TYPE hub_connections_open gauge\nhub_connections_open %lu\n"
        "# HELP hub_connections_total TLS connections accepted.\n"
        "# TYPE hub_connections_total counter\nhub_connections_total %lu\n"
        "# HELP hub_connections_rejected_total Connections closed at once for exceeding "
        "HUB_MAX_CONNECTIONS.\n"
        "# TYPE hub_connections_rejected_total counter\nhub_connections_rejected_total %lu\n"
        "# HELP hub_request_timeouts_total Connections closed because a request did not arrive "
        "in time.\n"
        "# TYPE hub_request_timeouts_total counter\nhub_request_timeouts_total %lu\n"
        "# HELP hub_db_errors_total Failed database statements and connection attempts.\n"
        "# TYPE hub_db_errors_total counter\nhub_db_errors_total %lu\n"
        "# HELP hub_rate_limited_total Requests answered 429 for exceeding HUB_RATE_LIMIT.\n"
        "# TYPE hub_rate_limited_total counter\nhub_rate_limited_total %lu\n"
        "# HELP hub_rate_limit_evictions_total Rate-limit buckets still in use dropped to make "
        "room for another credential.\n"
        "# TYPE hub_rate_limit_evictions_total counter\nhub_rate_limit_evictions_total %lu\n"
        "# HELP hub_overload_rejected_total Requests answered 503 at once after waiting longer "
        "than HUB_QUEUE_TIMEOUT for their worker.\n"
        "# TYPE hub_overload_rejected_total counter\nhub_overload_rejected_total %lu\n"
        "# HELP hub_workers Worker threads.\n# TYPE hub_workers gauge\nhub_workers %d\n",
        (unsigned long)(opened > closed ? opened - closed : 0), (unsigned long)opened,
        (unsigned long)sum_events(METRIC_CONN_REJECTED),
        (unsigned long)sum_events(METRIC_REQUEST_TIMEOUT), dberr,
        (unsigned long)sum_events(METRIC_RATE_LIMITED),
        (unsigned long)sum_events(METRIC_RATE_EVICTED),
        (unsigned long)sum_events(METRIC_OVERLOADED), nworkers);
}
