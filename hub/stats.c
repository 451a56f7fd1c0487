#include "stats.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <ctype.h>
#include <event2/keyvalq_struct.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "ci.h"
#include "indicator.h"
#include "log.h"
#include "sdc.h"
#include "util.h"

#define STATS_GROUP_MAX 3     /* dimensions one response may group by */
#define STATS_CELLS_MAX 10000 /* cells one response may hold */
#define STATS_MONTHS_MAX 120  /* the longest range, in months */
#define STATS_FILTER_MAX 64   /* values in one filter */

static const codes_t *codes;
static sdc_rules_t rules;
static int refresh_ms;

/* The dimensions, in the order of the query's first eight columns. */
typedef enum {
    D_TIME,
    D_STRAND,
    D_INCIDENT,
    D_ETHNIC,
    D_AGE,
    D_AREA,
    D_KIND,
    D_CHANNEL,
    NDIMS
} dim_t;

static const struct {
    const char *name; /* in ?group= and as the member of a cell */
    dim_t dim;
    const char *list; /* its code list, or NULL (values seen in the data) */
} groupings[] = {
    {"month", D_TIME, NULL},
    {"quarter", D_TIME, NULL},
    {"year", D_TIME, NULL},
    {"strand", D_STRAND, "strand"},
    {"incident_type", D_INCIDENT, "incident_type"},
    {"ethnic_group", D_ETHNIC, "ethnic_group"},
    {"ethnic_group_high", D_ETHNIC, "ethnic_high_level_group"},
    {"age_band", D_AGE, "age_band"},
    {"area", D_AREA, NULL},
    {"partner_kind", D_KIND, NULL},
    {"channel", D_CHANNEL, "channel"},
};

/* The high-level group of an ethnic group with none (not_stated). */
#define NOT_STATED "not_stated"

void
stats_configure(const codes_t *c, const config_t *cfg)
{
    codes = c;
    rules.method = strcmp(cfg->sdc, "cellkey") == 0 ? SDC_CELLKEY : SDC_SUPPRESS;
    rules.min_cell = cfg->min_cell;
    rules.round_to = cfg->round_to;
    refresh_ms = cfg->stats_refresh;
}

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

/* Strings made for one request, freed with it. */
typedef struct {
    char **s;
    int n, cap;
} pool_t;

static const char *
pool_add(pool_t *p, const char *s, size_t len)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->s = xrealloc(p->s, (size_t)p->cap * sizeof(char *));
    }
    char *c = xmalloc(len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    return p->s[p->n++] = c;
}

static void
pool_free(pool_t *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->s[i]);
    free(p->s);
}

/* A dimension's categories: the values a grouped dimension takes in the
 * table (every code of its list, or the filter's values, or for areas and
 * partner kinds the values seen), sorted for lookup with their position. */
typedef struct {
    const char **values; /* in table order */
    int n;
    int *sorted; /* positions, by value */
} categories_t;

typedef struct {
    dim_t dims[STATS_GROUP_MAX]; /* grouped, in ?group= order */
    const char *names[STATS_GROUP_MAX];
    int ngroup;
    const char *time;   /* month, quarter, year or NULL */
    bool ethnic_high;   /* grouped by the high-level groups */
    int from_y, from_m; /* first month */
    int to_y, to_m;     /* last month */
    bool own;           /* ?scope=own */
    db_array_t filter[NDIMS];
    bool filtered[NDIMS];
    const char *fvals[NDIMS][STATS_FILTER_MAX]; /* each filter's values (ethnic: expanded) */
    int nfvals[NDIMS];
    const char *fhigh[STATS_FILTER_MAX]; /* ?ethnic_group_high= as given */
    int nfhigh;
    categories_t cats[STATS_GROUP_MAX];
} query_t;

static int
months_between(int y1, int m1, int y2, int m2)
{
    return (y2 - y1) * 12 + (m2 - m1);
}

/* A period (YYYY, YYYY-Qn, YYYY-MM) as its first or last month. */
static bool
period_month(const char *p, bool last, int *y, int *m)
{
    char start[11];
    if (!indicator_period_start(p, start))
        return false;
    *y = atoi(start);
    *m = atoi(start + 5);
    if (last)
        *m += strlen(p) == 4 ? 11 : p[5] == 'Q' ? 2 : 0;
    return true;
}

