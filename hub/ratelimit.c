#include "ratelimit.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define UNIT 1000000 /* millionths of a token per token; also µs per second */
#define RATELIMIT_MAX 1000000

/* With rate tokens a second, a bucket gains `rate` millionths of a token
 * each microsecond: all the arithmetic stays in exact integers. */

void
ratelimit_bucket_init(ratelimit_bucket_t *b, int64_t burst, int64_t now_us)
{
    b->utokens = burst * UNIT;
    b->at_us = now_us;
}

static void
refill(ratelimit_bucket_t *b, int64_t rate, int64_t burst, int64_t now_us)
{
    int64_t cap = burst * UNIT;
    int64_t elapsed = now_us > b->at_us ? now_us - b->at_us : 0;
    /* Compared before multiplying, so a long idle time cannot overflow. */
    int64_t to_full = (cap - b->utokens + rate - 1) / rate;
    b->utokens = elapsed >= to_full ? cap : b->utokens + elapsed * rate;
    if (now_us > b->at_us)
        b->at_us = now_us;
}

int64_t
ratelimit_bucket_take(ratelimit_bucket_t *b, int64_t rate, int64_t burst, int64_t now_us)
{
    refill(b, rate, burst, now_us);
    if (b->utokens >= UNIT) {
        b->utokens -= UNIT;
        return 0;
    }
    return (UNIT - b->utokens + rate - 1) / rate;
}

bool
ratelimit_bucket_full(const ratelimit_bucket_t *b, int64_t rate, int64_t burst, int64_t now_us)
{
    ratelimit_bucket_t copy = *b;
    refill(&copy, rate, burst, now_us);
    return copy.utokens == burst * UNIT;
}

typedef struct slot {
    long long key; /* 0: empty */
    ratelimit_bucket_t bucket;
} slot_t;

struct ratelimit {
    pthread_mutex_t lock;
    int64_t rate, burst;
    int used;
    slot_t slots[RATELIMIT_SLOTS];
};

ratelimit_t *
ratelimit_new(int rate, int burst)
{
    if (rate <= 0)
        return NULL;
    ratelimit_t *rl = xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->lock, NULL);
    rl->rate = rate;
    rl->burst = burst > 0 ? burst : rate;
    return rl;
}

void
ratelimit_free(ratelimit_t *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static size_t
slot_of(long long key)
{
    uint64_t h = (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15); /* Fibonacci hashing */
    return (size_t)(h >> 52) & (RATELIMIT_SLOTS - 1);
}

/* key's slot in its window: its own, else an empty one, else one whose
 * bucket is full again, else the least recently used (evicted). */
static slot_t *
find_slot(ratelimit_t *rl, long long key, int64_t now_us, bool *evicted)
{
    size_t first = slot_of(key);
    slot_t *empty = NULL, *idle = NULL, *oldest = NULL;
    for (size_t i = 0; i < RATELIMIT_WINDOW; i++) {
        slot_t *s = &rl->slots[(first + i) & (RATELIMIT_SLOTS - 1)];
        if (s->key == key)
            return s;
        if (s->key == 0) {
            if (empty == NULL)
                empty = s;
        } else if (idle == NULL && ratelimit_bucket_full(&s->bucket, rl->rate, rl->burst, now_us)) {
            idle = s;
        } else if (oldest == NULL || s->bucket.at_us < oldest->bucket.at_us) {
            oldest = s;
        }
    }
    slot_t *s = empty ? empty : idle ? idle : oldest;
    *evicted = empty == NULL && idle == NULL;
    if (empty != NULL)
        rl->used++;
    s->key = key;
    ratelimit_bucket_init(&s->bucket, rl->burst, now_us);
    return s;
}

ratelimit_verdict_t
ratelimit_take(ratelimit_t *rl, long long key, int64_t now_us)
{
    ratelimit_verdict_t v = {.allowed = true};
    hub_assert(key > 0);
    pthread_mutex_lock(&rl->lock);
    slot_t *s = find_slot(rl, key, now_us, &v.evicted);
    int64_t wait_us = ratelimit_bucket_take(&s->bucket, rl->rate, rl->burst, now_us);
    pthread_mutex_unlock(&rl->lock);
    if (wait_us > 0) {
        v.allowed = false;
        v.retry_after_s = (int)((wait_us + UNIT - 1) / UNIT);
    }
    return v;
}

int
ratelimit_used(ratelimit_t *rl)
{
    pthread_mutex_lock(&rl->lock);
    int n = rl->used;
    pthread_mutex_unlock(&rl->lock);
    return n;
}

static bool
whole(const char **s, long *out)
{
    if (!isdigit((unsigned char)**s))
        return false;
    errno = 0;
    char *end;
    long v = strtol(*s, &end, 10);
    if (errno != 0 || v > RATELIMIT_MAX)
        return false;
    *out = v;
    *s = end;
    return true;
}

bool
ratelimit_parse(const char *s, int *rate, int *burst)
{
    long r, b;
    if (!whole(&s, &r))
        return false;
    b = r;
    if (*s == '/') {
        s++;
        if (!whole(&s, &b) || b < 1)
            return false;
    }
    if (*s != '\0')
        return false;
    *rate = (int)r;
    *burst = (int)(b > 0 ? b : 1);
    return true;
}
