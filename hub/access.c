#include "access.h"

#include <event2/http.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "problem.h"

static bool cert_by_subject;

/* hub.authenticate finds the credential; the set_config calls in the outer
 * select list (not inside the SECURITY DEFINER function, whose settings
 * would be undone on return) make the caller this transaction's context. */
static const char authenticate_sql[] =
    "SELECT a.credential_id, a.kind, a.partnership_id, coalesce(a.partner_id, 0), a.roles,"
    " coalesce(a.partner_name, ''), coalesce(a.partner_kind, ''), a.partnership_name,"
    " a.isa_reference,"
    " set_config('hub.partnership_id', a.partnership_id::text, true),"
    " set_config('hub.partner_id', coalesce(a.partner_id::text, ''), true),"
    " set_config('hub.roles', array_to_string(a.roles, ','), true)"
    " FROM hub.authenticate($1, $2) a";

static const char context_sql[] = "SELECT set_config('hub.partnership_id', $1, true),"
                                  " set_config('hub.partner_id', $2, true),"
                                  " set_config('hub.roles', $3, true)";

static const char audit_sql[] =
    "INSERT INTO hub.audit_log (partnership_id, partner_id, credential_id, request_id, action,"
    " object_type, object_id, outcome) VALUES ($1, nullif($2, '0')::bigint, $3, $4, $5, $6, $7,"
    " $8)";

void
access_configure(const config_t *cfg)
{
    cert_by_subject = strcmp(cfg->cert_identity, "subject") == 0;
}

static void
unauthorized(request_t *r, const char *error, const char *detail)
{
    char challenge[96];
    if (error != NULL)
        snprintf(challenge, sizeof(challenge), "Bearer realm=\"hub\", error=\"%s\"", error);
    else
        snprintf(challenge, sizeof(challenge), "Bearer realm=\"hub\"");
    http_set_header(r, "WWW-Authenticate", challenge);
    http_respond_error(r, 401, "unauthorized", detail);
}

static void
unavailable(request_t *r)
{
    http_set_header(r, "Retry-After", "5");
    http_respond_error(r, 503, "unavailable", "The database is unavailable; try again shortly.");
}

bool
access_presented(request_t *r, const char **method, char *secret, size_t len)
{
    const char *authz =
        evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Authorization");
    if (authz != NULL) {
        const char *token = auth_bearer(authz);
        if (token == NULL || !token_well_formed(token)) {
            unauthorized(r, "invalid_token", "The bearer token is malformed.");
            return false;
        }
        *method = "token";
        token_hash_hex(token, secret);
        return true;
    }
    X509 *cert = r->ssl ? SSL_get0_peer_certificate(r->ssl) : NULL;
    /* The handshake already refused certificates that fail verification;
     * this is belt and braces. */
    if (cert != NULL && SSL_get_verify_result(r->ssl) == X509_V_OK) {
        *method = cert_by_subject ? "subject" : "fingerprint";
        bool ok =
            cert_by_subject ? cert_subject(cert, secret, len) : cert_fingerprint(cert, secret);
        if (ok)
            return true;
    }
    unauthorized(r, NULL, "Present a bearer token or a registered client certificate.");
    return false;
}

static void
copy_field(char *dst, size_t len, const PGresult *res, int col)
{
    snprintf(dst, len, "%s", PQgetvalue(res, 0, col));
}

bool
access_authenticate(request_t *r)
{
    const char *method;
    char secret[1024];
    if (!access_presented(r, &method, secret, sizeof(secret)))
        return false;
    const char *params[] = {method, secret};
    db_stmt_t stmts[] = {{"BEGIN", 0, NULL}, {authenticate_sql, 2, params}};
    PGresult *res[2];
    char state[6];
    if (!db_pipeline(r->db, stmts, 2, res, state)) {
        unavailable(r);
        return false;
    }
    PQclear(res[0]);
    r->in_transaction = true;
    PGresult *a = res[1];
    if (PQntuples(a) != 1) {
        PQclear(a);
        PGresult *rb = db_exec(r->db, "ROLLBACK", 0, NULL);
        PQclear(rb);
        r->in_transaction = false;
        log_info("authentication failed", "\"request_id\":\"%s\",\"method\":\"%s\"", r->id, method);
        unauthorized(r, strcmp(method, "token") == 0 ? "invalid_token" : NULL,
                     "The credential is unknown, expired or revoked.");
        return false;
    }
    identity_t *id = &r->identity;
    id->credential_id = atoll(PQgetvalue(a, 0, 0));
    copy_field(id->kind, sizeof(id->kind), a, 1);
    id->partnership_id = atoll(PQgetvalue(a, 0, 2));
    id->partner_id = atoll(PQgetvalue(a, 0, 3));
    if (!roles_parse(PQgetvalue(a, 0, 4), &id->roles))
        id->roles = 0; /* the schema forbids this; fail closed */
    copy_field(id->partner_name, sizeof(id->partner_name), a, 5);
    copy_field(id->partner_kind, sizeof(id->partner_kind), a, 6);
    copy_field(id->partnership_name, sizeof(id->partnership_name), a, 7);
    copy_field(id->isa_reference, sizeof(id->isa_reference), a, 8);
    PQclear(a);
    r->who = id;
    return true;
}

