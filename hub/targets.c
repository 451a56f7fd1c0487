#include "targets.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "input.h"
#include "sdc.h"
#include "stats_query.h"
#include "target.h"
#include "util.h"

#define TARGETS_LIST_MAX 200 /* current targets one list answers with */
#define RATE_PER 1000.0
#define MIN_POPULATION 100 /* as /v1/stats/rates' default */

/* Fifteen significant digits: a value rounded to 0.001 or a tolerance of
 * 0.1 is written as such, not as its nearest double's 17 digits. */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static const codes_t *codes;

/* Answers with body (consumed), written with JSON_FLAGS. The text, like
 * every json_dumps here, is the request's arena memory (arena.h): it goes
 * with the request, never to free(). */
static void
respond(request_t *r, int status, json_t *body)
{
    http_respond_json_text(r, status, json_dumps(body, JSON_FLAGS));
    json_decref(body);
}

void
targets_configure(const codes_t *c)
{
    codes = c;
}

/* ---- one figure ---------------------------------------------------------- */

/* A value of the series, or why there is none. */
typedef struct {
    bool have;
    double value;
    const char *why; /* when !have */
} figure_t;

static const char WHY_SUPPRESSED[] = "suppressed";
static const char WHY_NO_DATA[] = "no_data";
static const char WHY_SMALL_POPULATION[] = "population_below_minimum";

static figure_t
value_of(double v)
{
    return (figure_t){true, v, NULL};
}

static figure_t
none(const char *why)
{
    return (figure_t){false, 0, why};
}

/* Protects a one-row table of n cells and its total, as the statistics
 * endpoints do: its column totals are its cells. */
static void
protect_row(sdc_cell_t *cell, int n, sdc_cell_t *total)
{
    sdc_cell_t *cols = xcalloc((size_t)n, sizeof(*cols));
    *total = (sdc_cell_t){0};
    for (int i = 0; i < n; i++) {
        total->count += cell[i].count;
        total->key += cell[i].key;
    }
    memcpy(cols, cell, (size_t)n * sizeof(*cols));
    sdc_cell_t row = *total;
    sdc_table_t t = {1, n, cell, &row, cols, total};
    sdc_protect(&t, stats_rules());
    free(cols);
}

/* A percentage num/den, published as the table (num, den - num; den). */
static figure_t
share(long long num, long long den, uint64_t knum, uint64_t kden)
{
    if (den == 0)
        return none(WHY_NO_DATA);
    sdc_cell_t cell[2] = {{.count = num, .key = knum}, {.count = den - num, .key = kden - knum}};
    sdc_cell_t total;
    protect_row(cell, 2, &total);
    if (cell[0].state != SDC_PUBLISHED || total.state != SDC_PUBLISHED)
        return none(WHY_SUPPRESSED);
    if (total.published == 0)
        return none(WHY_NO_DATA);
    double v = 100.0 * (double)cell[0].published / (double)total.published;
    return value_of(v > 100 ? 100 : v);
}

/* A single count, published as a one-cell table. */
static figure_t
count_figure(long long n, uint64_t key)
{
    sdc_cell_t cell = {.count = n, .key = key}, total;
    protect_row(&cell, 1, &total);
    return cell.state == SDC_PUBLISHED ? value_of((double)cell.published) : none(WHY_SUPPRESSED);
}

/* ---- evaluating a target --------------------------------------------------- */

#define OWNERS_MAX (1 + TARGET_CONTRIBUTORS_MAX)

typedef struct {
    const target_def_t *t;
    int np;
    target_period_t period[TARGET_PERIODS_MAX];
    figure_t fig[TARGET_PERIODS_MAX];
    int nowners;
    long long owner[OWNERS_MAX];
    figure_t contribution[OWNERS_MAX]; /* in the latest period */
    const char *no_contributions;      /* why there are none, or NULL */
    db_array_t starts, ends, areas;
} eval_t;

static int
owner_index(const eval_t *e, long long partner)
{
    for (int i = 0; i < e->nowners; i++)
        if (e->owner[i] == partner)
            return i;
    return -1;
}

static const char *
areas_param(eval_t *e)
{
    return e->t->nareas ? db_array_text(&e->areas) : NULL;
}

/* Report counts by period, ethnic group and partner, from the rollups
 * (cube 4 carries areas, cube 1 does not). */
static const char counts_sql[] =
    "SELECT p.i, c.ethnic_group, c.partner_id, sum(c.n), sum(c.keysum)"
    " FROM unnest($1::date[], $2::date[]) WITH ORDINALITY AS p(s, e, i)"
    " JOIN hub.stats_cell c ON c.month >= p.s AND c.month <= p.e"
    " WHERE c.partnership_id = hub.current_partnership() AND c.cube = $3::smallint"
    " AND c.strand = $4 AND ($5::text[] IS NULL OR c.area = ANY ($5::text[]))"
    " GROUP BY 1, 2, 3";

