#include "assessments.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "assessment.h"
#include "input.h"
#include "problem.h"
#include "report.h"
#include "targets.h"

static const codes_t *codes;

/* Made once from the code lists, read-only after: the questions in list
 * order and the stages in rank order as array literals, and the rule. */
static char questions_array[2048];
static char stages_array[1024];
static char overall_rule[160];

/* The questions the hub's own data speaks to, with live evidence in the
 * journey view. Q5 (working with partners): the referral agreement kept.
 * Q8 (how you will know): the outcome indicators the partner measures,
 * and the status of each joint target it owns. Q3 (understanding
 * communities) is left out on purpose: reports by ethnic group are data
 * about victims, and the disclosure-controlled rates are the partnership's
 * as a whole, not a partner's (GET /v1/stats/rates shows them). */
#define EVIDENCE_REFERRALS "q5"
#define EVIDENCE_INDICATORS "q8"

static void
array_literal(const code_list_t *list, bool by_rank, char *out, size_t len)
{
    db_array_t a;
    db_array_init(&a);
    for (size_t row = 0; row < code_list_rows(list); row++)
        db_array_add(&a, by_rank ? assessment_stage_of_rank(codes, (int)row + 1)
                                 : code_list_code(list, row));
    const char *text = db_array_text(&a);
    hub_assert(strlen(text) < len);
    memcpy(out, text, strlen(text) + 1);
    db_array_free(&a);
}

void
assessments_configure(const codes_t *c)
{
    codes = c;
    const code_list_t *questions = codes_list(codes, "self_assessment");
    array_literal(questions, false, questions_array, sizeof(questions_array));
    array_literal(codes_list(codes, "journey_stage"), true, stages_array, sizeof(stages_array));
    snprintf(overall_rule, sizeof(overall_rule),
             "The overall stage is the highest stage reached or passed on at least %d of the %zu "
             "questions.",
             ASSESSMENT_QUORUM, code_list_rows(questions));
}

/* ---- submitting ------------------------------------------------------- */

#define CURRENT_OF_DATE                                                                            \
    "partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()"            \
    " AND assessed_on = $1::date AND superseded_at IS NULL"

/* Five statements, one round trip. The partner's lock first: its
 * submissions take turns, so each sees what the one before committed. Then
 * supersede the current assessment of the date if its answers differ (at
 * clock_timestamp(), not now(): a submission that waited for the lock may
 * have begun before the one it supersedes, whose created_at is its own
 * start, and superseded_at >= created_at must hold), make
 * an assessment wherever none is current now, give it its answers (only
 * one made in this transaction takes answers: made_in), and
 * return the current one with whether it was made here. Superseding and
 * inserting are separate statements: the current-assessment index must
 * never see two current for the date. */
static const char lock_sql[] =
    "SELECT pg_advisory_xact_lock(hashtext('hub.self_assessment:' || hub.current_partner()))";

static const char supersede_sql[] =
    "UPDATE hub.self_assessment c SET superseded_at = clock_timestamp() WHERE " CURRENT_OF_DATE
    " AND hub.self_assessment_answers(c.assessment_id) IS DISTINCT FROM"
    " (SELECT jsonb_agg(jsonb_build_object('question', v.q, 'stage', v.s, 'evidence', v.e)"
    " ORDER BY v.q) FROM unnest($2::text[], $3::text[], $4::text[]) AS v(q, s, e))";

static const char insert_sql[] =
    "INSERT INTO hub.self_assessment (partnership_id, partner_id, assessed_on, overall_stage)"
    " SELECT hub.current_partnership(), hub.current_partner(), $1::date, $2"
    " WHERE NOT EXISTS (SELECT FROM hub.self_assessment WHERE " CURRENT_OF_DATE ")";

static const char answers_sql[] =
    "INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question,"
    " stage, evidence)"
    " SELECT a.assessment_id, a.partnership_id, a.partner_id, v.q, v.s, v.e"
    " FROM hub.self_assessment a, unnest($2::text[], $3::text[], $4::text[]) AS v(q, s, e)"
    " WHERE " CURRENT_OF_DATE " AND a.made_in = pg_current_xact_id()";

