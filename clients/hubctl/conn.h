/* conn.h: statements on the owner's session, with errors reported as one
 * "hubctl: …" line. Parameters are text (NULL is SQL NULL); results are text. */
#ifndef HUBCTL_CONN_H
#define HUBCTL_CONN_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "../../hub/util.h"

/* SQLSTATEs hubctl turns into messages of its own. */
#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define SQLSTATE_FOREIGN_KEY_VIOLATION "23503"

/* A timestamptz column as ISO 8601 UTC text, e.g. 2026-01-31T09:30:00Z. */
#define SQL_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Runs sql; returns the result whatever happened (NULL only when out of
 * memory). For callers that handle particular SQLSTATEs themselves. */
PGresult *conn_try(PGconn *c, const char *sql, int nparams, const char *const *params);

/* Does res hold a successful command or rows? */
bool conn_ok(const PGresult *res);

/* Is res a failure with this SQLSTATE? */
bool conn_failed_with(const PGresult *res, const char *sqlstate);

/* Reports a failed res as "hubctl: <doing>: <server message>" (or libpq's
 * message when the connection broke) and clears it. */
void conn_report(PGconn *c, PGresult *res, const char *doing);

/* Runs sql; on failure reports it (see conn_report) and returns NULL. */
HUB_MUST_CHECK PGresult *conn_exec(PGconn *c, const char *doing, const char *sql, int nparams,
                                   const char *const *params);

/* A statement whose result is not needed (BEGIN, COMMIT …). */
HUB_MUST_CHECK bool conn_run(PGconn *c, const char *sql);

/* Ends a failed transaction, if one is open. */
void conn_rollback(PGconn *c);

#endif
