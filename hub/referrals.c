#include "referrals.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "input.h"
#include "problem.h"
#include "report.h"

#define NO_REPORT "No such report of yours."
#define NO_REFERRAL "No such referral to you."

static const codes_t *codes;

void
referrals_configure(const codes_t *c)
{
    codes = c;
}

static const char *
code_of(input_t *in, const char *key, const char *listname, bool required)
{
    return report_code_member(in, codes, key, listname, required);
}

static bool
id_param(request_t *r, const char *type, const char *not_found, const char **id)
{
    long long v;
    snprintf(r->audit_type, sizeof(r->audit_type), "%s", type);
    if (!http_param_id(r, 0, &v)) {
        http_respond_error(r, 404, "not-found", not_found);
        return false;
    }
    snprintf(r->audit_id, sizeof(r->audit_id), "%lld", v);
    *id = r->audit_id;
    return true;
}

/* Answers 422 with one error at pointer. */
static void
refuse(request_t *r, const char *pointer, const char *message)
{
    json_t *p = problem_new(422, "invalid-input", message);
    problem_add_error(p, pointer, message);
    http_respond_problem(r, p);
}

/* Answers an insert under a report whose statement returns (reports of
 * the caller's found, new id, new row's JSON): 404 when the report is not
 * the caller's, 422 at pointer when the row's condition failed, else 201
 * (with Location under location_prefix, if given). Clears res. */
static void
answer_insert(request_t *r, PGresult *res, const char *pointer, const char *message,
              const char *location_prefix)
{
    if (atoi(PQgetvalue(res, 0, 0)) == 0) {
        http_respond_error(r, 404, "not-found", NO_REPORT);
    } else if (PQgetisnull(res, 0, 1)) {
        refuse(r, pointer, message);
    } else {
        snprintf(r->audit_id, sizeof(r->audit_id), "%s", PQgetvalue(res, 0, 1));
        if (location_prefix != NULL) {
            char location[96];
            snprintf(location, sizeof(location), "%s%s", location_prefix, r->audit_id);
            http_set_header(r, "Location", location);
        }
        http_respond_json_text(r, 201, PQgetvalue(res, 0, 2));
    }
    PQclear(res);
}

/* ---- referrals --------------------------------------------------------- */

/* The due date is counted from today in the agreement's working days.
 * Which condition failed comes back: the report is not the caller's (404,
 * whatever the body says), or the receiver is not another active partner
 * of the partnership (422). The insert policy checks ownership again. */
static const char refer_sql[] =
    "WITH rep AS (SELECT report_id FROM hub.report WHERE report_id = $1::bigint"
    " AND partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()),"
    " ins AS (INSERT INTO hub.referral AS f (partnership_id, report_id, from_partner, to_partner,"
    " reason, urgency, due_on)"
    " SELECT hub.current_partnership(), rep.report_id, hub.current_partner(), p.partner_id, $3,"
    " $4, hub.add_working_days((now() AT TIME ZONE 'UTC')::date, CASE $4 WHEN 'urgent'"
    " THEN ps.ack_days_urgent ELSE ps.ack_days_routine END)"
    " FROM rep, hub.partner p JOIN hub.partnership ps USING (partnership_id)"
    " WHERE p.partner_id = $2::bigint AND p.partnership_id = hub.current_partnership()"
    " AND p.active AND p.partner_id <> hub.current_partner()"
    " RETURNING referral_id, hub.referral_json(f)::text AS body)"
    " SELECT (SELECT count(*) FROM rep), (SELECT referral_id FROM ins), (SELECT body FROM ins)";

