#include "sealer.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "util.h"

#define SEAL_BATCH "10000"

struct sealer {
    db_t *db;
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* Seals until nothing is pending (a full batch means there may be more). */
static void
seal_pending(sealer_t *s)
{
    const char *params[] = {SEAL_BATCH};
    for (;;) {
        PGresult *r = db_exec(s->db, "SELECT hub.audit_seal($1::int)", 1, params);
        if (r == NULL)
            return; /* logged by db_exec; next tick retries */
        long long n = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (n > 0)
            log_write(LOG_DEBUG, "audit rows sealed", "\"rows\":%lld", n);
        if (n < atoll(SEAL_BATCH))
            return;
    }
}

static void *
sealer_main(void *arg)
{
    sealer_t *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->interval_ms / 1000;
        until.tv_nsec += (long)(s->interval_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        while (!s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&s->lock);
        seal_pending(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

sealer_t *
sealer_start(const char *conninfo, int interval_ms)
{
    if (interval_ms == 0)
        return NULL;
    sealer_t *s = xcalloc(1, sizeof(*s));
    s->db = db_new(conninfo, 60000, 1000);
    s->interval_ms = interval_ms;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    hub_assert(pthread_create(&s->thread, NULL, sealer_main, s) == 0);
    return s;
}

void
sealer_stop(sealer_t *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    seal_pending(s); /* what the last requests wrote */
    db_free(s->db);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
