#include "tokens.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "input.h"
#include "problem.h"

#define TOKEN_JSON                                                                                 \
    "json_build_object('id', credential_id, 'partner_id', partner_id, 'roles', roles,"             \
    " 'label', label, 'created_at', created_at, 'expires_at', expires_at,"                         \
    " 'revoked_at', revoked_at)"
#define DEFAULT_EXPIRY_DAYS 365
#define MAX_EXPIRY_DAYS 3650

void
tokens_list(request_t *r)
{
    /* Row-level security shows a partner its own, a coordinator all. */
    db_stmt_t q = {"SELECT json_build_object('tokens', coalesce(json_agg(" TOKEN_JSON
                   " ORDER BY credential_id), '[]'))::text FROM hub.credential"
                   " WHERE partnership_id = hub.current_partnership() AND kind = 'token'",
                   0, NULL};
    snprintf(r->audit_type, sizeof(r->audit_type), "credential");
    access_respond_json(r, &q, 200, NULL);
}

/* "roles": a non-empty array of known role names, as bits. */
static unsigned
roles_member(input_t *in, json_t *body)
{
    json_t *a = json_object_get(body, "roles");
    unsigned roles = 0, bits;
    if (a == NULL) {
        input_error(in, "/roles", "This member is required.");
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > 4) {
        input_error(in, "/roles", "Expected an array of 1 to 4 roles.");
        return 0;
    }
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char ptr[32];
        snprintf(ptr, sizeof(ptr), "/roles/%zu", i);
        if (!json_is_string(v) || !roles_parse(json_string_value(v), &bits)) {
            input_error(in, ptr, "Expected one of: submit read coordinate public.");
            return 0;
        }
        if (roles & bits) {
            input_error(in, ptr, "A role is listed twice.");
            return 0;
        }
        roles |= bits;
    }
    if ((roles & ROLE_PUBLIC) && roles != ROLE_PUBLIC) {
        input_error(in, "/roles", "The public role cannot be combined with others.");
        return 0;
    }
    return roles;
}

void
tokens_issue(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "credential");
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    input_t in;
    input_begin(&in, body);
    input_only(&in, (const char *const[]){"partner_id", "roles", "label", "expires_in_days", NULL});
    long long partner = 0, days = DEFAULT_EXPIRY_DAYS;
    bool public_token = false, no_expiry = false;
    (void)input_integer(&in, "partner_id", 1, (1LL << 53), true, true, &partner, &public_token);
    unsigned roles = roles_member(&in, body);
    const char *label = input_string(&in, "label", 0, 200, false);
    (void)input_integer(&in, "expires_in_days", 1, MAX_EXPIRY_DAYS, false, true, &days, &no_expiry);
    if (roles != 0 && public_token != (roles == ROLE_PUBLIC))
        input_error(&in, "/partner_id",
                    "A public token has partner_id null and the single role public; any other "
                    "token names its partner.");
    json_t *problem = input_end(&in);
    if (problem != NULL) {
        json_decref(body);
        http_respond_problem(r, problem);
        return;
    }
    char token[TOKEN_LEN + 1], hash[HEX_SHA256_LEN + 1], roles_text[64], partner_text[24],
        days_text[16];
    token_generate(token);
    token_hash_hex(token, hash);
    char pgroles[70];
    roles_format(roles, roles_text, sizeof(roles_text));
    snprintf(pgroles, sizeof(pgroles), "{%s}", roles_text);
    snprintf(partner_text, sizeof(partner_text), "%lld", partner);
    snprintf(days_text, sizeof(days_text), "%lld", days);
    const char *params[] = {public_token ? NULL : partner_text, pgroles, label ? label : "", hash,
                            no_expiry ? NULL : days_text};
    db_stmt_t q = {"INSERT INTO hub.credential"
                   " (partnership_id, partner_id, kind, roles, label, token_hash, expires_at)"
                   " VALUES (hub.current_partnership(), $1::bigint, 'token', $2::text[], $3,"
                   " decode($4, 'hex'), now() + make_interval(days => $5::int))"
                   " RETURNING credential_id, " TOKEN_JSON "::jsonb",
                   5, params};
    PGresult *res;
    char state[6];
    bool ok = access_run(r, &q, 1, &res, state);
    json_decref(body);
    if (!ok) {
        OPENSSL_cleanse(token, sizeof(token));
        if (strcmp(state, "23503") == 0) {
            json_t *p = problem_new(422, "invalid-input", "No such partner in your partnership.");
            problem_add_error(p, "/partner_id", "No such partner in your partnership.");
            http_respond_problem(r, p);
        } else {
            access_fail(r, state);
        }
        return;
    }
    snprintf(r->audit_id, sizeof(r->audit_id), "%s", PQgetvalue(res, 0, 0));
    json_t *out = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    PQclear(res);
    hub_assert(out != NULL);
    /* Shown once: only its hash is kept. */
    json_object_set_new(out, "token", json_string(token));
    OPENSSL_cleanse(token, sizeof(token));
    char location[96];
    snprintf(location, sizeof(location), "/v1/tokens/%s", r->audit_id);
    http_set_header(r, "Location", location);
    http_respond_json(r, 201, out);
}

void
tokens_revoke(request_t *r)
{
    long long id;
    snprintf(r->audit_type, sizeof(r->audit_type), "credential");
    if (!http_param_id(r, 0, &id)) {
        http_respond_error(r, 404, "not-found", "No such token visible to you.");
        return;
    }
    snprintf(r->audit_id, sizeof(r->audit_id), "%lld", id);
    const char *params[] = {r->audit_id};
    db_stmt_t q = {"UPDATE hub.credential SET revoked_at = coalesce(revoked_at, now())"
                   " WHERE credential_id = $1::bigint AND kind = 'token'"
                   " AND partnership_id = hub.current_partnership() RETURNING credential_id",
                   1, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        access_fail(r, state);
        return;
    }
    if (PQntuples(res) == 1)
        http_respond_empty(r, 204);
    else
        http_respond_error(r, 404, "not-found", "No such token visible to you.");
    PQclear(res);
}