/* Residents by ONS ethnic group number in the area set: the areas asked
 * for, or every area the partnership's reports name (as /v1/stats/rates). */
static const char population_sql[] =
    "SELECT p.ons_number, sum(p.count) FROM hub.population p"
    " WHERE p.area = ANY (coalesce($1::text[], (SELECT array_agg(DISTINCT area)"
    " FROM hub.stats_cell WHERE partnership_id = hub.current_partnership() AND cube = 4)))"
    " GROUP BY 1";

/* The residents of ethnic group code (NULL: everyone) in the result. */
static long long
population_of(PGresult *pop, const char *code)
{
    const code_list_t *eg = codes_list(codes, "ethnic_group");
    long long n = 0;
    for (int row = 0; row < PQntuples(pop); row++) {
        int ons = atoi(PQgetvalue(pop, row, 0));
        for (size_t er = 0; er < code_list_rows(eg); er++) {
            const char *num = code_list_value(eg, er, "ons_number");
            if (num != NULL && atoi(num) == ons &&
                (code == NULL || strcmp(code, code_list_code(eg, er)) == 0))
                n += atoll(PQgetvalue(pop, row, 1));
        }
    }
    return n;
}

static figure_t
rate_figure(const sdc_cell_t *c, long long population)
{
    if (c->state != SDC_PUBLISHED)
        return none(WHY_SUPPRESSED);
    if (population < MIN_POPULATION)
        return none(WHY_SMALL_POPULATION);
    return value_of(RATE_PER * (double)c->published / (double)population);
}

/* reports_count, reporting_rate_per_1000, disproportionality_ratio. */
static bool
eval_counts(request_t *r, eval_t *e)
{
    const target_def_t *t = e->t;
    const char *params[] = {db_array_text(&e->starts), db_array_text(&e->ends),
                            t->nareas ? "4" : "1", t->strand ? t->strand : "*", areas_param(e)};
    const char *pparams[] = {areas_param(e)};
    const db_stmt_t q[] = {{counts_sql, 5, params}, {population_sql, 1, pparams}};
    PGresult *res[2];
    char state[6];
    if (!access_run(r, q, 2, res, state)) {
        access_fail(r, state);
        return false;
    }
    const code_list_t *eg = codes_list(codes, "ethnic_group");
    int ng = (int)code_list_rows(eg), np = e->np;
    /* By period: every ethnic group (the ratio's table), the filtered
     * count, and the owners' and the others' share of it (last period). */
    sdc_cell_t *groups = xcalloc((size_t)(np * ng), sizeof(*groups));
    sdc_cell_t *count = xcalloc((size_t)np, sizeof(*count));
    sdc_cell_t owners[OWNERS_MAX + 1] = {0};
    for (int row = 0; row < PQntuples(res[0]); row++) {
        int i = atoi(PQgetvalue(res[0], row, 0)) - 1;
        const char *group = PQgetvalue(res[0], row, 1);
        int g = code_list_find(eg, group);
        long long partner = atoll(PQgetvalue(res[0], row, 2));
        long long n = atoll(PQgetvalue(res[0], row, 3));
        uint64_t key = (uint64_t)atoll(PQgetvalue(res[0], row, 4));
        if (i < 0 || i >= np || g < 0)
            continue; /* a stored code no longer in its list */
        groups[i * ng + g].count += n;
        groups[i * ng + g].key += key;
        if (t->ethnic_group != NULL && strcmp(t->ethnic_group, group) != 0)
            continue;
        count[i].count += n;
        count[i].key += key;
        if (i == np - 1) {
            int o = owner_index(e, partner);
            sdc_cell_t *c = &owners[o < 0 ? e->nowners : o];
            c->count += n;
            c->key += key;
        }
    }
    sdc_cell_t total;
    protect_row(count, np, &total);
    if (t->kind == METRIC_REPORTS_COUNT) {
        for (int i = 0; i < np; i++)
            e->fig[i] = count[i].state == SDC_PUBLISHED ? value_of((double)count[i].published)
                                                        : none(WHY_SUPPRESSED);
        protect_row(owners, e->nowners + 1, &total);
        for (int o = 0; o < e->nowners; o++)
            e->contribution[o] = owners[o].state == SDC_PUBLISHED
                                     ? value_of((double)owners[o].published)
                                     : none(WHY_SUPPRESSED);
    } else if (t->kind == METRIC_REPORTING_RATE) {
        long long population = population_of(res[1], t->ethnic_group);
        for (int i = 0; i < np; i++)
            e->fig[i] = rate_figure(&count[i], population);
        e->no_contributions = "A rate per resident is the partnership's as a whole.";
    } else {
        int g = code_list_find(eg, t->ethnic_group), ref = code_list_find(eg, t->reference_group);
        long long pg = population_of(res[1], t->ethnic_group);
        long long pr = population_of(res[1], t->reference_group);
        for (int i = 0; i < np; i++) {
            sdc_cell_t *row = &groups[i * ng];
            protect_row(row, ng, &total);
            figure_t a = rate_figure(&row[g], pg), b = rate_figure(&row[ref], pr);
            if (!a.have)
                e->fig[i] = a;
            else if (!b.have)
                e->fig[i] = b;
            else if (b.value == 0)
                e->fig[i] = none(WHY_NO_DATA);
            else
                e->fig[i] = value_of(a.value / b.value);
        }
        e->no_contributions = "A ratio of rates is the partnership's as a whole.";
    }
    free(groups);
    free(count);
    PQclear(res[0]);
    PQclear(res[1]);
    return true;
}

