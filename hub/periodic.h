/* periodic.h: a job run every interval off the request path.
 *
 * A thread with its own database connection (as the application role)
 * calls run every interval_ms, and once more when stopped, so what the
 * last requests left is handled before hubd exits. The audit sealer and
 * the statistics refresher are such jobs. */
#ifndef HUB_PERIODIC_H
#define HUB_PERIODIC_H

#include "db.h"

typedef struct periodic periodic_t;

/* Starts the thread; NULL when interval_ms is 0 (the job is off here). */
periodic_t *periodic_start(const char *conninfo, int interval_ms, void (*run)(db_t *db));

/* Runs the job once more, then stops and frees. */
void periodic_stop(periodic_t *p);

#endif