static const char current_sql[] =
    "SELECT hub.self_assessment_json(a)::text, a.made_in = pg_current_xact_id(), a.assessment_id"
    " FROM hub.self_assessment a WHERE " CURRENT_OF_DATE;

/* The answers as three array literals, in question order. */
typedef struct {
    db_array_t questions, stages, evidence;
} columns_t;

static void
columns_of(const assessment_t *a, columns_t *c)
{
    db_array_init(&c->questions);
    db_array_init(&c->stages);
    db_array_init(&c->evidence);
    for (size_t q = 0; q < a->nanswers; q++) {
        db_array_add(&c->questions, a->answers[q].question);
        db_array_add(&c->stages, a->answers[q].stage);
        db_array_add(&c->evidence, a->answers[q].evidence);
    }
}

static void
columns_free(columns_t *c)
{
    db_array_free(&c->questions);
    db_array_free(&c->stages);
    db_array_free(&c->evidence);
}

/* Stores a and answers: 201 when this submission made an assessment, 200
 * when the same answers were current for the date already. */
static void
store(request_t *r, const assessment_t *a)
{
    columns_t c;
    columns_of(a, &c);
    const char *answers[] = {a->assessed_on, db_array_text(&c.questions), db_array_text(&c.stages),
                             db_array_text(&c.evidence)};
    const char *made[] = {a->assessed_on, a->overall};
    const db_stmt_t q[] = {{lock_sql, 0, NULL},
                           {supersede_sql, 4, answers},
                           {insert_sql, 2, made},
                           {answers_sql, 4, answers},
                           {current_sql, 1, answers}};
    PGresult *res[5];
    char state[6];
    bool ok = access_run(r, q, 5, res, state);
    columns_free(&c);
    if (!ok) {
        if (strcmp(state, "23505") == 0)
            http_respond_error(r, 409, "conflict",
                               "Another submission for the same date was stored at the same "
                               "time; send yours again.");
        else
            access_fail(r, state);
        return;
    }
    hub_assert(PQntuples(res[4]) == 1);
    snprintf(r->audit_id, sizeof(r->audit_id), "%s", PQgetvalue(res[4], 0, 2));
    bool made_here = strcmp(PQgetvalue(res[4], 0, 1), "t") == 0;
    http_respond_json_text(r, made_here ? 201 : 200, PQgetvalue(res[4], 0, 0));
    for (int k = 0; k < 5; k++)
        PQclear(res[k]);
}

void
assessments_submit(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "self_assessment");
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    char today[11];
    utc_today(today);
    input_t in;
    input_begin(&in, body);
    assessment_t a;
    bool valid = assessment_parse(codes, &in, today, &a);
    json_t *problem = input_end(&in);
    if (!valid)
        http_respond_refused(r, problem);
    else
        store(r, &a); /* a's evidence points into body */
    json_decref(body);
}

/* ---- reading ---------------------------------------------------------- */

/* A YYYY-MM-DD query parameter, NULL when absent; false (answered 400)
 * when malformed. */
static bool
date_param(request_t *r, struct evkeyvalq *kv, const char *name, const char **out)
{
    *out = evhttp_find_header(kv, name);
    if (*out == NULL || report_date_valid(*out))
        return true;
    char detail[96];
    snprintf(detail, sizeof(detail), "%s is a date written YYYY-MM-DD.", name);
    http_respond_error(r, 400, "bad-query", detail);
    return false;
}

/* The filters both reads take: partner, from, to. */
typedef struct {
    char partner[24];
    bool has_partner;
    const char *from, *to;
} filters_t;

static bool
filters_of(request_t *r, struct evkeyvalq *kv, filters_t *f)
{
    long long partner;
    if (!http_query_int(r, "partner", 0, (1LL << 53), 0, &partner) ||
        !date_param(r, kv, "from", &f->from) || !date_param(r, kv, "to", &f->to))
        return false;
    f->has_partner = partner != 0;
    snprintf(f->partner, sizeof(f->partner), "%lld", partner);
    return true;
}

