#include "stats_query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicator.h"
#include "util.h"

static const codes_t *codes;
static sdc_rules_t rules;
static int refresh_ms;

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

void
stats_query_configure(const codes_t *c, const config_t *cfg)
{
    codes = c;
    rules.method = strcmp(cfg->sdc, "cellkey") == 0 ? SDC_CELLKEY : SDC_SUPPRESS;
    rules.min_cell = cfg->min_cell;
    rules.round_to = cfg->round_to;
    refresh_ms = cfg->stats_refresh;
}

const codes_t *
stats_codes(void)
{
    return codes;
}

const sdc_rules_t *
stats_rules(void)
{
    return &rules;
}

const char *
stats_pool_add(stats_pool_t *p, const char *s, size_t len)
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

void
stats_pool_free(stats_pool_t *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->s[i]);
    free(p->s);
}

int
stats_months_between(int y1, int m1, int y2, int m2)
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

bool
stats_bad_query(request_t *r, const char *detail)
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
parse_group(request_t *r, const char *group, stats_query_t *q)
{
    if (group == NULL || *group == '\0')
        return true;
    for (const char *p = group;;) {
        size_t len = strcspn(p, ",");
        int g = grouping_of(p, len);
        if (g < 0)
            return stats_bad_query(
                r, "group is a comma-separated list of month, quarter, year, strand, "
                   "incident_type, ethnic_group, ethnic_group_high, age_band, area, "
                   "partner_kind, channel.");
        if (q->ngroup == STATS_GROUP_MAX)
            return stats_bad_query(r, "group by at most three dimensions.");
        for (int i = 0; i < q->ngroup; i++)
            if (q->dims[i] == groupings[g].dim)
                return stats_bad_query(r,
                                       "group names each dimension once (one of month, quarter and "
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
filter_add(stats_query_t *q, dim_t dim, const char *value)
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
             stats_query_t *q, stats_pool_t *pool)
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
            else if (high && strcmp(buf, STATS_NOT_STATED) == 0)
                value = STATS_NOT_STATED;
            else if (cl == NULL && (dim != D_AREA || indicator_area_valid(buf)))
                value = stats_pool_add(pool, p, len);
        }
        if (value == NULL) {
            snprintf(detail, sizeof(detail), "%s is a comma-separated list of at most %d %s.", name,
                     STATS_FILTER_MAX,
                     cl              ? "codes of its list (GET /v1/codes)"
                     : dim == D_AREA ? "GSS area codes"
                                     : "partner kinds");
            return stats_bad_query(r, detail);
        }
        if (high) {
            q->fhigh[q->nfhigh++] = value;
            const code_list_t *eg = codes_list(codes, "ethnic_group");
            for (size_t row = 0; row < code_list_rows(eg); row++) {
                const char *h = code_list_value(eg, row, "high_level_group");
                if (strcmp(h && *h ? h : STATS_NOT_STATED, value) == 0)
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

bool
stats_grouped(const stats_query_t *q, dim_t d)
{
    for (int i = 0; i < q->ngroup; i++)
        if (q->dims[i] == d)
            return true;
    return false;
}

int
stats_cube_for(const stats_query_t *q)
{
    bool age = stats_grouped(q, D_AGE) || q->filtered[D_AGE] || stats_grouped(q, D_CHANNEL) ||
               q->filtered[D_CHANNEL];
    bool incident = stats_grouped(q, D_INCIDENT) || q->filtered[D_INCIDENT];
    bool area = stats_grouped(q, D_AREA) || q->filtered[D_AREA];
    if (age + incident + area > 1)
        return 0;
    return age ? 2 : incident ? 3 : area ? 4 : 1;
}

const char stats_state_sql[] =
    "SELECT to_char(refreshed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM hub.stats_state";

bool
stats_query_parse(request_t *r, struct evkeyvalq *kv, stats_query_t *q, stats_pool_t *pool)
{
    const char *scope = evhttp_find_header(kv, "scope");
    if (scope != NULL && strcmp(scope, "own") != 0 && strcmp(scope, "joint") != 0)
        return stats_bad_query(r, "scope is joint (the default) or own.");
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
        return stats_bad_query(r, "Filter by ethnic_group or ethnic_group_high, not both.");
    if ((!stats_grouped(q, D_STRAND) && q->nfvals[D_STRAND] > 1) ||
        (!stats_grouped(q, D_INCIDENT) && q->nfvals[D_INCIDENT] > 1))
        return stats_bad_query(r,
                               "A report may have several strands and incident types: filter one "
                               "of each, or group by it to see several.");

    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    q->to_y = tm.tm_year + 1900;
    q->to_m = tm.tm_mon + 1;
    const char *from = evhttp_find_header(kv, "from"), *to = evhttp_find_header(kv, "to");
    if (to != NULL && !period_month(to, true, &q->to_y, &q->to_m))
        return stats_bad_query(r, "to is a period written YYYY, YYYY-Qn or YYYY-MM.");
    q->from_y = q->to_y - (q->to_m < 12);
    q->from_m = q->to_m % 12 + 1; /* twelve months ending with to */
    if (from != NULL && !period_month(from, false, &q->from_y, &q->from_m))
        return stats_bad_query(r, "from is a period written YYYY, YYYY-Qn or YYYY-MM.");
    int span = stats_months_between(q->from_y, q->from_m, q->to_y, q->to_m);
    if (span < 0 || span >= STATS_MONTHS_MAX)
        return stats_bad_query(r, "from must not be after to, and the range at most ten years.");
    if (stats_cube_for(q) == 0)
        return stats_bad_query(r,
                               "Age band or channel, incident type, and area cannot be combined in "
                               "one query (the rollups keep them apart); use one of them.");
    return true;
}

const char *
stats_filter_param(stats_query_t *q, dim_t d)
{
    return q->filtered[d] ? db_array_text(&q->filter[d]) : NULL;
}

void
stats_put_count(json_t *o, const sdc_cell_t *c)
{
    if (c->state == SDC_PUBLISHED) {
        json_object_set_new(o, "count", json_integer(c->published));
    } else {
        json_object_set_new(o, "suppressed", json_true());
        json_object_set_new(o, "reason",
                            json_string(c->state == SDC_PRIMARY ? "small" : "secondary"));
    }
}

json_t *
stats_disclosure_json(const char *own)
{
    if (own != NULL)
        return json_pack("{s:s, s:s}", "method", "none", "rule", own);
    json_t *d = json_pack("{s:s, s:I, s:I, s:s}", "method",
                          rules.method == SDC_CELLKEY ? "cellkey" : "suppress", "min_cell",
                          (json_int_t)rules.min_cell, "round_to", (json_int_t)rules.round_to,
                          "rule", sdc_describe(&rules));
    if (rules.method == SDC_CELLKEY)
        json_object_set_new(d, "mean_absolute_error",
                            json_real(sdc_perturb_mean_error(rules.min_cell)));
    return d;
}

json_t *
stats_freshness_json(const char *refreshed_at)
{
    return json_pack("{s:s, s:f}", "refreshed_at", refreshed_at, "refresh_interval_seconds",
                     refresh_ms / 1000.0);
}

void
stats_query_init(stats_query_t *q)
{
    memset(q, 0, sizeof(*q));
    for (int d = 0; d < NDIMS; d++)
        db_array_init(&q->filter[d]);
}

void
stats_query_free(stats_query_t *q)
{
    for (int d = 0; d < NDIMS; d++)
        db_array_free(&q->filter[d]);
}

void
stats_query_months(const stats_query_t *q, char *from, char *to)
{
    snprintf(from, 8, "%04u-%02u", (unsigned)q->from_y % 10000u, (unsigned)q->from_m % 100u);
    snprintf(to, 8, "%04u-%02u", (unsigned)q->to_y % 10000u, (unsigned)q->to_m % 100u);
}

void
stats_query_days(const stats_query_t *q, char *first, char *last)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = q->to_y, m = q->to_m;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    snprintf(first, 11, "%04u-%02u-01", (unsigned)q->from_y % 10000u, (unsigned)q->from_m % 100u);
    snprintf(last, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)(days[(m - 1) % 12] + (m == 2 && leap)) % 100u);
}

const code_list_t *
stats_grouping_list(const char *name)
{
    for (size_t g = 0; g < ARRAY_LEN(groupings); g++)
        if (strcmp(groupings[g].name, name) == 0 && groupings[g].list != NULL)
            return codes_list(codes, groupings[g].list);
    return NULL;
}

const char *
stats_ethnic_high_of(const code_list_t *eg, size_t row)
{
    const char *h = code_list_value(eg, row, "high_level_group");
    return h && *h ? h : STATS_NOT_STATED;
}