/* The flow figures of one period's cohort (sql/010): counts by the
 * partner each is attributed to; the days to outcome; repeat subjects. */
static const char flow_sql[] =
    "SELECT partner_id, measure, n, keysum FROM hub.stats_flow($1::date, $2::date, $3::text[],"
    " $4::text[], $5::text[])";
static const char days_sql[] =
    "SELECT partner_id, n, median_days FROM hub.stats_days_to_outcome($1::date, $2::date,"
    " $3::text[], $4::text[], $5::text[])";
static const char subjects_sql[] =
    "SELECT multi_partner FROM hub.stats_repeat_subjects($1::date, $2::date, $3::text[],"
    " $4::text[], $5::text[])";

/* The numerator and denominator measures of the percentage metrics. */
static void
share_measures(metric_kind_t kind, const char **num, const char **den)
{
    switch (kind) {
    case METRIC_REPEAT_RATE:
        *num = "repeat_yes", *den = "reports";
        break;
    case METRIC_ANSWERED_IN_TIME:
        *num = "answered_in_time", *den = "due";
        break;
    case METRIC_OUTCOME_RECORDED:
        *num = "accepted_with_outcome", *den = "accepted";
        break;
    default:
        *num = "satisfied", *den = "satisfaction_answered";
        break;
    }
}

/* Percentage metrics, cross-agency repeat subjects, median days. */
static bool
eval_flow(request_t *r, eval_t *e)
{
    const target_def_t *t = e->t;
    int np = e->np;
    db_array_t strand, ethnic;
    db_array_init(&strand);
    db_array_init(&ethnic);
    if (t->strand)
        db_array_add(&strand, t->strand);
    if (t->ethnic_group)
        db_array_add(&ethnic, t->ethnic_group);
    const char *sql = t->kind == METRIC_MEDIAN_DAYS           ? days_sql
                      : t->kind == METRIC_CROSS_AGENCY_REPEAT ? subjects_sql
                                                              : flow_sql;
    const char *(*params)[5] = xcalloc((size_t)np, sizeof(*params));
    db_stmt_t *q = xcalloc((size_t)np, sizeof(*q));
    const char *areas = areas_param(e);
    const char *strands = t->strand ? db_array_text(&strand) : NULL;
    const char *groups = t->ethnic_group ? db_array_text(&ethnic) : NULL;
    for (int i = 0; i < np; i++) {
        params[i][0] = e->period[i].start;
        params[i][1] = e->period[i].end;
        params[i][2] = areas;
        params[i][3] = strands;
        params[i][4] = groups;
        q[i] = (db_stmt_t){sql, 5, params[i]};
    }
    PGresult **res = xcalloc((size_t)np, sizeof(*res));
    char state[6];
    bool ok = access_run(r, q, np, res, state);
    if (!ok)
        access_fail(r, state);
    const char *num = NULL, *den = NULL;
    share_measures(t->kind, &num, &den);
    for (int i = 0; ok && i < np; i++) {
        PGresult *p = res[i];
        bool last = i == np - 1;
        if (t->kind == METRIC_CROSS_AGENCY_REPEAT) {
            long long n = PQntuples(p) ? atoll(PQgetvalue(p, 0, 0)) : 0;
            e->fig[i] = count_figure(n, (uint64_t)n);
            continue;
        }
        if (t->kind == METRIC_MEDIAN_DAYS) {
            e->fig[i] = none(WHY_NO_DATA);
            for (int row = 0; row < PQntuples(p); row++) {
                long long n = atoll(PQgetvalue(p, row, 1));
                figure_t f = n == 0                        ? none(WHY_NO_DATA)
                             : n < stats_rules()->min_cell ? none(WHY_SUPPRESSED)
                                                           : value_of(atof(PQgetvalue(p, row, 2)));
                if (PQgetisnull(p, row, 0))
                    e->fig[i] = f;
                else if (last && owner_index(e, atoll(PQgetvalue(p, row, 0))) >= 0)
                    e->contribution[owner_index(e, atoll(PQgetvalue(p, row, 0)))] = f;
            }
            continue;
        }
        long long n[2] = {0}, own[OWNERS_MAX][2] = {{0}};
        uint64_t k[2] = {0}, ownk[OWNERS_MAX][2] = {{0}};
        for (int row = 0; row < PQntuples(p); row++) {
            const char *measure = PQgetvalue(p, row, 1);
            int m = strcmp(measure, num) == 0 ? 0 : strcmp(measure, den) == 0 ? 1 : -1;
            if (m < 0)
                continue;
            long long c = atoll(PQgetvalue(p, row, 2));
            uint64_t key = (uint64_t)atoll(PQgetvalue(p, row, 3));
            n[m] += c;
            k[m] += key;
            int o = last ? owner_index(e, atoll(PQgetvalue(p, row, 0))) : -1;
            if (o >= 0) {
                own[o][m] += c;
                ownk[o][m] += key;
            }
        }
        e->fig[i] = share(n[0], n[1], k[0], k[1]);
        for (int o = 0; last && o < e->nowners; o++)
            e->contribution[o] = share(own[o][0], own[o][1], ownk[o][0], ownk[o][1]);
    }
    if (t->kind == METRIC_CROSS_AGENCY_REPEAT)
        e->no_contributions = "A subject seen by several partners belongs to none of them.";
    for (int i = 0; ok && i < np; i++)
        PQclear(res[i]);
    free(res);
    free(q);
    free(params);
    db_array_free(&strand);
    db_array_free(&ethnic);
    return ok;
}