bool
access_run(request_t *r, const db_stmt_t *stmts, int n, PGresult **results, char sqlstate[6])
{
    hub_assert(r->in_transaction);
    if (db_pipeline(r->db, stmts, n, results, sqlstate))
        return true;
    /* The transaction is aborted (or the connection gone): end it now;
     * access_finish records the audit row in a fresh one. */
    PGresult *rb = db_exec(r->db, "ROLLBACK", 0, NULL);
    PQclear(rb);
    r->in_transaction = false;
    return false;
}

bool
access_run_commit(request_t *r, const db_stmt_t *stmts, int n, PGresult **results, char sqlstate[6])
{
    db_stmt_t all[16];
    PGresult *res[16];
    hub_assert(n < 16);
    memcpy(all, stmts, (size_t)n * sizeof(*stmts));
    all[n] = (db_stmt_t){"COMMIT", 0, NULL};
    if (!access_run(r, all, n + 1, res, sqlstate))
        return false;
    memcpy(results, res, (size_t)n * sizeof(*res));
    PQclear(res[n]);
    r->in_transaction = false;
    r->audited = true;
    return true;
}

void
access_fail(request_t *r, const char *sqlstate)
{
    if (strcmp(sqlstate, "23505") == 0)
        http_respond_error(r, 409, "conflict", "That would duplicate an existing record.");
    else if (strcmp(sqlstate, "42501") == 0 || strcmp(sqlstate, "23503") == 0)
        http_respond_error(r, 404, "not-found", "No such record is visible to you.");
    else if (strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57014") == 0)
        unavailable(r);
    else
        http_respond_error(r, 500, "internal", "The request could not be completed.");
}

void
access_respond_json(request_t *r, const db_stmt_t *q, int status, const char *not_found)
{
    PGresult *res;
    char state[6];
    if (!access_run(r, q, 1, &res, state)) {
        access_fail(r, state);
        return;
    }
    if (PQntuples(res) == 1)
        http_respond_json_text(r, status, PQgetvalue(res, 0, 0));
    else
        http_respond_error(r, 404, "not-found", not_found);
    PQclear(res);
}

static const char *
outcome_of(int status)
{
    if (status < 400)
        return "ok";
    if (status == 401 || status == 403)
        return "denied";
    if (status == 404)
        return "not_found";
    return status < 500 ? "refused" : "error";
}

void
access_finish(request_t *r)
{
    if (r->who == NULL || r->audited)
        return;
    const identity_t *id = r->who;
    char partnership[24], partner[24], credential[24], roles[64];
    snprintf(partnership, sizeof(partnership), "%lld", id->partnership_id);
    snprintf(partner, sizeof(partner), "%lld", id->partner_id);
    snprintf(credential, sizeof(credential), "%lld", id->credential_id);
    roles_format(id->roles, roles, sizeof(roles));
    const char *ctx[] = {partnership, id->partner_id ? partner : "", roles};
    const char *audit[] = {partnership,    partner,       credential,  r->id,
                           r->route->name, r->audit_type, r->audit_id, outcome_of(r->status)};
    db_stmt_t fresh[] = {
        {"BEGIN", 0, NULL}, {context_sql, 3, ctx}, {audit_sql, 8, audit}, {"COMMIT", 0, NULL}};
    /* In the open transaction only the audit row and COMMIT are needed. */
    db_stmt_t *stmts = r->in_transaction ? fresh + 2 : fresh;
    int n = r->in_transaction ? 2 : 4;
    PGresult *res[4];
    char state[6];
    bool ok = db_pipeline(r->db, stmts, n, res, state);
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
    r->in_transaction = false;
    if (!ok) {
        PGresult *rb = db_exec(r->db, "ROLLBACK", 0, NULL);
        PQclear(rb);
        http_discard_response(r);
        unavailable(r);
    }
}

void
access_abandon(request_t *r)
{
    if (r->in_transaction) {
        PGresult *rb = db_exec(r->db, "ROLLBACK", 0, NULL);
        PQclear(rb);
        r->in_transaction = false;
    }
    r->audited = true;
}
