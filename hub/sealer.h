/* sealer.h: chains new audit rows off the request path.
 *
 * A thread with its own database connection calls hub.audit_seal every
 * HUB_AUDIT_SEAL_INTERVAL. The function takes an advisory lock, so any
 * number of hubd processes can run a sealer; rows are chained in order. */
#ifndef HUB_SEALER_H
#define HUB_SEALER_H

typedef struct sealer sealer_t;

/* Starts the thread; NULL when interval_ms is 0 (sealing off here). */
sealer_t *sealer_start(const char *conninfo, int interval_ms);

/* Seals what is pending once more, then stops and frees. */
void sealer_stop(sealer_t *s);

#endif