/* The current values of an outcome indicator by period, group and partner
 * (every partner reads them; no disclosure control: they are aggregates
 * the partners submitted for the partnership). A period of the series
 * takes the values whose own periods lie within it. */
static const char indicator_sql[] =
    "SELECT p.i, v.ethnic_group, v.partner_id, v.value, v.numerator, v.denominator"
    " FROM unnest($1::date[], $2::date[]) WITH ORDINALITY AS p(s, e, i)"
    " JOIN hub.indicator_value v ON v.period_start >= p.s AND v.period_end <= p.e"
    " WHERE v.partnership_id = hub.current_partnership() AND v.superseded_at IS NULL"
    " AND v.indicator = $3 AND v.ethnic_group = ANY ($4::text[])"
    " AND ($5::text[] IS NULL OR v.area = ANY ($5::text[]))";

/* Values combined: the ratio of the summed numerators and denominators
 * when every value has them, else the sum of counts or the mean of
 * percentages and rates. */
typedef struct {
    int n;
    bool all_ratio;
    double sum, num, den;
} combine_t;

static void
combine_add(combine_t *c, PGresult *res, int row)
{
    if (c->n++ == 0)
        c->all_ratio = true;
    c->sum += atof(PQgetvalue(res, row, 3));
    c->all_ratio &= !PQgetisnull(res, row, 4);
    if (!PQgetisnull(res, row, 4)) {
        c->num += atof(PQgetvalue(res, row, 4));
        c->den += atof(PQgetvalue(res, row, 5));
    }
}

static figure_t
combine_value(const combine_t *c, const char *unit, double scale)
{
    if (c->n == 0)
        return none(WHY_NO_DATA);
    if (strcmp(unit, "count") == 0)
        return value_of(c->sum);
    if (c->all_ratio && c->den > 0)
        return value_of(scale * c->num / c->den);
    return value_of(c->sum / c->n);
}

static bool
eval_indicator(request_t *r, eval_t *e)
{
    const target_def_t *t = e->t;
    const code_list_t *list = codes_list(codes, "indicator");
    int row_of = code_list_find(list, t->indicator);
    hub_assert(row_of >= 0); /* target_parse checked it */
    const char *unit = code_list_value(list, (size_t)row_of, "unit");
    const char *per = code_list_value(list, (size_t)row_of, "per");
    double scale = strcmp(unit, "percent") == 0 ? 100 : per && *per ? atof(per) : 1;
    bool gap = t->kind == METRIC_INDICATOR_GAP;
    const char *group = t->ethnic_group ? t->ethnic_group : "all";
    db_array_t groups;
    db_array_init(&groups);
    db_array_add(&groups, group);
    if (gap)
        db_array_add(&groups, t->reference_group);
    const char *params[] = {db_array_text(&e->starts), db_array_text(&e->ends), t->indicator,
                            db_array_text(&groups), areas_param(e)};
    const db_stmt_t q = {indicator_sql, 5, params};
    PGresult *res;
    char state[6];
    bool ok = access_run(r, &q, 1, &res, state);
    db_array_free(&groups);
    if (!ok) {
        access_fail(r, state);
        return false;
    }
    /* [period][0: group, 1: reference], and the owners' in the last period. */
    combine_t(*c)[2] = xcalloc((size_t)e->np, sizeof(*c));
    combine_t own[OWNERS_MAX][2];
    memset(own, 0, sizeof(own));
    for (int row = 0; row < PQntuples(res); row++) {
        int i = atoi(PQgetvalue(res, row, 0)) - 1;
        int g = strcmp(PQgetvalue(res, row, 1), group) == 0 ? 0 : 1;
        combine_add(&c[i][g], res, row);
        int o = owner_index(e, atoll(PQgetvalue(res, row, 2)));
        if (i == e->np - 1 && o >= 0)
            combine_add(&own[o][g], res, row);
    }
    for (int i = 0; i < e->np + e->nowners; i++) {
        combine_t *pair = i < e->np ? c[i] : own[i - e->np];
        figure_t a = combine_value(&pair[0], unit, scale);
        if (gap && a.have) {
            figure_t b = combine_value(&pair[1], unit, scale);
            a = b.have ? value_of(a.value - b.value) : b;
        }
        if (i < e->np)
            e->fig[i] = a;
        else
            e->contribution[i - e->np] = a;
    }
    free(c);
    PQclear(res);
    return true;
}

