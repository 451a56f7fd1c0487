#include "indicators.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "indicator.h"
#include "input.h"
#include "problem.h"

static const codes_t *codes;
static const config_t *config;

void
indicators_configure(const codes_t *c, const config_t *cfg)
{
    codes = c;
    config = cfg;
}

/* ---- submitting ------------------------------------------------------- */

/* The batch's columns, as arrays: one row per value, in batch order. */
enum { COL_INDICATOR, COL_PERIOD, COL_AREA, COL_GROUP, COL_VALUE, COL_NUM, COL_DEN, NCOLS };

#define VALUES_SQL                                                                                 \
    "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::bigint[],"          \
    " $7::bigint[]) WITH ORDINALITY AS v(indicator, period, area, ethnic_group, value, numerator," \
    " denominator, i)"

#define CURRENT_OF_V                                                                               \
    "c.partnership_id = hub.current_partnership() AND c.partner_id = hub.current_partner()"        \
    " AND c.superseded_at IS NULL AND c.indicator = v.indicator AND c.period = v.period"           \
    " AND c.area = v.area AND c.ethnic_group = v.ethnic_group"

/* Four statements, one round trip. First the partner's indicator lock:
 * submissions of one partner take turns, so each sees the values the one
 * before it committed (without it, a batch racing another could find its
 * key just superseded and its value neither stored nor refused). Then
 * supersede the current values that differ, insert a value wherever none
 * is current now, and say per item which row is current and whether this
 * transaction made it (now() is the transaction's start, so submitted_at =
 * now() means "made here"). Superseding and inserting are two statements:
 * the current-value index must never see the old and new row current. */
static const char lock_sql[] =
    "SELECT pg_advisory_xact_lock(hashtext('hub.indicator_value:' || hub.current_partner()))";

static const char supersede_sql[] =
    "UPDATE hub.indicator_value c SET superseded_at = now() FROM " VALUES_SQL " WHERE " CURRENT_OF_V
    " AND (c.value, c.numerator, c.denominator) IS DISTINCT FROM (v.value, v.numerator,"
    " v.denominator) RETURNING v.i";

static const char insert_sql[] =
    "INSERT INTO hub.indicator_value (partnership_id, partner_id, indicator, period, area,"
    " ethnic_group, value, numerator, denominator)"
    " SELECT hub.current_partnership(), hub.current_partner(), v.indicator, v.period, v.area,"
    " v.ethnic_group, v.value, v.numerator, v.denominator FROM " VALUES_SQL
    " WHERE NOT EXISTS (SELECT FROM hub.indicator_value c WHERE " CURRENT_OF_V ") ORDER BY v.i";

static const char current_sql[] = "SELECT v.i, c.value_id, c.submitted_at = now() FROM " VALUES_SQL
                                  " JOIN hub.indicator_value c ON " CURRENT_OF_V " ORDER BY v.i";

typedef struct {
    indicator_value_t value;
    char id[24];
    const char *status; /* created, replaced or unchanged */
} item_t;

static int
compare_keys(const indicator_value_t *a, const indicator_value_t *b)
{
    int c = strcmp(a->indicator, b->indicator);
    c = c ? c : strcmp(a->period, b->period);
    c = c ? c : strcmp(a->area, b->area);
    return c ? c : strcmp(a->ethnic_group, b->ethnic_group);
}

static int
by_key_then_index(const void *a, const void *b, void *arg)
{
    const item_t *items = arg;
    int i = *(const int *)a, j = *(const int *)b;
    int c = compare_keys(&items[i].value, &items[j].value);
    return c ? c : i - j;
}

/* The same key twice in one batch would make the stored value depend on
 * row order: refuse every later one. Sorted, not pairwise (10,000 items). */
static void
refuse_repeated_keys(item_t *items, int n, input_t *in)
{
    int *order = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, (size_t)n, sizeof(int), by_key_then_index, items);
    for (int k = 0; k < n;) {
        int first = order[k++];
        for (; k < n && compare_keys(&items[order[k]].value, &items[first].value) == 0; k++) {
            char ptr[24], msg[112];
            snprintf(ptr, sizeof(ptr), "/%d", order[k]);
            snprintf(msg, sizeof(msg),
                     "Item %d has the same indicator, period, area and ethnic group.", first);
            input_error(in, ptr, msg);
        }
    }
    free(order);
}

