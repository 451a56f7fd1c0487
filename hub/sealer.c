#include "sealer.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include "log.h"

#define SEAL_BATCH "10000"

/* Seals until nothing is pending (a full batch means there may be more). */
static void
seal_pending(db_t *db)
{
    const char *params[] = {SEAL_BATCH};
    for (;;) {
        PGresult *r = db_exec(db, "SELECT hub.audit_seal($1::int)", 1, params);
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

periodic_t *
sealer_start(const char *conninfo, int interval_ms)
{
    return periodic_start(conninfo, interval_ms, seal_pending);
}
