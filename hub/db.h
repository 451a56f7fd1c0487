/* db.h: one PostgreSQL connection per worker thread, reconnected on demand.
 *
 * Synchronous libpq on the worker's own thread: a statement blocks only that
 * worker's event loop, and statement_timeout bounds how long. While the
 * database is down, db_conn returns NULL at once (reconnection is attempted
 * at most once per retry interval) and callers answer 503. */
#ifndef HUB_DB_H
#define HUB_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "util.h"

typedef struct db db_t;

/* Nothing is connected until the first db_conn. */
db_t *db_new(const char *conninfo, int statement_timeout_ms, int retry_ms);
void db_free(db_t *db);

/* The connection; NULL while the database is unavailable. */
PGconn *db_conn(db_t *db);

/* Called after every request: rolls back a transaction left open, and
 * drops the connection if that fails, so the next request starts clean. */
void db_ensure_idle(db_t *db);

/* Runs a parameterised statement (text parameters, text results). Returns
 * NULL on failure, after logging it, counting it and noting a broken
 * connection for reconnection. The caller PQclear()s a non-NULL result. */
HUB_MUST_CHECK PGresult *db_exec(db_t *db, const char *sql, int nparams, const char *const *params);

/* One statement of a pipeline. */
typedef struct db_stmt {
    const char *sql;
    int nparams;
    const char *const *params;
} db_stmt_t;

/* Sends the statements in one pipeline (one round trip) and stores each
 * statement's result in results[i]. True when all succeeded. Otherwise every
 * result is cleared and set to NULL, the first error's SQLSTATE is copied to
 * sqlstate ("08006" when the database is unreachable) and the failure is
 * logged; the caller then answers from the SQLSTATE. */
HUB_MUST_CHECK bool db_pipeline(db_t *db, const db_stmt_t *stmts, int n, PGresult **results,
                                char sqlstate[6]);

/* A PostgreSQL array literal built element by element, for passing many
 * rows as one parameter (unnest($1::text[]) …). */
typedef struct db_array {
    char *text;
    size_t len, cap;
    int n;
} db_array_t;

void db_array_init(db_array_t *a);
/* Appends value, quoted and escaped; NULL appends SQL NULL. */
void db_array_add(db_array_t *a, const char *value);
/* The literal, e.g. {"a","b",NULL}; valid until the next add or free. */
const char *db_array_text(db_array_t *a);
void db_array_free(db_array_t *a);

/* Errors seen since start (statement failures and failed connections). */
unsigned long db_error_count(const db_t *db);

/* Connects once with conninfo, for one-shot commands (`hubd migrate`). */
PGconn *db_connect_once(const char *conninfo, char *err, size_t errlen);

#endif