/* Fills e for t as of today; false when the database failed (answered). */
static bool
evaluate(request_t *r, const target_def_t *t, const char *today, eval_t *e)
{
    e->t = t;
    e->np = target_periods(t, today, e->period, TARGET_PERIODS_MAX);
    e->owner[e->nowners++] = t->lead;
    for (int i = 0; i < t->ncontributors; i++)
        e->owner[e->nowners++] = t->contributors[i];
    for (int i = 0; i < e->nowners; i++)
        e->contribution[i] = none(WHY_NO_DATA);
    if (e->np == 0)
        return true;
    db_array_init(&e->starts);
    db_array_init(&e->ends);
    db_array_init(&e->areas);
    for (int i = 0; i < e->np; i++) {
        db_array_add(&e->starts, e->period[i].start);
        db_array_add(&e->ends, e->period[i].end);
    }
    for (int i = 0; i < t->nareas; i++)
        db_array_add(&e->areas, t->areas[i]);
    bool ok;
    switch (t->kind) {
    case METRIC_REPORTS_COUNT:
    case METRIC_REPORTING_RATE:
    case METRIC_DISPROPORTIONALITY:
        ok = eval_counts(r, e);
        break;
    case METRIC_INDICATOR:
    case METRIC_INDICATOR_GAP:
        ok = eval_indicator(r, e);
        break;
    default:
        ok = eval_flow(r, e);
        break;
    }
    db_array_free(&e->starts);
    db_array_free(&e->ends);
    db_array_free(&e->areas);
    return ok;
}

/* ---- answers ------------------------------------------------------------------ */

static json_t *
number(double v)
{
    return json_real(round(v * 1000) / 1000);
}

static json_t *
figure_json(const figure_t *f)
{
    if (f->have)
        return json_pack("{s:o}", "value", number(f->value));
    if (f->why == WHY_SUPPRESSED)
        return json_pack("{s:b}", "suppressed", true);
    return json_pack("{s:b, s:s}", "no_value", true, "reason", f->why);
}

/* The progress part of a target's answer. */
static json_t *
progress_json(const eval_t *e)
{
    const target_def_t *t = e->t;
    json_t *o = json_object();
    json_t *series = json_array();
    for (int i = 0; i < e->np; i++) {
        json_t *p = figure_json(&e->fig[i]);
        json_object_set_new(p, "period", json_string(e->period[i].code));
        json_object_set_new(p, "start", json_string(e->period[i].start));
        json_object_set_new(p, "end", json_string(e->period[i].end));
        json_array_append_new(series, p);
    }
    json_object_set_new(o, "series", series);
    target_progress_t pr;
    if (e->np == 0) {
        json_object_set_new(o, "status", json_string(target_status_name(TARGET_NOT_ENOUGH_DATA)));
        json_object_set_new(o, "note",
                            json_string("No review period has ended since the baseline "
                                        "period."));
        return o;
    }
    const figure_t *now = &e->fig[e->np - 1];
    const char *as_of = e->period[e->np - 1].end;
    target_assess(t, now->have, now->value, as_of, &pr);
    json_t *current = figure_json(now);
    json_object_set_new(current, "period", json_string(e->period[e->np - 1].code));
    json_object_set_new(o, "current", current);
    json_object_set_new(o, "as_of", json_string(as_of));
    json_object_set_new(o, "expected_progress_pct", number(100 * pr.expected));
    json_object_set_new(o, "expected_value",
                        number(t->baseline + pr.expected * (t->target - t->baseline)));
    if (now->have)
        json_object_set_new(o, "progress_pct", number(100 * pr.progress));
    json_object_set_new(o, "status", json_string(target_status_name(pr.status)));
    if (e->no_contributions != NULL) {
        json_object_set_new(o, "contributions_note", json_string(e->no_contributions));
    } else {
        json_t *list = json_array();
        for (int i = 0; i < e->nowners; i++) {
            json_t *c = figure_json(&e->contribution[i]);
            json_object_set_new(c, "partner_id", json_integer(e->owner[i]));
            json_object_set_new(c, "role", json_string(i == 0 ? "lead" : "contributor"));
            json_array_append_new(list, c);
        }
        json_object_set_new(o, "contributions", list);
    }
    return o;
}

