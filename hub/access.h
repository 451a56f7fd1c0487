/* access.h: who is calling, and the request's transaction as that caller.
 *
 * access_authenticate opens the transaction, identifies the credential (a
 * bearer token, else a verified client certificate) through the database
 * function hub.authenticate, and sets hub.partnership_id, hub.partner_id and
 * hub.roles for that transaction only, so row-level security sees the
 * caller and nothing leaks to the next request on the connection. Handlers
 * then run their statements with access_run; the server calls access_finish,
 * which appends the audit row and commits in one round trip, before the
 * answer is sent. */
#ifndef HUB_ACCESS_H
#define HUB_ACCESS_H

#include "config.h"
#include "http.h"

/* Reads HUB_CERT_IDENTITY once at start-up. */
void access_configure(const config_t *cfg);

/* Which credential r presents (a bearer token, else a verified client
 * certificate): the method and the secret for hub.authenticate ("token"
 * and the token's SHA-256 in hex, or "fingerprint" or "subject"). False,
 * with the 401 made, when there is none usable. No database involved. */
HUB_MUST_CHECK bool access_presented(request_t *r, const char **method, char *secret, size_t len);

/* True with r->who set and the transaction open; otherwise the answer
 * (401, or 503 when the database is down) is already made. */
HUB_MUST_CHECK bool access_authenticate(request_t *r);

/* Runs statements in the caller's transaction in one round trip. On failure
 * returns false with the SQLSTATE; the transaction is then rolled back and
 * the handler answers, e.g. with access_fail. */
HUB_MUST_CHECK bool access_run(request_t *r, const db_stmt_t *stmts, int n, PGresult **results,
                               char sqlstate[6]);

/* access_run, then COMMIT in the same round trip. For handlers whose
 * statements write the audit row themselves (hot paths: one trip saved);
 * access_finish then has nothing left to do. */
HUB_MUST_CHECK bool access_run_commit(request_t *r, const db_stmt_t *stmts, int n,
                                      PGresult **results, char sqlstate[6]);

/* The usual answer for a failed statement: 409 for a uniqueness conflict,
 * 404 for a row the caller may not touch, 503 when the database is down,
 * else 500. */
void access_fail(request_t *r, const char *sqlstate);

/* Runs one statement whose single value is the JSON answer and answers
 * with it (status), or 404 with not_found when it returns no row, or as
 * access_fail says when it fails. */
void access_respond_json(request_t *r, const db_stmt_t *q, int status, const char *not_found);

/* Ends the caller's transaction with nothing written, not even an audit
 * row: for answers given before any data was touched (429). r->who stays
 * set for the request log; access_finish then does nothing. */
void access_abandon(request_t *r);

/* Appends the audit row for the answer made (outcome from its status, the
 * object from r->audit_type/audit_id) and commits. If that fails the answer
 * is replaced by a 503. */
void access_finish(request_t *r);

#endif