void
referrals_create(request_t *r)
{
    const char *report;
    if (!id_param(r, "referral", NO_REPORT, &report))
        return;
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    input_t in;
    input_begin(&in, body);
    input_only(&in, (const char *const[]){"to_partner", "reason", "urgency", NULL});
    long long to = 0;
    (void)input_integer(&in, "to_partner", 1, (1LL << 53), true, false, &to, NULL);
    const char *reason = code_of(&in, "reason", "referral_reason", true);
    const char *urgency = code_of(&in, "urgency", "urgency", true);
    json_t *problem = input_end(&in);
    json_decref(body);
    if (problem != NULL) {
        http_respond_problem(r, problem);
        return;
    }
    char to_text[24];
    snprintf(to_text, sizeof(to_text), "%lld", to);
    const char *params[] = {report, to_text, reason, urgency};
    db_stmt_t q = {refer_sql, 4, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        if (strcmp(state, "23505") == 0)
            http_respond_error(r, 409, "conflict",
                               "This report already has an open referral to that partner.");
        else if (strcmp(state, "42501") == 0 || strcmp(state, "23503") == 0)
            http_respond_error(r, 404, "not-found", NO_REPORT);
        else
            access_fail(r, state);
        return;
    }
    answer_insert(r, res, "/to_partner",
                  "Refer to another active partner of your partnership (GET /v1/partners).",
                  "/v1/referrals/");
}

static const char list_sql[] =
    "SELECT json_build_object('referrals', coalesce(json_agg(hub.referral_json(f) ORDER BY"
    " f.referral_id), '[]'), 'next', CASE WHEN count(*) = $4::int THEN max(f.referral_id) END)"
    "::text FROM (SELECT * FROM hub.referral f WHERE partnership_id = hub.current_partnership()"
    " AND CASE $1 WHEN 'out' THEN from_partner ELSE to_partner END = hub.current_partner()"
    " AND ($2::text IS NULL OR status = $2) AND referral_id > $3::bigint"
    " ORDER BY referral_id LIMIT $4::int) f";

void
referrals_list(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "referral");
    long long after, limit;
    if (!http_query_int(r, "after", 0, (1LL << 62), 0, &after) ||
        !http_query_int(r, "limit", 1, 1000, 100, &limit))
        return;
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    const char *direction = evhttp_find_header(&kv, "direction");
    const char *status = evhttp_find_header(&kv, "status");
    if (direction == NULL)
        direction = "in";
    if (strcmp(direction, "in") != 0 && strcmp(direction, "out") != 0) {
        http_respond_error(r, 400, "bad-query", "direction is in or out.");
    } else if (status != NULL && strcmp(status, "open") != 0 && strcmp(status, "accepted") != 0 &&
               strcmp(status, "declined") != 0) {
        http_respond_error(r, 400, "bad-query", "status is open, accepted or declined.");
    } else {
        char after_text[24], limit_text[16];
        snprintf(after_text, sizeof(after_text), "%lld", after);
        snprintf(limit_text, sizeof(limit_text), "%lld", limit);
        const char *params[] = {direction, status, after_text, limit_text};
        db_stmt_t q = {list_sql, 4, params};
        access_respond_json(r, &q, 200, NULL);
    }
    evhttp_clear_headers(&kv);
}

/* Accept or decline: only the receiver, only while open. */
static const char answer_sql[] =
    "WITH f AS (SELECT referral_id, status FROM hub.referral WHERE referral_id = $1::bigint"
    " AND partnership_id = hub.current_partnership() AND to_partner = hub.current_partner()"
    " FOR UPDATE),"
    " u AS (UPDATE hub.referral r SET status = $2, decline_reason = $3, answered_at = now()"
    " FROM f WHERE r.referral_id = f.referral_id AND f.status = 'open'"
    " RETURNING hub.referral_json(r)::text AS body)"
    " SELECT (SELECT status FROM f), (SELECT body FROM u)";

static void
answer(request_t *r, const char *status, const char *reason)
{
    const char *id = r->audit_id;
    const char *params[] = {id, status, reason};
    db_stmt_t q = {answer_sql, 3, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        access_fail(r, state);
        return;
    }
    if (PQgetisnull(res, 0, 0))
        http_respond_error(r, 404, "not-found", NO_REFERRAL);
    else if (PQgetisnull(res, 0, 1))
        http_respond_error(r, 409, "referral-closed", "This referral has already been answered.");
    else
        http_respond_json_text(r, 200, PQgetvalue(res, 0, 1));
    PQclear(res);
}