/* The stored definition of a checked target, defaults filled in. */
static json_t *
definition_json(const target_def_t *t)
{
    json_t *filters = json_object();
    if (t->nareas) {
        json_t *a = json_array();
        for (int i = 0; i < t->nareas; i++)
            json_array_append_new(a, json_string(t->areas[i]));
        json_object_set_new(filters, "area", a);
    }
    if (t->strand)
        json_object_set_new(filters, "strand", json_string(t->strand));
    if (t->ethnic_group)
        json_object_set_new(filters, "ethnic_group", json_string(t->ethnic_group));
    json_t *contributors = json_array();
    for (int i = 0; i < t->ncontributors; i++)
        json_array_append_new(contributors, json_integer(t->contributors[i]));
    json_t *d = json_pack(
        "{s:s, s:s, s:o, s:s, s:{s:o, s:s}, s:{s:o, s:s}, s:{s:I, s:o}, s:s, s:o, s:s}", "title",
        t->title, "metric", t->metric, "filters", filters, "direction",
        t->increase ? "increase" : "decrease", "baseline", "value", json_real(t->baseline),
        "period", t->baseline_period, "target", "value", json_real(t->target), "due", t->due,
        "owners", "lead", (json_int_t)t->lead, "contributors", contributors, "review", t->review,
        "tolerance", json_real(t->tolerance), "state", t->retired ? "retired" : "active");
    if (t->reference_group)
        json_object_set_new(d, "reference_group", json_string(t->reference_group));
    return d;
}

/* Checks a definition; answers 422 and returns false when it is not one. */
static bool
check(request_t *r, json_t *body, const char *today, target_def_t *t)
{
    input_t in;
    input_begin(&in, body);
    bool valid = target_parse(codes, &in, today, t);
    json_t *problem = input_end(&in);
    if (valid)
        return true;
    http_respond_refused(r, problem);
    return false;
}

/* A definition's owners as statement parameters. */
typedef struct {
    char lead[24];
    db_array_t contributors;
} owners_t;

static void
owners_of(const target_def_t *t, owners_t *o)
{
    snprintf(o->lead, sizeof(o->lead), "%lld", t->lead);
    db_array_init(&o->contributors);
    char id[24];
    for (int i = 0; i < t->ncontributors; i++) {
        snprintf(id, sizeof(id), "%lld", t->contributors[i]);
        db_array_add(&o->contributors, id);
    }
}

/* The answer for a failed write: an owner that is not a partner of the
 * partnership is the body's fault, not a conflict. */
static void
write_failed(request_t *r, const char *state)
{
    if (strcmp(state, "23503") == 0) {
        input_t in;
        input_begin(&in, NULL);
        input_error(&in, "/owners",
                    "Every owner (the lead and each contributor) is a partner of the "
                    "partnership: GET /v1/partners.");
        http_respond_problem(r, input_end(&in));
    } else {
        access_fail(r, state);
    }
}

/* A stored target (hub.target_json, text) with the progress of its
 * definition added; NULL when the database failed (answered). */
static json_t *
with_progress(request_t *r, const char *row_json, const char *definition, const char *today)
{
    json_error_t err;
    json_t *stored = json_loads(row_json, 0, &err);
    json_t *def = json_loads(definition, 0, &err);
    hub_assert(stored != NULL && def != NULL);
    input_t in;
    input_begin(&in, def);
    target_def_t t;
    eval_t *e = xcalloc(1, sizeof(*e));
    /* A stored definition was checked when written; a code list changed
     * since may refuse it now, which the answer says rather than hides. */
    if (!target_parse(codes, &in, today, &t)) {
        json_object_set_new(stored, "progress",
                            json_pack("{s:s, s:s}", "status", "not_enough_data", "note",
                                      "The definition no longer passes the current checks (a "
                                      "code list changed): change the target."));
    } else if (evaluate(r, &t, today, e)) {
        json_object_set_new(stored, "progress", progress_json(e));
    } else {
        json_decref(stored);
        stored = NULL;
    }
    json_decref(input_end_errors(&in));
    json_decref(def);
    free(e);
    return stored;
}

/* Answers with the stored row and its progress. */
static void
answer_target(request_t *r, int status, const char *row_json, const char *definition,
              const char *today)
{
    json_t *stored = with_progress(r, row_json, definition, today);
    if (stored == NULL)
        return; /* answered */
    json_object_set_new(stored, "disclosure", stats_disclosure_json(NULL));
    respond(r, status, stored);
}

/* ---- endpoints ------------------------------------------------------------------- */