static bool
bad_query(request_t *r, const char *detail)
{
    http_respond_error(r, 400, "bad-query", detail);
    return false;
}

static int
grouping_of(const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_LEN(groupings); i++)
        if (strlen(groupings[i].name) == len && strncmp(groupings[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static bool
parse_group(request_t *r, const char *group, query_t *q)
{
    if (group == NULL || *group == '\0')
        return true;
    for (const char *p = group;;) {
        size_t len = strcspn(p, ",");
        int g = grouping_of(p, len);
        if (g < 0)
            return bad_query(r, "group is a comma-separated list of month, quarter, year, strand, "
                                "incident_type, ethnic_group, ethnic_group_high, age_band, area, "
                                "partner_kind, channel.");
        if (q->ngroup == STATS_GROUP_MAX)
            return bad_query(r, "group by at most three dimensions.");
        for (int i = 0; i < q->ngroup; i++)
            if (q->dims[i] == groupings[g].dim)
                return bad_query(r, "group names each dimension once (one of month, quarter and "
                                    "year; one of ethnic_group and ethnic_group_high).");
        q->dims[q->ngroup] = groupings[g].dim;
        q->names[q->ngroup++] = groupings[g].name;
        if (groupings[g].dim == D_TIME)
            q->time = groupings[g].name;
        if (strcmp(groupings[g].name, "ethnic_group_high") == 0)
            q->ethnic_high = true;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

static bool
value_shape_ok(const char *v, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) || v[i] == '_' ||
              v[i] == '-' || v[i] == '+' || isupper((unsigned char)v[i])))
            return false;
    return true;
}

static void
filter_add(query_t *q, dim_t dim, const char *value)
{
    if (q->nfvals[dim] < STATS_FILTER_MAX) {
        q->fvals[dim][q->nfvals[dim]++] = value;
        db_array_add(&q->filter[dim], value);
    }
}

/* A filter: a comma-separated list of codes of list (or of area codes, or
 * of well-formed partner kinds), into q->filter[dim] and q->fvals[dim]. A
 * filter of high-level ethnic groups is kept as the groups they hold. */
static bool
parse_filter(request_t *r, struct evkeyvalq *kv, const char *name, dim_t dim, const char *list,
             query_t *q, pool_t *pool)
{
    const char *v = evhttp_find_header(kv, name);
    if (v == NULL)
        return true;
    const code_list_t *cl = list ? codes_list(codes, list) : NULL;
    bool high = strcmp(name, "ethnic_group_high") == 0;
    char detail[160];
    int count = 0;
    for (const char *p = v;;) {
        size_t len = strcspn(p, ",");
        const char *value = NULL;
        if (value_shape_ok(p, len) && ++count <= STATS_FILTER_MAX) {
            char buf[65];
            memcpy(buf, p, len);
            buf[len] = '\0';
            int row = cl ? code_list_find(cl, buf) : -1;
            if (row >= 0)
                value = code_list_code(cl, (size_t)row);
            else if (high && strcmp(buf, NOT_STATED) == 0)
                value = NOT_STATED;
            else if (cl == NULL && (dim != D_AREA || indicator_area_valid(buf)))
                value = pool_add(pool, p, len);
        }
        if (value == NULL) {
            snprintf(detail, sizeof(detail), "%s is a comma-separated list of at most %d %s.", name,
                     STATS_FILTER_MAX,
                     cl              ? "codes of its list (GET /v1/codes)"
                     : dim == D_AREA ? "GSS area codes"
                                     : "partner kinds");
            return bad_query(r, detail);
        }
        if (high) {
            q->fhigh[q->nfhigh++] = value;
            const code_list_t *eg = codes_list(codes, "ethnic_group");
            for (size_t row = 0; row < code_list_rows(eg); row++) {
                const char *h = code_list_value(eg, row, "high_level_group");
                if (strcmp(h && *h ? h : NOT_STATED, value) == 0)
                    filter_add(q, dim, code_list_code(eg, row));
            }
        } else {
            filter_add(q, dim, value);
        }
        q->filtered[dim] = true;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

static bool
grouped(const query_t *q, dim_t d)
{
    for (int i = 0; i < q->ngroup; i++)
        if (q->dims[i] == d)
            return true;
    return false;
}

/* The cube (sql/009) that carries every dimension asked for, or 0. */
static int
cube_for(const query_t *q)
{
    bool age =
        grouped(q, D_AGE) || q->filtered[D_AGE] || grouped(q, D_CHANNEL) || q->filtered[D_CHANNEL];
    bool incident = grouped(q, D_INCIDENT) || q->filtered[D_INCIDENT];
    bool area = grouped(q, D_AREA) || q->filtered[D_AREA];
    if (age + incident + area > 1)
        return 0;
    return age ? 2 : incident ? 3 : area ? 4 : 1;
}

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

/* Sums the cube's cells: the first eight columns are the grouped
 * dimensions' values (NULL when not grouped), then the count and the sum of
 * the record keys. Strand and incident type always filter (their '*' row
 * when not grouped), the other filters only when given. */
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

static const char state_sql[] =
    "SELECT to_char(refreshed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM hub.stats_state";

/* ---- assembling a request ------------------------------------------------ */

static void
categories_add(categories_t *c, const char *v, int cap)
{
    hub_assert(c->n < cap);
    c->values[c->n++] = v;
}

/* The categories of a grouped dimension known before the query (time and
 * the coded ones); areas and partner kinds come from the rows unless
 * filtered. */
static void
categories_before(query_t *q, int i, pool_t *pool)
{
    categories_t *c = &q->cats[i];
    const char *name = q->names[i];
    dim_t d = q->dims[i];
    const code_list_t *list = NULL;
    for (size_t g = 0; g < ARRAY_LEN(groupings); g++)
        if (strcmp(groupings[g].name, name) == 0 && groupings[g].list != NULL)
            list = codes_list(codes, groupings[g].list);
    int cap = STATS_MONTHS_MAX + STATS_FILTER_MAX + (list ? (int)code_list_rows(list) : 0) + 1;
    c->values = xmalloc((size_t)cap * sizeof(char *));
    if (d == D_TIME) {
        int step = strcmp(name, "month") == 0 ? 1 : strcmp(name, "quarter") == 0 ? 3 : 12;
        int y = q->from_y, m = q->from_m - (q->from_m - 1) % step;
        while (months_between(y, m, q->to_y, q->to_m) >= 0) {
            char label[32];
            if (step == 1)
                snprintf(label, sizeof(label), "%04d-%02d", y, m);
            else if (step == 3)
                snprintf(label, sizeof(label), "%04d-Q%d", y, (m + 2) / 3);
            else
                snprintf(label, sizeof(label), "%04d", y);
            categories_add(c, pool_add(pool, label, strlen(label)), cap);
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
            categories_add(c, NOT_STATED, cap);
    }
}

/* Areas and partner kinds grouped without a filter: the values the rows
 * hold, sorted. */
static void
categories_from_rows(query_t *q, int i, PGresult *res)
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

static bool
parse_request(request_t *r, struct evkeyvalq *kv, query_t *q, pool_t *pool)
{
    const char *scope = evhttp_find_header(kv, "scope");
    if (scope != NULL && strcmp(scope, "own") != 0 && strcmp(scope, "joint") != 0)
        return bad_query(r, "scope is joint (the default) or own.");
    q->own = scope != NULL && strcmp(scope, "own") == 0;
    if (q->own && r->who->partner_id == 0) {
        http_respond_error(r, 403, "forbidden",
                           "A public credential gets the partnership's joint figures only.");
        return false;
    }
    if (!parse_group(r, evhttp_find_header(kv, "group"), q))
        return false;
    for (size_t g = 0; g < ARRAY_LEN(groupings); g++)
        if (groupings[g].dim != D_TIME &&
            !parse_filter(r, kv, groupings[g].name, groupings[g].dim, groupings[g].list, q, pool))
            return false;
    if (evhttp_find_header(kv, "ethnic_group") && evhttp_find_header(kv, "ethnic_group_high"))
        return bad_query(r, "Filter by ethnic_group or ethnic_group_high, not both.");
    if ((!grouped(q, D_STRAND) && q->nfvals[D_STRAND] > 1) ||
        (!grouped(q, D_INCIDENT) && q->nfvals[D_INCIDENT] > 1))
        return bad_query(r, "A report may have several strands and incident types: filter one "
                            "of each, or group by it to see several.");

    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    q->to_y = tm.tm_year + 1900;
    q->to_m = tm.tm_mon + 1;
    const char *from = evhttp_find_header(kv, "from"), *to = evhttp_find_header(kv, "to");
    if (to != NULL && !period_month(to, true, &q->to_y, &q->to_m))
        return bad_query(r, "to is a period written YYYY, YYYY-Qn or YYYY-MM.");
    q->from_y = q->to_y - (q->to_m < 12);
    q->from_m = q->to_m % 12 + 1; /* twelve months ending with to */
    if (from != NULL && !period_month(from, false, &q->from_y, &q->from_m))
        return bad_query(r, "from is a period written YYYY, YYYY-Qn or YYYY-MM.");
    int span = months_between(q->from_y, q->from_m, q->to_y, q->to_m);
    if (span < 0 || span >= STATS_MONTHS_MAX)
        return bad_query(r, "from must not be after to, and the range at most ten years.");
    if (cube_for(q) == 0)
        return bad_query(r, "Age band or channel, incident type, and area cannot be combined in "
                            "one query (the rollups keep them apart); use one of them.");
    return true;
}

/* The array literal of a filter, or NULL when there is none. */
static const char *
filter_param(query_t *q, dim_t d)
{
    return q->filtered[d] ? db_array_text(&q->filter[d]) : NULL;
}

/* Strand or incident type: the grouped categories, the one filtered, or
 * '*' (every report once). */
static const char *
multi_param(query_t *q, dim_t d, db_array_t *a)
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
    const code_list_t *eg = codes_list(codes, "ethnic_group");
    for (size_t row = 0; row < code_list_rows(eg); row++) {
        const char *h = code_list_value(eg, row, "high_level_group");
        db_array_add(codes_a, code_list_code(eg, row));
        db_array_add(highs, h && *h ? h : NOT_STATED);
    }
}

/* The published form of one cell or margin into o. */
static void
put_count(json_t *o, const sdc_cell_t *c)
{
    if (c->state == SDC_PUBLISHED) {
        json_object_set_new(o, "count", json_integer(c->published));
    } else {
        json_object_set_new(o, "suppressed", json_true());
        json_object_set_new(o, "reason",
                            json_string(c->state == SDC_PRIMARY ? "small" : "secondary"));
    }
}

/* The dimension values of cell index idx (0..cells-1) for dims [lo, hi). */
static void
put_dims(json_t *o, const query_t *q, int lo, int hi, long idx)
{
    int pos[STATS_GROUP_MAX];
    for (int i = hi - 1; i >= lo; i--) {
        pos[i] = (int)(idx % q->cats[i].n);
        idx /= q->cats[i].n;
    }
    for (int i = lo; i < hi; i++)
        json_object_set_new(o, q->names[i], json_string(q->cats[i].values[pos[i]]));
}

static json_t *
disclosure_json(const query_t *q)
{
    if (q->own)
        return json_pack("{s:s, s:s}", "method", "none", "rule",
                         "Your own reports only: exact counts for your own use, not for "
                         "publication.");
    json_t *d = json_pack("{s:s, s:I, s:I, s:s}", "method",
                          rules.method == SDC_CELLKEY ? "cellkey" : "suppress", "min_cell",
                          (json_int_t)rules.min_cell, "round_to", (json_int_t)rules.round_to,
                          "rule", sdc_describe(&rules));
    if (rules.method == SDC_CELLKEY)
        json_object_set_new(d, "mean_absolute_error",
                            json_real(sdc_perturb_mean_error(rules.min_cell)));
    return d;
}

/* Fills t from the rows, protects it, and answers. */
static void
answer(request_t *r, query_t *q, PGresult *res, const char *refreshed_at)
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
    if (q->own) {
        for (long idx = 0; idx < cells; idx++)
            cell[idx].published = cell[idx].count;
        for (int i = 0; i < rows; i++)
            rowt[i].published = rowt[i].count;
        for (int i = 0; i < cols; i++)
            colt[i].published = colt[i].count;
        total.published = total.count;
    } else {
        sdc_protect(&t, &rules);
    }

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
    json_object_set_new(out, "disclosure", disclosure_json(q));
    json_object_set_new(out, "freshness",
                        json_pack("{s:s, s:f}", "refreshed_at", refreshed_at,
                                  "refresh_interval_seconds", refresh_ms / 1000.0));
    json_t *list = json_array();
    for (long idx = 0; idx < cells && !empty_dim && k > 0; idx++) {
        json_t *o = json_object();
        put_dims(o, q, 0, k, idx);
        put_count(o, &cell[idx]);
        json_array_append_new(list, o);
    }
    json_object_set_new(out, "cells", list);
    if (k >= 2) {
        json_t *rl = json_array(), *cl = json_array();
        for (int i = 0; i < rows; i++) {
            json_t *o = json_object();
            put_dims(o, q, 0, k - 1, i);
            put_count(o, &rowt[i]);
            json_array_append_new(rl, o);
        }
        for (int i = 0; i < cols; i++) {
            json_t *o = json_object();
            put_dims(o, q, k - 1, k, i);
            put_count(o, &colt[i]);
            json_array_append_new(cl, o);
        }
        json_object_set_new(out, "row_totals", rl);
        json_object_set_new(out, "column_totals", cl);
    }
    json_t *tot = json_object();
    put_count(tot, &total);
    json_object_set_new(out, "total", tot);
    if (grouped(q, D_STRAND) || grouped(q, D_INCIDENT))
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
    query_t q;
    memset(&q, 0, sizeof(q));
    pool_t pool = {0};
    db_array_t strand_a, incident_a, map_codes, map_highs;
    db_array_init(&strand_a);
    db_array_init(&incident_a);
    db_array_init(&map_codes);
    db_array_init(&map_highs);
    for (int d = 0; d < NDIMS; d++)
        db_array_init(&q.filter[d]);
    if (parse_request(r, &kv, &q, &pool)) {
        for (int i = 0; i < q.ngroup; i++)
            if (!((q.dims[i] == D_AREA || q.dims[i] == D_KIND) && !q.filtered[q.dims[i]]))
                categories_before(&q, i, &pool);
        ethnic_map(&map_codes, &map_highs);
        char cube[4], from[32], to[32], partner[24];
        snprintf(cube, sizeof(cube), "%d", cube_for(&q));
        snprintf(from, sizeof(from), "%04d-%02d-01", q.from_y, q.from_m);
        snprintf(to, sizeof(to), "%04d-%02d-01", q.to_y, q.to_m);
        snprintf(partner, sizeof(partner), "%lld", r->who->partner_id);
        const char *ethnic =
            grouped(&q, D_ETHNIC) ? (q.ethnic_high ? "ethnic_group_high" : "ethnic_group") : NULL;
        const char *params[] = {q.time,
                                grouped(&q, D_STRAND) ? "true" : "false",
                                grouped(&q, D_INCIDENT) ? "true" : "false",
                                ethnic,
                                grouped(&q, D_AGE) ? "true" : "false",
                                grouped(&q, D_AREA) ? "true" : "false",
                                grouped(&q, D_KIND) ? "true" : "false",
                                grouped(&q, D_CHANNEL) ? "true" : "false",
                                db_array_text(&map_codes),
                                db_array_text(&map_highs),
                                cube,
                                from,
                                to,
                                multi_param(&q, D_STRAND, &strand_a),
                                multi_param(&q, D_INCIDENT, &incident_a),
                                filter_param(&q, D_ETHNIC),
                                filter_param(&q, D_AGE),
                                filter_param(&q, D_AREA),
                                filter_param(&q, D_KIND),
                                filter_param(&q, D_CHANNEL),
                                q.own ? partner : NULL};
        const db_stmt_t stmts[] = {{cells_sql, 21, params}, {state_sql, 0, NULL}};
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
    for (int d = 0; d < NDIMS; d++)
        db_array_free(&q.filter[d]);
    db_array_free(&strand_a);
    db_array_free(&incident_a);
    db_array_free(&map_codes);
    db_array_free(&map_highs);
    pool_free(&pool);
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

static const char *
ethnic_high_of(const code_list_t *eg, size_t row)
{
    const char *h = code_list_value(eg, row, "high_level_group");
    return h && *h ? h : NOT_STATED;
}

void
stats_rates(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "stats");
    snprintf(r->audit_id, sizeof(r->audit_id), "rates");
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    query_t q;
    memset(&q, 0, sizeof(q));
    pool_t pool = {0};
    for (int d = 0; d < NDIMS; d++)
        db_array_init(&q.filter[d]);
    long long min_population;
    const char *group = evhttp_find_header(&kv, "group");
    const char *reference = evhttp_find_header(&kv, "reference");
    bool high = group != NULL && strcmp(group, "ethnic_group_high") == 0;
    const code_list_t *eg = codes_list(codes, "ethnic_group");
    const code_list_t *groups =
        codes_list(codes, high ? "ethnic_high_level_group" : "ethnic_group");
    if (reference == NULL)
        reference = high ? "white" : "white_british";
    bool ok = http_query_int(r, "min_population", 1, 1000000000, 100, &min_population);
    if (ok && group != NULL && !high && strcmp(group, "ethnic_group") != 0)
        ok = bad_query(r, "group is ethnic_group (the default) or ethnic_group_high.");
    else if (ok && (code_list_find(groups, reference) < 0 || strcmp(reference, NOT_STATED) == 0))
        ok = bad_query(r, "reference is a group of the grouping (default white_british, or white "
                          "for the high-level groups).");
    struct evkeyvalq only;
    TAILQ_INIT(&only); /* parse_request reads the common parameters from a copy without group */
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
            ok = bad_query(r, "rates take the filters strand and area (and from, to, scope).");
    ok = ok && parse_request(r, &only, &q, &pool);
    if (ok && q.nfvals[D_STRAND] > 1)
        ok = bad_query(r, "rates take one strand.");
    if (ok) {
        char from[32], to[32], partner[24];
        snprintf(from, sizeof(from), "%04d-%02d-01", q.from_y, q.from_m);
        snprintf(to, sizeof(to), "%04d-%02d-01", q.to_y, q.to_m);
        snprintf(partner, sizeof(partner), "%lld", r->who->partner_id);
        const char *areas = filter_param(&q, D_AREA);
        const char *cparams[] = {areas, from, to, q.nfvals[D_STRAND] ? q.fvals[D_STRAND][0] : "*",
                                 q.own ? partner : NULL};
        const char *pparams[] = {areas};
        const db_stmt_t stmts[] = {
            {rate_counts_sql, 5, cparams}, {rate_population_sql, 1, pparams}, {state_sql, 0, NULL}};
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
                g[n++].code = NOT_STATED;
            for (int i = 0; i < ng; i++)
                g[i].reference = strcmp(g[i].code, reference) == 0;
            for (int row = 0; row < PQntuples(res[0]); row++) {
                int er = code_list_find(eg, PQgetvalue(res[0], row, 0));
                if (er < 0)
                    continue;
                const char *code =
                    high ? ethnic_high_of(eg, (size_t)er) : code_list_code(eg, (size_t)er);
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
                    const char *code = high ? ethnic_high_of(eg, er) : code_list_code(eg, er);
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
            if (q.own) {
                for (int i = 0; i < ng; i++)
                    cell[i].published = cell[i].count;
                total.published = total.count;
            } else {
                sdc_protect(&t, &rules);
            }
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
                put_count(o, &cell[i]);
                json_object_set_new(o, "population", json_integer(g[i].population));
                ci_t rate, ratio;
                if (strcmp(g[i].code, NOT_STATED) == 0) {
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
            put_count(tot, &total);
            char f[32], tt[32];
            snprintf(f, sizeof(f), "%04d-%02d", q.from_y, q.from_m);
            snprintf(tt, sizeof(tt), "%04d-%02d", q.to_y, q.to_m);
            json_t *out = json_pack(
                "{s:s, s:s, s:s, s:f, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:s}", "scope",
                q.own ? "own" : "joint", "from", f, "to", tt, "per", RATE_PER, "reference",
                reference, "min_population", (json_int_t)min_population, "areas",
                (json_int_t)areas_n, "groups", list, "total", tot, "disclosure",
                disclosure_json(&q), "freshness",
                json_pack("{s:s, s:f}", "refreshed_at", PQgetvalue(res[2], 0, 0),
                          "refresh_interval_seconds", refresh_ms / 1000.0),
                "method",
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
    for (int d = 0; d < NDIMS; d++)
        db_array_free(&q.filter[d]);
    pool_free(&pool);
    evhttp_clear_headers(&kv);
}
