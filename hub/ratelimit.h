/* ratelimit.h: a token bucket per credential, shared by every worker.
 *
 * HUB_RATE_LIMIT=rate[/burst]: each credential may make `rate` requests a
 * second on average and `burst` at once (burst defaults to rate). Buckets
 * live in one fixed table (RATELIMIT_SLOTS entries, open addressing with a
 * short probe window) under one mutex, so memory never grows with the
 * number of credentials: when a window is full, a bucket that has refilled
 * (indistinguishable from a new one) is reused first, else the least
 * recently used one is evicted, handing its credential a fresh burst.
 *
 * The clock is the caller's: every call takes `now` in microseconds of a
 * monotonic clock, so the arithmetic is tested without waiting. */
#ifndef HUB_RATELIMIT_H
#define HUB_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define RATELIMIT_SLOTS 4096 /* a power of two */
#define RATELIMIT_WINDOW 8   /* slots probed per credential */

/* One bucket: tokens in millionths, and when they were last counted. */
typedef struct ratelimit_bucket {
    int64_t utokens;
    int64_t at_us;
} ratelimit_bucket_t;

/* A full bucket as of now. */
void ratelimit_bucket_init(ratelimit_bucket_t *b, int64_t burst, int64_t now_us);

/* Refills b for the time since it was last counted (never beyond burst;
 * a clock that went back counts as no time), then takes one token. Returns
 * 0 when a token was taken, else the microseconds until one will be there
 * (b is then refilled but unchanged otherwise). rate and burst are >= 1. */
HUB_MUST_CHECK int64_t ratelimit_bucket_take(ratelimit_bucket_t *b, int64_t rate, int64_t burst,
                                             int64_t now_us);

/* Has b refilled to burst by now (so forgetting it loses nothing)? */
bool ratelimit_bucket_full(const ratelimit_bucket_t *b, int64_t rate, int64_t burst,
                           int64_t now_us);

typedef struct ratelimit ratelimit_t;

/* NULL when rate is 0 (no limit). */
ratelimit_t *ratelimit_new(int rate, int burst);
void ratelimit_free(ratelimit_t *rl);

typedef struct ratelimit_verdict {
    bool allowed;
    int retry_after_s; /* when refused: whole seconds, at least 1 */
    bool evicted;      /* another credential's live bucket was dropped to make room */
} ratelimit_verdict_t;

/* Takes a token from the bucket of credential key (> 0). Thread-safe. */
ratelimit_verdict_t ratelimit_take(ratelimit_t *rl, long long key, int64_t now_us);

/* Credentials that hold a bucket now. */
int ratelimit_used(ratelimit_t *rl);

/* Parses "rate" or "rate/burst" (whole numbers; rate 0 = off, burst >= 1,
 * both at most 1000000). */
HUB_MUST_CHECK bool ratelimit_parse(const char *s, int *rate, int *burst);

#endif