void
referrals_accept(request_t *r)
{
    const char *id;
    if (id_param(r, "referral", NO_REFERRAL, &id))
        answer(r, "accepted", NULL);
}

void
referrals_decline(request_t *r)
{
    const char *id;
    if (!id_param(r, "referral", NO_REFERRAL, &id))
        return;
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    input_t in;
    input_begin(&in, body);
    input_only(&in, (const char *const[]){"reason", NULL});
    const char *reason = code_of(&in, "reason", "decline_reason", true);
    json_t *problem = input_end(&in);
    json_decref(body);
    if (problem != NULL)
        http_respond_problem(r, problem);
    else
        answer(r, "declined", reason);
}

/* ---- outcomes ---------------------------------------------------------- */

/* May a partner of kind record outcome? (outcome.csv: kinds or "all") */
static bool
outcome_allowed(const char *outcome, const char *kind)
{
    const code_list_t *list = codes_list(codes, "outcome");
    const char *kinds = code_list_value(list, (size_t)code_list_find(list, outcome), "kinds");
    size_t n = strlen(kind);
    for (const char *k = kinds; k != NULL && *k;) {
        size_t len = strcspn(k, " ");
        if ((len == 3 && strncmp(k, "all", 3) == 0) || (len == n && strncmp(k, kind, n) == 0))
            return true;
        k += len + (k[len] == ' ');
    }
    return false;
}

/* The report's reported_on is checked here (one statement): the insert
 * happens only when "on" is not earlier; which condition failed comes back. */
static const char outcome_sql[] =
    "WITH rep AS (SELECT reported_on FROM hub.report WHERE report_id = $1::bigint"
    " AND partnership_id = hub.current_partnership()),"
    " ins AS (INSERT INTO hub.outcome AS o (partnership_id, report_id, partner_id, outcome,"
    " on_date, victim_satisfied)"
    " SELECT hub.current_partnership(), $1::bigint, hub.current_partner(), $2, $3::date, $4"
    " FROM rep WHERE rep.reported_on <= $3::date"
    " RETURNING outcome_id, hub.outcome_json(o)::text AS body)"
    " SELECT (SELECT count(*) FROM rep), (SELECT outcome_id FROM ins), (SELECT body FROM ins)";

void
outcomes_create(request_t *r)
{
    const char *report;
    if (!id_param(r, "outcome", NO_REPORT, &report))
        return;
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    input_t in;
    input_begin(&in, body);
    input_only(&in, (const char *const[]){"outcome", "on", "victim_satisfied", NULL});
    const char *outcome = code_of(&in, "outcome", "outcome", true);
    const char *on = input_string(&in, "on", 10, 10, true);
    const char *satisfied = NULL;
    if (json_object_get(body, "victim_satisfied") != NULL)
        satisfied = code_of(&in, "victim_satisfied", "victim_satisfied", false);
    char today[11];
    utc_today(today);
    if (on != NULL && !report_date_valid(on))
        input_error(&in, "/on", "Expected a real date written YYYY-MM-DD.");
    else if (on != NULL && strcmp(on, today) > 0)
        input_error(&in, "/on", "This date is in the future.");
    if (outcome != NULL && !outcome_allowed(outcome, r->who->partner_kind))
        input_error(&in, "/outcome", "Partners of your kind cannot record this outcome.");
    json_t *problem = input_end(&in);
    if (problem != NULL) {
        json_decref(body);
        http_respond_problem(r, problem);
        return;
    }
    const char *params[] = {report, outcome, on, satisfied};
    db_stmt_t q = {outcome_sql, 4, params};
    PGresult *res;
    char state[6];
    bool ok = access_run(r, &q, 1, &res, state);
    json_decref(body);
    if (!ok) {
        /* The insert policy: neither the owner nor an accepted receiver. */
        if (strcmp(state, "42501") == 0)
            http_respond_error(r, 404, "not-found", NO_REPORT);
        else
            access_fail(r, state);
        return;
    }
    answer_insert(r, res, "/on",
                  "The outcome cannot be dated before the report was made (reported_on).", NULL);
}
