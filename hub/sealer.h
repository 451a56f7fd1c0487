/* sealer.h: chains new audit rows off the request path.
 *
 * A periodic job (periodic.h) calls hub.audit_seal every
 * HUB_AUDIT_SEAL_INTERVAL. The function takes an advisory lock, so any
 * number of hubd processes can run a sealer; rows are chained in order. */
#ifndef HUB_SEALER_H
#define HUB_SEALER_H

#include "periodic.h"

/* Starts the sealer; NULL when interval_ms is 0 (sealing off here). Stop
 * it with periodic_stop, which seals what is pending once more. */
periodic_t *sealer_start(const char *conninfo, int interval_ms);

#endif
