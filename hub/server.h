/* server.h: the worker threads, their listeners and connections.
 *
 * Each worker owns an event loop, an evhttp, a listener on the shared port
 * (SO_REUSEPORT) and a database connection; evhttp is never touched from
 * another thread. The main thread only starts, stops and waits. */
#ifndef HUB_SERVER_H
#define HUB_SERVER_H

#include <stdbool.h>

#include "config.h"

typedef struct server server_t;

/* Binds the listeners and prepares the workers; NULL with err on failure. */
server_t *server_new(const config_t *cfg, char *err, size_t errlen);
void server_start(server_t *s);

/* Thread-safe: stop accepting, close idle connections, let in-flight
 * requests finish within HUB_DRAIN_TIMEOUT. */
void server_stop(server_t *s);

/* Waits up to timeout_ms for every worker to finish; true when all did. */
bool server_wait(server_t *s, int timeout_ms);
void server_free(server_t *s);

/* Database errors counted by one worker (for /metrics). */
unsigned long server_db_errors(int worker);

#endif