/* latest=true: each partner's latest current assessment within from/to. */
static const char list_sql[] =
    "SELECT json_build_object('assessments', coalesce(json_agg(hub.self_assessment_json(a)"
    " ORDER BY a.assessment_id), '[]'), 'next', CASE WHEN count(*) = $7::int THEN"
    " max(a.assessment_id) END)::text"
    " FROM (SELECT * FROM hub.self_assessment a WHERE partnership_id = hub.current_partnership()"
    " AND assessment_id > $1::bigint AND ($2::bigint IS NULL OR partner_id = $2::bigint)"
    " AND ($3::date IS NULL OR assessed_on >= $3::date)"
    " AND ($4::date IS NULL OR assessed_on <= $4::date)"
    " AND ($5::boolean OR superseded_at IS NULL)"
    " AND (NOT $6::boolean OR NOT EXISTS (SELECT FROM hub.self_assessment b"
    " WHERE b.partnership_id = a.partnership_id AND b.partner_id = a.partner_id"
    " AND b.superseded_at IS NULL AND b.assessed_on > a.assessed_on"
    " AND ($4::date IS NULL OR b.assessed_on <= $4::date)))"
    " ORDER BY assessment_id LIMIT $7::int) a";

void
assessments_list(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "self_assessment");
    long long after, limit;
    if (!http_query_int(r, "after", 0, (1LL << 62), 0, &after) ||
        !http_query_int(r, "limit", 1, 1000, 100, &limit))
        return;
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    filters_t f;
    bool history, latest;
    if (!filters_of(r, &kv, &f) || !http_query_flag(r, &kv, "history", &history) ||
        !http_query_flag(r, &kv, "latest", &latest)) {
        /* answered */
    } else if (history && latest) {
        http_respond_error(r, 400, "bad-query",
                           "latest=true shows current assessments only; not with history=true.");
    } else {
        char after_text[24], limit_text[16];
        snprintf(after_text, sizeof(after_text), "%lld", after);
        snprintf(limit_text, sizeof(limit_text), "%lld", limit);
        const char *params[] = {
            after_text, f.has_partner ? f.partner : NULL, f.from,
            f.to,       history ? "true" : "false",       latest ? "true" : "false",
            limit_text};
        db_stmt_t q = {list_sql, 7, params};
        access_respond_json(r, &q, 200, NULL);
    }
    evhttp_clear_headers(&kv);
}

/* The partnership view in one statement. Per partner of the partnership:
 * its current assessments' overall stages by date, and per question (in
 * list order) its stage by date; live evidence beside Q5 and Q8 (see
 * EVIDENCE_*), counted over the last twelve months. Ranks come from the
 * stages array, which is in rank order. */
