#include "stats.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "ci.h"
#include "log.h"
#include "sdc.h"
#include "stats_query.h"
#include "util.h"

#define STATS_CELLS_MAX 10000 /* cells one response may hold */

/* What ?scope=own covers here. */
#define OWN_REPORTS "Your own reports only: exact counts for your own use, not for publication."

/* ---- the refresher ------------------------------------------------------ */

static void
refresh(db_t *db)
{
    int64_t start = now_usec();
    PGresult *r = db_exec(db, "SELECT hub.stats_refresh()", 0, NULL);
    if (r == NULL)
        return; /* logged by db_exec; the next tick retries */
    long long months = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (months > 0)
        log_write(LOG_DEBUG, "statistics refreshed", "\"months\":%lld,\"ms\":%lld", months,
                  (long long)((now_usec() - start) / 1000));
}

periodic_t *
stats_refresher_start(const char *conninfo, int interval_ms)
{
    return periodic_start(conninfo, interval_ms, refresh);
}

/* ---- one request -------------------------------------------------------- */

/* ---- categories ---------------------------------------------------------- */

static int
by_value(const void *a, const void *b, void *arg)
{
    const categories_t *c = arg;
    return strcmp(c->values[*(const int *)a], c->values[*(const int *)b]);
}

static void
categories_index(categories_t *c)
{
    c->sorted = xmalloc((size_t)(c->n ? c->n : 1) * sizeof(int));
    for (int i = 0; i < c->n; i++)
        c->sorted[i] = i;
    qsort_r(c->sorted, (size_t)c->n, sizeof(int), by_value, c);
}