static bool
store(request_t *r, item_t *items, int n, char state[6])
{
    db_array_t cols[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        db_array_init(&cols[c]);
    for (int i = 0; i < n; i++) {
        const indicator_value_t *v = &items[i].value;
        db_array_add(&cols[COL_INDICATOR], v->indicator);
        db_array_add(&cols[COL_PERIOD], v->period);
        db_array_add(&cols[COL_AREA], v->area);
        db_array_add(&cols[COL_GROUP], v->ethnic_group);
        db_array_add(&cols[COL_VALUE], v->value);
        db_array_add(&cols[COL_NUM], v->has_ratio ? v->numerator : NULL);
        db_array_add(&cols[COL_DEN], v->has_ratio ? v->denominator : NULL);
    }
    const char *params[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        params[c] = db_array_text(&cols[c]);
    const db_stmt_t q[] = {{lock_sql, 0, NULL},
                           {supersede_sql, NCOLS, params},
                           {insert_sql, NCOLS, params},
                           {current_sql, NCOLS, params}};
    PGresult *res[4];
    bool ok = access_run(r, q, 4, res, state);
    for (int c = 0; c < NCOLS; c++)
        db_array_free(&cols[c]);
    if (!ok)
        return false;
    for (int i = 0; i < n; i++)
        items[i].status = NULL;
    for (int row = 0; row < PQntuples(res[1]); row++)
        items[atoi(PQgetvalue(res[1], row, 0)) - 1].status = "replaced";
    hub_assert(PQntuples(res[3]) == n);
    for (int row = 0; row < n; row++) {
        item_t *it = &items[atoi(PQgetvalue(res[3], row, 0)) - 1];
        snprintf(it->id, sizeof(it->id), "%s", PQgetvalue(res[3], row, 1));
        if (strcmp(PQgetvalue(res[3], row, 2), "t") != 0)
            it->status = "unchanged";
        else if (it->status == NULL)
            it->status = "created";
    }
    for (int k = 0; k < 4; k++)
        PQclear(res[k]);
    return true;
}

static json_t *
answer(const item_t *items, int n, bool dry_run)
{
    json_t *list = json_array();
    int created = 0, replaced = 0, unchanged = 0;
    for (int i = 0; i < n && !dry_run; i++) {
        const char *s = items[i].status;
        json_array_append_new(list, json_pack("{s:i, s:I, s:s}", "index", i, "id",
                                              (json_int_t)atoll(items[i].id), "status", s));
        created += strcmp(s, "created") == 0;
        replaced += strcmp(s, "replaced") == 0;
        unchanged += strcmp(s, "unchanged") == 0;
    }
    if (dry_run)
        return json_pack("{s:b, s:i, s:b}", "dry_run", 1, "checked", n, "valid", 1);
    return json_pack("{s:b, s:i, s:i, s:i, s:o}", "dry_run", 0, "created", created, "replaced",
                     replaced, "unchanged", unchanged, "values", list);
}

void
indicators_submit(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "indicator_batch");
    struct evkeyvalq kv;
    bool dry_run;
    if (!http_query(r, &kv))
        return;
    bool flag_ok = http_query_flag(r, &kv, "dry_run", &dry_run);
    evhttp_clear_headers(&kv);
    if (!flag_ok)
        return;
    json_t *batch = http_read_json_batch(r, "indicator values", config->max_batch);
    if (batch == NULL)
        return;
    int n = (int)json_array_size(batch);
    snprintf(r->audit_id, sizeof(r->audit_id), "items=%d", n);
    char today[11];
    utc_today(today);
    item_t *items = xcalloc((size_t)n, sizeof(*items));
    input_t all;
    input_begin(&all, batch);
    bool valid = true;
    for (int i = 0; i < n; i++) {
        input_t in;
        char prefix[16];
        snprintf(prefix, sizeof(prefix), "/%d", i);
        input_begin_within(&in, json_array_get(batch, (size_t)i), prefix, &all);
        valid = indicator_parse(codes, &in, today, &items[i].value) && valid;
    }
    if (valid)
        refuse_repeated_keys(items, n, &all);
    json_t *problem = input_end(&all);
    char state[6];
    if (problem != NULL) {
        json_object_set_new(problem, "detail",
                            json_string("Nothing was stored: every value of the batch must be "
                                        "valid. The errors name each item by its index."));
        http_respond_problem(r, problem);
    } else if (!dry_run && !store(r, items, n, state)) {
        if (strcmp(state, "23505") == 0)
            http_respond_error(r, 409, "conflict",
                               "Another submission changed the same values at the same time; "
                               "send the batch again.");
        else
            access_fail(r, state);
    } else {
        http_respond_json(r, 200, answer(items, n, dry_run));
    }
    json_decref(batch);
    free(items);
}

/* ---- reading ---------------------------------------------------------- */

static const char list_sql[] =
    "SELECT json_build_object('values', coalesce(json_agg(hub.indicator_json(v) ORDER BY"
    " v.value_id), '[]'), 'next', CASE WHEN count(*) = $11::int THEN max(v.value_id) END)::text"
    " FROM (SELECT * FROM hub.indicator_value v WHERE partnership_id = hub.current_partnership()"
    " AND value_id > $1::bigint AND ($2::text[] IS NULL OR indicator = ANY ($2::text[]))"
    " AND ($3::text IS NULL OR period = $3)"
    " AND ($4::text IS NULL OR period_start >= hub.period_start($4))"
    " AND ($5::text IS NULL OR period_end <= hub.period_end($5)) AND ($6::text IS NULL OR area = "
    "$6)"
    " AND ($7::text IS NULL OR ethnic_group = $7) AND ($8::bigint IS NULL OR partner_id = "
    "$8::bigint) AND ($9::boolean OR superseded_at IS NULL)"
    " AND ($10::text IS NULL OR period ~ $10)"
    " ORDER BY value_id LIMIT $11::int) v";

/* ?theme= as the array of its indicators' codes; false when unknown. */
static bool
theme_codes(const char *theme, db_array_t *out)
{
    const code_list_t *list = codes_list(codes, "indicator");
    for (size_t row = 0; row < code_list_rows(list); row++) {
        const char *t = code_list_value(list, row, "theme");
        if (t != NULL && strcmp(t, theme) == 0)
            db_array_add(out, code_list_code(list, row));
    }
    return out->n > 0;
}

/* A from/to bound: a period (from: values starting in or after it; to:
 * values ending in or before it). */
static bool
period_bound(request_t *r, struct evkeyvalq *kv, const char *name, const char **out)
{
    char start[11];
    const char *v = evhttp_find_header(kv, name);
    *out = v;
    if (v == NULL)
        return true;
    if (!indicator_period_start(v, start)) {
        char detail[128];
        snprintf(detail, sizeof(detail), "%s is a period written YYYY, YYYY-Qn or YYYY-MM.", name);
        http_respond_error(r, 400, "bad-query", detail);
        return false;
    }
    return true;
}

/* ?granularity=year|quarter|month as a pattern on the period's form. */
static const char *
granularity_pattern(const char *g)
{
    if (g == NULL)
        return NULL;
    if (strcmp(g, "year") == 0)
        return "^[0-9]{4}$";
    if (strcmp(g, "quarter") == 0)
        return "-Q";
    if (strcmp(g, "month") == 0)
        return "-[0-9]{2}$";
    return "";
}

void
indicators_list(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "indicator");
    long long after, limit, partner;
    if (!http_query_int(r, "after", 0, (1LL << 62), 0, &after) ||
        !http_query_int(r, "limit", 1, 1000, 100, &limit) ||
        !http_query_int(r, "partner", 0, (1LL << 53), 0, &partner))
        return;
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    bool history;
    char start[11];
    const char *from_p, *to_p;
    const char *indicator = evhttp_find_header(&kv, "indicator");
    const char *theme = evhttp_find_header(&kv, "theme");
    const char *period = evhttp_find_header(&kv, "period");
    const char *area = evhttp_find_header(&kv, "area");
    const char *group = evhttp_find_header(&kv, "ethnic_group");
    const char *pattern = granularity_pattern(evhttp_find_header(&kv, "granularity"));
    db_array_t wanted;
    db_array_init(&wanted);
    if (!http_query_flag(r, &kv, "history", &history) || !period_bound(r, &kv, "from", &from_p) ||
        !period_bound(r, &kv, "to", &to_p)) {
        /* answered */
    } else if (indicator != NULL && theme != NULL) {
        http_respond_error(r, 400, "bad-query", "Give indicator or theme, not both.");
    } else if (indicator != NULL && code_list_find(codes_list(codes, "indicator"), indicator) < 0) {
        http_respond_error(r, 400, "bad-query",
                           "indicator is not a code of the list indicator (GET "
                           "/v1/codes/indicator).");
    } else if (theme != NULL && !theme_codes(theme, &wanted)) {
        http_respond_error(r, 400, "bad-query",
                           "theme is not a theme of the list indicator (GET /v1/codes/indicator).");
    } else if (period != NULL && !indicator_period_start(period, start)) {
        http_respond_error(r, 400, "bad-query", "period is written YYYY, YYYY-Qn or YYYY-MM.");
    } else if (area != NULL && !indicator_area_valid(area)) {
        http_respond_error(r, 400, "bad-query",
                           "area is the GSS code of an LSOA, ward or local "
                           "authority.");
    } else if (pattern != NULL && *pattern == '\0') {
        http_respond_error(r, 400, "bad-query", "granularity is year, quarter or month.");
    } else {
        if (indicator != NULL)
            db_array_add(&wanted, indicator);
        char after_text[24], limit_text[16], partner_text[24];
        snprintf(after_text, sizeof(after_text), "%lld", after);
        snprintf(limit_text, sizeof(limit_text), "%lld", limit);
        snprintf(partner_text, sizeof(partner_text), "%lld", partner);
        const char *params[] = {after_text,
                                wanted.n ? db_array_text(&wanted) : NULL,
                                period,
                                from_p,
                                to_p,
                                area,
                                group,
                                partner ? partner_text : NULL,
                                history ? "true" : "false",
                                pattern,
                                limit_text};
        db_stmt_t q = {list_sql, 11, params};
        access_respond_json(r, &q, 200, NULL);
    }
    db_array_free(&wanted);
    evhttp_clear_headers(&kv);
}