static const char journey_sql[] =
    "WITH w AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today,"
    " ((now() AT TIME ZONE 'UTC')::date - interval '12 months')::date AS since),"
    " a AS (SELECT assessment_id, partner_id, assessed_on, overall_stage FROM hub.self_assessment"
    " WHERE partnership_id = hub.current_partnership() AND superseded_at IS NULL"
    " AND ($1::bigint IS NULL OR partner_id = $1::bigint)"
    " AND ($2::date IS NULL OR assessed_on >= $2::date)"
    " AND ($3::date IS NULL OR assessed_on <= $3::date)),"
    " s AS (SELECT a.partner_id, a.assessed_on, x.question, x.stage"
    " FROM a JOIN hub.self_assessment_answer x USING (assessment_id)),"
    " ref AS (SELECT r.* FROM w, hub.referral_activity(w.since) r),"
    " ind AS (SELECT v.partner_id, count(*) AS n, count(DISTINCT v.indicator) AS k,"
    " (array_agg(v.period ORDER BY v.period_end DESC, v.period_start DESC))[1] AS latest"
    " FROM hub.indicator_value v, w WHERE v.partnership_id = hub.current_partnership()"
    " AND v.superseded_at IS NULL AND v.submitted_at >= w.since GROUP BY v.partner_id),"
    " q AS (SELECT code, ord FROM unnest($4::text[]) WITH ORDINALITY AS q(code, ord))"
    " SELECT jsonb_build_object('as_of', w.today, 'evidence_since', w.since,"
    " 'overall_rule', $8::text, 'stages', to_jsonb($5::text[]), 'partners', coalesce(("
    "SELECT jsonb_agg(jsonb_build_object('partner_id', p.partner_id, 'name', p.name,"
    " 'kind', p.kind, 'active', p.active,"
    " 'overall', coalesce((SELECT jsonb_agg(jsonb_build_object('assessment_id', a.assessment_id,"
    " 'assessed_on', a.assessed_on, 'stage', a.overall_stage,"
    " 'rank', array_position($5::text[], a.overall_stage)) ORDER BY a.assessed_on)"
    " FROM a WHERE a.partner_id = p.partner_id), '[]'),"
    " 'questions', (SELECT jsonb_agg(jsonb_build_object('question', q.code,"
    " 'series', coalesce((SELECT jsonb_agg(jsonb_build_object('assessed_on', s.assessed_on,"
    " 'stage', s.stage, 'rank', array_position($5::text[], s.stage)) ORDER BY s.assessed_on)"
    " FROM s WHERE s.partner_id = p.partner_id AND s.question = q.code), '[]'))"
    " || CASE q.code"
    " WHEN $6::text THEN jsonb_build_object('evidence', jsonb_build_object('source', 'referrals',"
    " 'since', w.since, 'made', coalesce(ref.made, 0), 'received', coalesce(ref.received, 0),"
    " 'due', coalesce(ref.due, 0), 'answered_in_time', coalesce(ref.answered_in_time, 0),"
    " 'share_answered_in_time', CASE WHEN ref.due > 0"
    " THEN round(ref.answered_in_time::numeric / ref.due, 3) END))"
    " WHEN $7::text THEN jsonb_build_object('evidence', jsonb_build_object('source', 'indicators',"
    " 'since', w.since, 'values', coalesce(ind.n, 0), 'indicators', coalesce(ind.k, 0),"
    " 'latest_period', ind.latest))"
    " ELSE '{}'::jsonb END ORDER BY q.ord) FROM q)) ORDER BY p.partner_id)"
    " FROM hub.partner p LEFT JOIN ref ON ref.partner_id = p.partner_id"
    " LEFT JOIN ind ON ind.partner_id = p.partner_id"
    " WHERE p.partnership_id = hub.current_partnership()"
    " AND ($1::bigint IS NULL OR p.partner_id = $1::bigint)), '[]'))::text FROM w";

/* Q8's evidence: beside the indicators, each partner's targets (those it
 * leads or contributes to) with their current status. */
static void
add_target_evidence(json_t *journey, json_t *targets)
{
    size_t i, k;
    json_t *p, *q;
    json_array_foreach(json_object_get(journey, "partners"), i, p)
    {
        char key[24];
        snprintf(key, sizeof(key), "%lld",
                 (long long)json_integer_value(json_object_get(p, "partner_id")));
        json_t *mine = json_object_get(targets, key);
        json_array_foreach(json_object_get(p, "questions"), k, q)
        {
            json_t *evidence = json_object_get(q, "evidence");
            const char *code = json_string_value(json_object_get(q, "question"));
            if (evidence != NULL && code != NULL && strcmp(code, EVIDENCE_INDICATORS) == 0)
                json_object_set_new(evidence, "targets", mine ? json_copy(mine) : json_array());
        }
    }
}

void
assessments_journey(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "self_assessment_journey");
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    filters_t f;
    if (filters_of(r, &kv, &f)) {
        const char *params[] = {f.has_partner ? f.partner : NULL,
                                f.from,
                                f.to,
                                questions_array,
                                stages_array,
                                EVIDENCE_REFERRALS,
                                EVIDENCE_INDICATORS,
                                overall_rule};
        const db_stmt_t q = {journey_sql, 8, params};
        PGresult *res;
        char state[6];
        if (!access_run(r, &q, 1, &res, state)) {
            access_fail(r, state);
        } else {
            json_error_t err;
            json_t *journey = json_loads(PQgetvalue(res, 0, 0), 0, &err);
            hub_assert(journey != NULL);
            PQclear(res);
            json_t *targets = targets_by_owner(r);
            if (targets != NULL) {
                add_target_evidence(journey, targets);
                http_respond_json(r, 200, journey);
                json_decref(targets);
            } else {
                json_decref(journey); /* answered */
            }
        }
    }
    evhttp_clear_headers(&kv);
}