static const char create_sql[] =
    "WITH t AS (INSERT INTO hub.target AS t (target_id, version, partnership_id, definition,"
    " lead_partner, contributors, retired)"
    " VALUES (nextval('hub.target_id_seq'), 1, hub.current_partnership(), $1::jsonb, $2::bigint,"
    " $3::bigint[], $4::boolean) RETURNING t.*)"
    " SELECT t.target_id, hub.target_json(t)::text, t.definition::text FROM t";

void
targets_create(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "target");
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    char today[11];
    utc_today(today);
    target_def_t t;
    if (check(r, body, today, &t)) {
        json_t *def = definition_json(&t);
        char *text = json_dumps(def, JSON_FLAGS);
        owners_t o;
        owners_of(&t, &o);
        const char *params[] = {text, o.lead, db_array_text(&o.contributors),
                                t.retired ? "true" : "false"};
        const db_stmt_t q = {create_sql, 4, params};
        PGresult *res;
        char state[6];
        if (!access_run(r, &q, 1, &res, state)) {
            write_failed(r, state);
        } else {
            snprintf(r->audit_id, sizeof(r->audit_id), "%s", PQgetvalue(res, 0, 0));
            char location[96];
            snprintf(location, sizeof(location), "/v1/targets/%s", r->audit_id);
            http_set_header(r, "Location", location);
            answer_target(r, 201, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), today);
            PQclear(res);
        }
        db_array_free(&o.contributors);
        json_decref(def);
    }
    json_decref(body);
}

/* The target id of the path into r->audit_id (the audit row names it);
 * false, answered 404, when it is not an id. */
static bool
target_of_path(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "target");
    long long id;
    if (!http_param_id(r, 0, &id)) {
        http_respond_error(r, 404, "not-found", "No such target.");
        return false;
    }
    snprintf(r->audit_id, sizeof(r->audit_id), "%lld", id);
    return true;
}

static const char get_sql[] =
    "SELECT hub.target_json(t)::text, t.definition::text FROM hub.target t"
    " WHERE t.target_id = $1::bigint AND t.partnership_id = hub.current_partnership()"
    " AND t.superseded_at IS NULL";

void
targets_get(request_t *r)
{
    if (!target_of_path(r))
        return;
    const char *params[] = {r->audit_id};
    const db_stmt_t q = {get_sql, 1, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        access_fail(r, state);
        return;
    }
    char today[11];
    utc_today(today);
    if (PQntuples(res) == 0)
        http_respond_error(r, 404, "not-found", "No such target in the partnership.");
    else
        answer_target(r, 200, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), today);
    PQclear(res);
}

static const char list_sql[] =
    "SELECT hub.target_json(t)::text, t.definition::text FROM hub.target t"
    " WHERE t.partnership_id = hub.current_partnership() AND t.superseded_at IS NULL"
    " AND ($1::boolean OR NOT t.retired)"
    " AND ($2::bigint IS NULL OR $2::bigint = t.lead_partner OR $2::bigint = ANY (t.contributors))"
    " ORDER BY t.target_id LIMIT 200"; /* TARGETS_LIST_MAX */

/* The rows of list_sql with their progress; NULL when the database failed
 * (answered). */
static json_t *
current_targets(request_t *r, PGresult *res, const char *today)
{
    json_t *list = json_array();
    for (int row = 0; row < PQntuples(res); row++) {
        json_t *t = with_progress(r, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1), today);
        if (t == NULL) {
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, t);
    }
    return list;
}

json_t *
targets_by_owner(request_t *r)
{
    const char *params[] = {"false", NULL};
    const db_stmt_t q = {list_sql, 2, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        access_fail(r, state);
        return NULL;
    }
    char today[11];
    utc_today(today);
    json_t *list = current_targets(r, res, today);
    PQclear(res);
    if (list == NULL)
        return NULL;
    json_t *by = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        json_t *owners = json_object_get(t, "owners");
        json_t *ids = json_array();
        json_array_append(ids, json_object_get(owners, "lead"));
        json_array_extend(ids, json_object_get(owners, "contributors"));
        size_t k;
        json_t *id;
        json_array_foreach(ids, k, id)
        {
            char key[24];
            snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(id));
            json_t *mine = json_object_get(by, key);
            if (mine == NULL)
                json_object_set_new(by, key, mine = json_array());
            json_array_append_new(
                mine,
                json_pack("{s:O, s:O, s:s, s:O}", "id", json_object_get(t, "id"), "title",
                          json_object_get(t, "title"), "role", k == 0 ? "lead" : "contributor",
                          "status", json_object_get(json_object_get(t, "progress"), "status")));
        }
        json_decref(ids);
    }
    json_decref(list);
    return by;
}

