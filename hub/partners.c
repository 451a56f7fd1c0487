#include "partners.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "input.h"

#define PARTNER_JSON                                                                               \
    "json_build_object('id', partner_id, 'name', name, 'kind', kind, 'active', active,"            \
    " 'created_at', created_at)"

#define NOT_FOUND "No such partner in your partnership."

static const char *const kinds[] = {"police",    "council",   "health", "housing",
                                    "education", "community", "other",  NULL};

void
partners_list(request_t *r)
{
    /* Row-level security already limits this to the caller's partnership;
     * the explicit filter keeps the query right on a sharded cluster too. */
    db_stmt_t q = {"SELECT json_build_object('partners', coalesce(json_agg(" PARTNER_JSON
                   " ORDER BY partner_id), '[]'))::text FROM hub.partner"
                   " WHERE partnership_id = hub.current_partnership()",
                   0, NULL};
    snprintf(r->audit_type, sizeof(r->audit_type), "partner");
    access_respond_json(r, &q, 200, NULL);
}

void
partners_create(request_t *r)
{
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    input_t in;
    input_begin(&in, body);
    input_only(&in, (const char *const[]){"name", "kind", NULL});
    const char *name = input_string(&in, "name", 1, 200, true);
    const char *kind = input_choice(&in, "kind", kinds, true);
    json_t *problem = input_end(&in);
    if (problem != NULL) {
        http_respond_problem(r, problem);
        json_decref(body);
        return;
    }
    const char *params[] = {name, kind};
    db_stmt_t q = {"INSERT INTO hub.partner (partnership_id, name, kind)"
                   " VALUES (hub.current_partnership(), $1, $2)"
                   " RETURNING partner_id, " PARTNER_JSON "::text",
                   2, params};
    PGresult *res;
    char state[6];
    snprintf(r->audit_type, sizeof(r->audit_type), "partner");
    bool ok = access_run(r, &q, 1, &res, state);
    json_decref(body);
    if (!ok) {
        if (strcmp(state, "23505") == 0)
            http_respond_error(r, 409, "conflict",
                               "A partner with that name already exists in your partnership.");
        else
            access_fail(r, state);
        return;
    }
    char location[96];
    snprintf(r->audit_id, sizeof(r->audit_id), "%s", PQgetvalue(res, 0, 0));
    snprintf(location, sizeof(location), "/v1/partners/%s", r->audit_id);
    http_set_header(r, "Location", location);
    http_respond_json_text(r, 201, PQgetvalue(res, 0, 1));
    PQclear(res);
}

void
partners_update(request_t *r)
{
    long long id;
    if (!http_param_id(r, 0, &id)) {
        http_respond_error(r, 404, "not-found", NOT_FOUND);
        return;
    }
    snprintf(r->audit_type, sizeof(r->audit_type), "partner");
    snprintf(r->audit_id, sizeof(r->audit_id), "%lld", id);
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    input_t in;
    input_begin(&in, body);
    input_only(&in, (const char *const[]){"active", NULL});
    bool active = true;
    (void)input_bool(&in, "active", true, &active);
    json_t *problem = input_end(&in);
    json_decref(body);
    if (problem != NULL) {
        http_respond_problem(r, problem);
        return;
    }
    const char *params[] = {r->audit_id, active ? "true" : "false"};
    db_stmt_t q = {"UPDATE hub.partner SET active = $2::boolean"
                   " WHERE partner_id = $1::bigint AND partnership_id = hub.current_partnership()"
                   " RETURNING " PARTNER_JSON "::text",
                   2, params};
    access_respond_json(r, &q, 200, NOT_FOUND);
}