/* Position of value in c, or -1. */
static int
categories_find(const categories_t *c, const char *value)
{
    int lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, cmp = strcmp(value, c->values[c->sorted[mid]]);
        if (cmp == 0)
            return c->sorted[mid];
        if (cmp < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

/* ---- the statement ------------------------------------------------------- */

/* Sums the cube's cells: the first eight columns are the stats_grouped
 * dimensions' values (NULL when not stats_grouped), then the count and the sum of
 * the record keys. Strand and incident type always filter (their '*' row
 * when not stats_grouped), the other filters only when given. */
static const char cells_sql[] =
    "SELECT CASE $1::text WHEN 'month' THEN to_char(c.month, 'YYYY-MM')"
    " WHEN 'quarter' THEN to_char(c.month, 'YYYY-\"Q\"Q') WHEN 'year' THEN to_char(c.month, 'YYYY')"
    " END, CASE WHEN $2::boolean THEN c.strand END, CASE WHEN $3::boolean THEN c.incident_type END,"
    " CASE $4::text WHEN 'ethnic_group' THEN c.ethnic_group WHEN 'ethnic_group_high' THEN"
    " coalesce(m.high, c.ethnic_group) END, CASE WHEN $5::boolean THEN c.age_band END,"
    " CASE WHEN $6::boolean THEN c.area END, CASE WHEN $7::boolean THEN c.partner_kind END,"
    " CASE WHEN $8::boolean THEN c.channel END, sum(c.n), sum(c.keysum)"
    " FROM hub.stats_cell c LEFT JOIN unnest($9::text[], $10::text[]) AS m(code, high)"
    " ON m.code = c.ethnic_group"
    " WHERE c.partnership_id = hub.current_partnership() AND c.cube = $11::smallint"
    " AND c.month >= $12::date AND c.month <= $13::date"
    " AND c.strand = ANY ($14::text[]) AND c.incident_type = ANY ($15::text[])"
    " AND ($16::text[] IS NULL OR c.ethnic_group = ANY ($16::text[]))"
    " AND ($17::text[] IS NULL OR c.age_band = ANY ($17::text[]))"
    " AND ($18::text[] IS NULL OR c.area = ANY ($18::text[]))"
    " AND ($19::text[] IS NULL OR c.partner_kind = ANY ($19::text[]))"
    " AND ($20::text[] IS NULL OR c.channel = ANY ($20::text[]))"
    " AND ($21::bigint IS NULL OR c.partner_id = $21::bigint)"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8";

/* ---- assembling a request ------------------------------------------------ */

static void
categories_add(categories_t *c, const char *v, int cap)
{
    hub_assert(c->n < cap);
    c->values[c->n++] = v;
}

/* The categories of a stats_grouped dimension known before the query (time and
 * the coded ones); areas and partner kinds come from the rows unless
 * filtered. */
static void
categories_before(stats_query_t *q, int i, stats_pool_t *pool)
{
    categories_t *c = &q->cats[i];
    const char *name = q->names[i];
    dim_t d = q->dims[i];
    const code_list_t *list = stats_grouping_list(name);
    int cap = STATS_MONTHS_MAX + STATS_FILTER_MAX + (list ? (int)code_list_rows(list) : 0) + 1;
    c->values = xmalloc((size_t)cap * sizeof(char *));
    if (d == D_TIME) {
        int step = strcmp(name, "month") == 0 ? 1 : strcmp(name, "quarter") == 0 ? 3 : 12;
        int y = q->from_y, m = q->from_m - (q->from_m - 1) % step;
        while (stats_months_between(y, m, q->to_y, q->to_m) >= 0) {
            char label[32];
            if (step == 1)
                snprintf(label, sizeof(label), "%04d-%02d", y, m);
            else if (step == 3)
                snprintf(label, sizeof(label), "%04d-Q%d", y, (m + 2) / 3);
            else
                snprintf(label, sizeof(label), "%04d", y);
            categories_add(c, stats_pool_add(pool, label, strlen(label)), cap);
            m += step;
            y += (m - 1) / 12;
            m = (m - 1) % 12 + 1;
        }
    } else if (q->ethnic_high && d == D_ETHNIC && q->nfhigh > 0) {
        for (int k = 0; k < q->nfhigh; k++)
            categories_add(c, q->fhigh[k], cap);
    } else if (q->filtered[d] && !(q->ethnic_high && d == D_ETHNIC)) {
        for (int k = 0; k < q->nfvals[d]; k++)
            categories_add(c, q->fvals[d][k], cap);
    } else if (list != NULL) {
        for (size_t row = 0; row < code_list_rows(list); row++)
            categories_add(c, code_list_code(list, row), cap);
        if (q->ethnic_high)
            categories_add(c, STATS_NOT_STATED, cap);
    }
}

/* Areas and partner kinds stats_grouped without a filter: the values the rows
 * hold, sorted. */
static void
categories_from_rows(stats_query_t *q, int i, PGresult *res)
{
    int col = (int)q->dims[i], rows = PQntuples(res);
    categories_t all = {xmalloc((size_t)(rows + 1) * sizeof(char *)), rows, NULL};
    for (int row = 0; row < rows; row++)
        all.values[row] = PQgetvalue(res, row, col);
    categories_index(&all);
    categories_t *c = &q->cats[i];
    c->values = xmalloc((size_t)(rows + 1) * sizeof(char *));
    c->n = 0;
    for (int k = 0; k < rows; k++)
        if (k == 0 || strcmp(all.values[all.sorted[k]], all.values[all.sorted[k - 1]]) != 0)
            c->values[c->n++] = all.values[all.sorted[k]];
    free(all.values);
    free(all.sorted);
}

/* ---- the request --------------------------------------------------------- */

/* Strand or incident type: the stats_grouped categories, the one filtered, or
 * '*' (every report once). */
static const char *
multi_param(stats_query_t *q, dim_t d, db_array_t *a)
{
    for (int i = 0; i < q->ngroup; i++)
        if (q->dims[i] == d) {
            for (int k = 0; k < q->cats[i].n; k++)
                db_array_add(a, q->cats[i].values[k]);
            return db_array_text(a);
        }
    if (q->filtered[d])
        return db_array_text(&q->filter[d]);
    db_array_add(a, "*");
    return db_array_text(a);
}

static void
ethnic_map(db_array_t *codes_a, db_array_t *highs)
{
    const code_list_t *eg = codes_list(stats_codes(), "ethnic_group");
    for (size_t row = 0; row < code_list_rows(eg); row++) {
        const char *h = code_list_value(eg, row, "high_level_group");
        db_array_add(codes_a, code_list_code(eg, row));
        db_array_add(highs, h && *h ? h : STATS_NOT_STATED);
    }
}

/* The dimension values of cell index idx (0..cells-1) for dims [lo, hi). */
static void
put_dims(json_t *o, const stats_query_t *q, int lo, int hi, long idx)
{
    int pos[STATS_GROUP_MAX];
    for (int i = hi - 1; i >= lo; i--) {
        pos[i] = (int)(idx % q->cats[i].n);
        idx /= q->cats[i].n;
    }
    for (int i = lo; i < hi; i++)
        json_object_set_new(o, q->names[i], json_string(q->cats[i].values[pos[i]]));
}

/* Fills t from the rows, protects it, and answers. */
static void
answer(request_t *r, stats_query_t *q, PGresult *res, const char *refreshed_at)
{
    int k = q->ngroup;
    long cells = 1;
    for (int i = 0; i < k; i++)
        cells *= q->cats[i].n ? q->cats[i].n : 1;
    if (cells > STATS_CELLS_MAX) {
        char detail[160];
        snprintf(detail, sizeof(detail),
                 "This query gives %ld cells; at most %d: narrow the range or the filters.", cells,
                 STATS_CELLS_MAX);
        http_respond_error(r, 400, "too-many-cells", detail);
        return;
    }
    int cols = k ? q->cats[k - 1].n : 1;
    if (cols == 0)
        cols = 1;
    int rows = (int)(cells / cols);
    sdc_cell_t *cell = xcalloc((size_t)cells, sizeof(*cell));
    sdc_cell_t *rowt = xcalloc((size_t)rows, sizeof(*rowt));
    sdc_cell_t *colt = xcalloc((size_t)cols, sizeof(*colt));
    sdc_cell_t total = {0};
    bool empty_dim = false;
    for (int i = 0; i < k; i++)
        empty_dim |= q->cats[i].n == 0;
    for (int row = 0; row < PQntuples(res) && !empty_dim; row++) {
        long idx = 0;
        bool found = true;
        for (int i = 0; i < k && found; i++) {
            int pos = categories_find(&q->cats[i], PQgetvalue(res, row, (int)q->dims[i]));
            found = pos >= 0;
            idx = idx * q->cats[i].n + pos;
        }
        if (!found)
            continue; /* a stored code no longer in its list */
        long long n = atoll(PQgetvalue(res, row, NDIMS));
        uint64_t key = (uint64_t)atoll(PQgetvalue(res, row, NDIMS + 1));
        cell[idx].count += n;
        cell[idx].key += key;
    }
    for (long idx = 0; idx < cells; idx++) {
        rowt[idx / cols].count += cell[idx].count;
        rowt[idx / cols].key += cell[idx].key;
        colt[idx % cols].count += cell[idx].count;
        colt[idx % cols].key += cell[idx].key;
        total.count += cell[idx].count;
        total.key += cell[idx].key;
    }
    sdc_table_t t = {rows, cols, cell, rowt, colt, &total};
    if (q->own)
        sdc_publish_exact(&t);
    else
        sdc_protect(&t, stats_rules());

    json_t *out = json_object();
    json_t *group = json_array();
    for (int i = 0; i < k; i++)
        json_array_append_new(group, json_string(q->names[i]));
    char from[32], to[32];
    snprintf(from, sizeof(from), "%04d-%02d", q->from_y, q->from_m);
    snprintf(to, sizeof(to), "%04d-%02d", q->to_y, q->to_m);
    json_object_set_new(out, "scope", json_string(q->own ? "own" : "joint"));
    json_object_set_new(out, "group", group);
    json_object_set_new(out, "from", json_string(from));
    json_object_set_new(out, "to", json_string(to));
    json_object_set_new(out, "disclosure", stats_disclosure_json(q->own ? OWN_REPORTS : NULL));
    json_object_set_new(out, "freshness", stats_freshness_json(refreshed_at));
    json_t *list = json_array();
    for (long idx = 0; idx < cells && !empty_dim && k > 0; idx++) {
        json_t *o = json_object();
        put_dims(o, q, 0, k, idx);
        stats_put_count(o, &cell[idx]);
        json_array_append_new(list, o);
    }
    json_object_set_new(out, "cells", list);
    if (k >= 2) {
        json_t *rl = json_array(), *cl = json_array();
        for (int i = 0; i < rows; i++) {
            json_t *o = json_object();
            put_dims(o, q, 0, k - 1, i);
            stats_put_count(o, &rowt[i]);
            json_array_append_new(rl, o);
        }
        for (int i = 0; i < cols; i++) {
            json_t *o = json_object();
            put_dims(o, q, k - 1, k, i);
            stats_put_count(o, &colt[i]);
            json_array_append_new(cl, o);
        }
        json_object_set_new(out, "row_totals", rl);
        json_object_set_new(out, "column_totals", cl);
    }
    json_t *tot = json_object();
    stats_put_count(tot, &total);
    json_object_set_new(out, "total", tot);
    if (stats_grouped(q, D_STRAND) || stats_grouped(q, D_INCIDENT))
        json_object_set_new(out, "note",
                            json_string("A report with several strands or incident types counts "
                                        "once under each; totals are the sums of the cells."));
    http_respond_json(r, 200, out);
    free(cell);
    free(rowt);
    free(colt);
}

void
stats_reports(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "stats");
    snprintf(r->audit_id, sizeof(r->audit_id), "reports");
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    stats_query_t q;
    stats_query_init(&q);
    stats_pool_t pool = {0};
    db_array_t strand_a, incident_a, map_codes, map_highs;
    db_array_init(&strand_a);
    db_array_init(&incident_a);
    db_array_init(&map_codes);
    db_array_init(&map_highs);
    if (stats_query_parse(r, &kv, &q, &pool)) {
        for (int i = 0; i < q.ngroup; i++)
            if (!((q.dims[i] == D_AREA || q.dims[i] == D_KIND) && !q.filtered[q.dims[i]]))
                categories_before(&q, i, &pool);
        ethnic_map(&map_codes, &map_highs);
        char cube[4], from[32], to[32], partner[24];
        snprintf(cube, sizeof(cube), "%d", stats_cube_for(&q));
        snprintf(from, sizeof(from), "%04d-%02d-01", q.from_y, q.from_m);
        snprintf(to, sizeof(to), "%04d-%02d-01", q.to_y, q.to_m);
        snprintf(partner, sizeof(partner), "%lld", r->who->partner_id);
        const char *ethnic = stats_grouped(&q, D_ETHNIC)
                                 ? (q.ethnic_high ? "ethnic_group_high" : "ethnic_group")
                                 : NULL;
        const char *params[] = {q.time,
                                stats_grouped(&q, D_STRAND) ? "true" : "false",
                                stats_grouped(&q, D_INCIDENT) ? "true" : "false",
                                ethnic,
                                stats_grouped(&q, D_AGE) ? "true" : "false",
                                stats_grouped(&q, D_AREA) ? "true" : "false",
                                stats_grouped(&q, D_KIND) ? "true" : "false",
                                stats_grouped(&q, D_CHANNEL) ? "true" : "false",
                                db_array_text(&map_codes),
                                db_array_text(&map_highs),
                                cube,
                                from,
                                to,
                                multi_param(&q, D_STRAND, &strand_a),
                                multi_param(&q, D_INCIDENT, &incident_a),
                                stats_filter_param(&q, D_ETHNIC),
                                stats_filter_param(&q, D_AGE),
                                stats_filter_param(&q, D_AREA),
                                stats_filter_param(&q, D_KIND),
                                stats_filter_param(&q, D_CHANNEL),
                                q.own ? partner : NULL};
        const db_stmt_t stmts[] = {{cells_sql, 21, params}, {stats_state_sql, 0, NULL}};
        PGresult *res[2];
        char state[6];
        if (!access_run(r, stmts, 2, res, state)) {
            access_fail(r, state);
        } else {
            for (int i = 0; i < q.ngroup; i++) {
                if ((q.dims[i] == D_AREA || q.dims[i] == D_KIND) && !q.filtered[q.dims[i]])
                    categories_from_rows(&q, i, res[0]);
                categories_index(&q.cats[i]);
            }
            answer(r, &q, res[0], PQgetvalue(res[1], 0, 0));
            PQclear(res[0]);
            PQclear(res[1]);
        }
    }
    for (int i = 0; i < q.ngroup; i++) {
        free(q.cats[i].values);
        free(q.cats[i].sorted);
    }
    stats_query_free(&q);
    db_array_free(&strand_a);
    db_array_free(&incident_a);
    db_array_free(&map_codes);
    db_array_free(&map_highs);
    stats_pool_free(&pool);
    evhttp_clear_headers(&kv);
}

/* ---- rates per 1,000 and disproportionality ------------------------------ */

#define RATE_PER 1000.0

/* The area set: the areas asked for, or every area the partnership's
 * reports name (cube 4). */
#define AREA_SET                                                                                   \
    "coalesce($1::text[], (SELECT array_agg(DISTINCT area) FROM hub.stats_cell"                    \
    " WHERE partnership_id = hub.current_partnership() AND cube = 4))"

static const char rate_counts_sql[] =
    "SELECT c.ethnic_group, sum(c.n), sum(c.keysum) FROM hub.stats_cell c"
    " WHERE c.partnership_id = hub.current_partnership() AND c.cube = 4"
    " AND c.area = ANY (" AREA_SET ") AND c.month >= $2::date AND c.month <= $3::date"
    " AND c.strand = $4 AND ($5::bigint IS NULL OR c.partner_id = $5::bigint) GROUP BY 1";

static const char rate_population_sql[] =
    "WITH a AS (SELECT DISTINCT unnest(" AREA_SET ") AS area)"
    " SELECT p.ons_number, sum(p.count), (SELECT count(*) FROM a)"
    " FROM hub.population p JOIN a USING (area) GROUP BY 1";

/* One group of the rates table. */
typedef struct {
    const char *code;
    long long population;
    bool reference;
} rate_group_t;

static json_t *
ci_json(const ci_t *c)
{
    return json_pack("{s:f, s:f, s:f}", "value", c->value, "lo", c->lo, "hi", c->hi);
}

void
stats_rates(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "stats");
    snprintf(r->audit_id, sizeof(r->audit_id), "rates");
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    stats_query_t q;
    stats_query_init(&q);
    stats_pool_t pool = {0};
    long long min_population;
    const char *group = evhttp_find_header(&kv, "group");
    const char *reference = evhttp_find_header(&kv, "reference");
    bool high = group != NULL && strcmp(group, "ethnic_group_high") == 0;
    const code_list_t *eg = codes_list(stats_codes(), "ethnic_group");
    const code_list_t *groups =
        codes_list(stats_codes(), high ? "ethnic_high_level_group" : "ethnic_group");
    if (reference == NULL)
        reference = high ? "white" : "white_british";
    bool ok = http_query_int(r, "min_population", 1, 1000000000, 100, &min_population);
    if (ok && group != NULL && !high && strcmp(group, "ethnic_group") != 0)
        ok = stats_bad_query(r, "group is ethnic_group (the default) or ethnic_group_high.");
    else if (ok &&
             (code_list_find(groups, reference) < 0 || strcmp(reference, STATS_NOT_STATED) == 0))
        ok = stats_bad_query(
            r, "reference is a group of the grouping (default white_british, or white "
               "for the high-level groups).");
    struct evkeyvalq only;
    TAILQ_INIT(&only); /* stats_query_parse reads the common parameters from a copy without group */
    struct evkeyval *h;
    TAILQ_FOREACH(h, &kv, next)
    {
        if (strcmp(h->key, "group") != 0 && strcmp(h->key, "reference") != 0 &&
            strcmp(h->key, "min_population") != 0)
            evhttp_add_header(&only, h->key, h->value);
    }
    static const char *const not_here[] = {"incident_type", "ethnic_group", "ethnic_group_high",
                                           "age_band",      "partner_kind", "channel"};
    for (size_t i = 0; ok && i < ARRAY_LEN(not_here); i++)
        if (evhttp_find_header(&only, not_here[i]) != NULL)
            ok =
                stats_bad_query(r, "rates take the filters strand and area (and from, to, scope).");
    ok = ok && stats_query_parse(r, &only, &q, &pool);
    if (ok && q.nfvals[D_STRAND] > 1)
        ok = stats_bad_query(r, "rates take one strand.");
    if (ok) {
        char from[32], to[32], partner[24];
        snprintf(from, sizeof(from), "%04d-%02d-01", q.from_y, q.from_m);
        snprintf(to, sizeof(to), "%04d-%02d-01", q.to_y, q.to_m);
        snprintf(partner, sizeof(partner), "%lld", r->who->partner_id);
        const char *areas = stats_filter_param(&q, D_AREA);
        const char *cparams[] = {areas, from, to, q.nfvals[D_STRAND] ? q.fvals[D_STRAND][0] : "*",
                                 q.own ? partner : NULL};
        const char *pparams[] = {areas};
        const db_stmt_t stmts[] = {{rate_counts_sql, 5, cparams},
                                   {rate_population_sql, 1, pparams},
                                   {stats_state_sql, 0, NULL}};
        PGresult *res[3];
        char state[6];
        if (!access_run(r, stmts, 3, res, state)) {
            access_fail(r, state);
        } else {
            /* The groups as columns of a one-row table, not_stated last, so
             * that the total counts every report of the area set. */
            int ng = (int)code_list_rows(groups) + (high ? 1 : 0);
            rate_group_t *g = xcalloc((size_t)ng, sizeof(*g));
            sdc_cell_t *cell = xcalloc((size_t)ng, sizeof(*cell)), total = {0};
            int n = 0;
            for (size_t row = 0; row < code_list_rows(groups); row++)
                g[n++].code = code_list_code(groups, row);
            if (high)
                g[n++].code = STATS_NOT_STATED;
            for (int i = 0; i < ng; i++)
                g[i].reference = strcmp(g[i].code, reference) == 0;
            for (int row = 0; row < PQntuples(res[0]); row++) {
                int er = code_list_find(eg, PQgetvalue(res[0], row, 0));
                if (er < 0)
                    continue;
                const char *code =
                    high ? stats_ethnic_high_of(eg, (size_t)er) : code_list_code(eg, (size_t)er);
                for (int i = 0; i < ng; i++)
                    if (strcmp(g[i].code, code) == 0) {
                        cell[i].count += atoll(PQgetvalue(res[0], row, 1));
                        cell[i].key += (uint64_t)atoll(PQgetvalue(res[0], row, 2));
                    }
            }
            long long areas_n = 0;
            for (int row = 0; row < PQntuples(res[1]); row++) {
                int ons = atoi(PQgetvalue(res[1], row, 0));
                areas_n = atoll(PQgetvalue(res[1], row, 2));
                for (size_t er = 0; er < code_list_rows(eg); er++) {
                    const char *num = code_list_value(eg, er, "ons_number");
                    if (num == NULL || atoi(num) != ons)
                        continue;
                    const char *code = high ? stats_ethnic_high_of(eg, er) : code_list_code(eg, er);
                    for (int i = 0; i < ng; i++)
                        if (strcmp(g[i].code, code) == 0)
                            g[i].population += atoll(PQgetvalue(res[1], row, 1));
                }
            }
            for (int i = 0; i < ng; i++) {
                total.count += cell[i].count;
                total.key += cell[i].key;
            }
            sdc_cell_t rowt = total;
            sdc_table_t t = {1, ng, cell, &rowt, cell, &total};
            /* a one-row table: its column totals are its cells */
            sdc_cell_t *colt = xcalloc((size_t)ng, sizeof(*colt));
            memcpy(colt, cell, (size_t)ng * sizeof(*colt));
            t.col_totals = colt;
            if (q.own)
                sdc_publish_exact(&t);
            else
                sdc_protect(&t, stats_rules());
            int ref = -1;
            for (int i = 0; i < ng; i++)
                if (g[i].reference)
                    ref = i;
            bool ref_ok = ref >= 0 && cell[ref].state == SDC_PUBLISHED &&
                          g[ref].population >= min_population && cell[ref].published > 0;
            json_t *list = json_array();
            for (int i = 0; i < ng; i++) {
                json_t *o =
                    json_pack("{s:s}", high ? "ethnic_group_high" : "ethnic_group", g[i].code);
                stats_put_count(o, &cell[i]);
                json_object_set_new(o, "population", json_integer(g[i].population));
                ci_t rate, ratio;
                if (strcmp(g[i].code, STATS_NOT_STATED) == 0) {
                    json_object_set_new(o, "not_computed",
                                        json_string("no population: ethnic group not stated"));
                } else if (cell[i].state != SDC_PUBLISHED) {
                    json_object_set_new(o, "not_computed", json_string("suppressed count"));
                } else if (g[i].population < min_population) {
                    json_object_set_new(o, "not_computed",
                                        json_string("population below min_population"));
                } else if (ci_rate(cell[i].published, g[i].population, RATE_PER, &rate)) {
                    json_object_set_new(o, "rate", ci_json(&rate));
                    if (ref_ok && i != ref && cell[i].published > 0 &&
                        ci_rate_ratio(cell[i].published, g[i].population, cell[ref].published,
                                      g[ref].population, &ratio))
                        json_object_set_new(o, "ratio", ci_json(&ratio));
                }
                json_array_append_new(list, o);
            }
            json_t *tot = json_object();
            stats_put_count(tot, &total);
            char f[32], tt[32];
            snprintf(f, sizeof(f), "%04d-%02d", q.from_y, q.from_m);
            snprintf(tt, sizeof(tt), "%04d-%02d", q.to_y, q.to_m);
            json_t *out = json_pack(
                "{s:s, s:s, s:s, s:f, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:s}", "scope",
                q.own ? "own" : "joint", "from", f, "to", tt, "per", RATE_PER, "reference",
                reference, "min_population", (json_int_t)min_population, "areas",
                (json_int_t)areas_n, "groups", list, "total", tot, "disclosure",
                stats_disclosure_json(q.own ? OWN_REPORTS : NULL), "freshness",
                stats_freshness_json(PQgetvalue(res[2], 0, 0)), "method",
                "Rates are reports in the period per 1,000 residents of the area set (Census "
                "2021), not annualised, with 95 % intervals (exact Poisson below 10, Byar's "
                "method above); ratios divide a group's rate by the reference group's, with "
                "the log method's interval. Rates use the published (disclosure-controlled) "
                "counts; a suppressed count gives no rate.");
            if (!ref_ok)
                json_object_set_new(out, "note",
                                    json_string("The reference group's rate is not available, "
                                                "so no ratio is given."));
            http_respond_json(r, 200, out);
            free(colt);
            free(cell);
            free(g);
            for (int k = 0; k < 3; k++)
                PQclear(res[k]);
        }
    }
    evhttp_clear_headers(&only);
    stats_query_free(&q);
    stats_pool_free(&pool);
    evhttp_clear_headers(&kv);
}