void
targets_list(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "target");
    snprintf(r->audit_id, sizeof(r->audit_id), "list");
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    bool retired;
    long long owner;
    bool ok = http_query_flag(r, &kv, "include_retired", &retired) &&
              http_query_int(r, "owner", 0, (1LL << 53), 0, &owner);
    evhttp_clear_headers(&kv);
    if (!ok)
        return;
    char owner_s[24];
    snprintf(owner_s, sizeof(owner_s), "%lld", owner);
    const char *params[] = {retired ? "true" : "false", owner ? owner_s : NULL};
    const db_stmt_t q = {list_sql, 2, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        access_fail(r, state);
        return;
    }
    char today[11];
    utc_today(today);
    json_t *list = current_targets(r, res, today);
    if (list != NULL)
        respond(r, 200,
                json_pack("{s:o, s:o, s:s}", "targets", list, "disclosure",
                          stats_disclosure_json(NULL), "as_of", today));
    PQclear(res);
}

/* The current version, locked: a concurrent change waits, then sees this
 * one superseded and finds the next. */
static const char current_sql[] =
    "SELECT hub.target_json(t)::text, t.definition::text, t.version FROM hub.target t"
    " WHERE t.target_id = $1::bigint AND t.partnership_id = hub.current_partnership()"
    " AND t.superseded_at IS NULL FOR UPDATE";

static const char supersede_sql[] =
    "WITH old AS (UPDATE hub.target SET superseded_at = clock_timestamp()"
    " WHERE target_id = $1::bigint AND version = $2::integer AND superseded_at IS NULL"
    " RETURNING target_id, version, partnership_id),"
    " t AS (INSERT INTO hub.target AS t (target_id, version, partnership_id, definition,"
    " lead_partner, contributors, retired)"
    " SELECT target_id, version + 1, partnership_id, $3::jsonb, $4::bigint, $5::bigint[],"
    " $6::boolean FROM old RETURNING t.*)"
    " SELECT hub.target_json(t)::text, t.definition::text FROM t";

/* Stores next as the version after the locked current one (cur: a row of
 * current_sql) and answers with it. */
static void
supersede(request_t *r, PGresult *cur, const target_def_t *t, json_t *next, const char *today)
{
    owners_t o;
    owners_of(t, &o);
    const char *p[] = {r->audit_id, PQgetvalue(cur, 0, 2),          json_dumps(next, JSON_FLAGS),
                       o.lead,      db_array_text(&o.contributors), t->retired ? "true" : "false"};
    const db_stmt_t s = {supersede_sql, 6, p};
    PGresult *out;
    char state[6];
    if (!access_run(r, &s, 1, &out, state)) {
        write_failed(r, state);
    } else {
        hub_assert(PQntuples(out) == 1); /* the row is locked */
        answer_target(r, 200, PQgetvalue(out, 0, 0), PQgetvalue(out, 0, 1), today);
        PQclear(out);
    }
    db_array_free(&o.contributors);
}

void
targets_update(request_t *r)
{
    if (!target_of_path(r))
        return;
    json_t *patch = http_read_json(r);
    if (patch == NULL)
        return;
    if (!json_is_object(patch)) {
        http_respond_error(r, 422, "invalid", "A JSON merge patch (RFC 7396) is an object.");
        json_decref(patch);
        return;
    }
    const char *params[] = {r->audit_id};
    const db_stmt_t q = {current_sql, 1, params};
    PGresult *res;
    char state[6];
    if (!access_run(r, &q, 1, &res, state)) {
        access_fail(r, state);
        json_decref(patch);
        return;
    }
    if (PQntuples(res) == 0) {
        http_respond_error(r, 404, "not-found", "No such target, or it is not yours to change.");
        json_decref(patch);
        PQclear(res);
        return;
    }
    char today[11];
    utc_today(today);
    json_error_t err;
    json_t *def = json_loads(PQgetvalue(res, 0, 1), 0, &err);
    hub_assert(def != NULL);
    json_t *before = json_deep_copy(def);
    input_merge_patch(def, patch);
    target_def_t t;
    if (check(r, def, today, &t)) {
        json_t *next = definition_json(&t);
        if (json_equal(next, before)) /* nothing changed: no new version */
            answer_target(r, 200, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), today);
        else
            supersede(r, res, &t, next, today);
        json_decref(next);
    }
    json_decref(before);
    json_decref(def);
    json_decref(patch);
    PQclear(res);
}

static const char versions_sql[] =
    "SELECT json_build_object('versions', json_agg(hub.target_json(t) ORDER BY t.version))::text"
    " FROM hub.target t WHERE t.target_id = $1::bigint"
    " AND t.partnership_id = hub.current_partnership() HAVING count(*) > 0";

void
targets_versions(request_t *r)
{
    if (!target_of_path(r))
        return;
    const char *params[] = {r->audit_id};
    const db_stmt_t q = {versions_sql, 1, params};
    access_respond_json(r, &q, 200, "No such target in the partnership.");
}
