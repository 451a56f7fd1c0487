#include "stats_flow.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "sdc.h"
#include "stats_query.h"
#include "util.h"

#define OWN_FIGURES                                                                                \
    "Your own figures only (reports you own, referrals you received, outcomes you recorded): "     \
    "exact, for your own use, not for publication."

#define COHORT                                                                                     \
    "Reports that occurred (occurred_from) from the first day of from to the last day of to, "     \
    "not withdrawn, with the filters; their referrals and outcomes count whenever they "           \
    "happened, so a period's figures can still change after it ends."

/* The cohort's counts of some measures (sql/010: report, referral,
 * outcome), with each code's parts, the ethnic group and the strand set;
 * only the caller's ($7) with scope=own. */
static const char cells_sql[] =
    "SELECT c.measure, split_part(c.code, '/', 1), split_part(c.code, '/', 2),"
    " split_part(c.code, '/', 3), c.ethnic_group, c.strands::text, sum(c.n), sum(c.keysum)"
    " FROM hub.stats_flow_cells($1::date, $2::date, $3::text[], $4::text[], $5::text[]) c"
    " WHERE c.measure = ANY ($6::text[]) AND ($7::bigint IS NULL OR c.partner_id = $7::bigint)"
    " GROUP BY 1, 2, 3, 4, 5, 6";
enum { COL_MEASURE, COL_A, COL_B, COL_C, COL_ETHNIC, COL_STRANDS, COL_N, COL_KEY };

/* The whole partnership's row (partner NULL), or the caller's. */
static const char days_sql[] =
    "SELECT n, median_days FROM hub.stats_days_to_outcome($1::date, $2::date, $3::text[],"
    " $4::text[], $5::text[]) WHERE partner_id IS NOT DISTINCT FROM $6::bigint";

static const char subjects_sql[] =
    "SELECT subjects, multi_partner, multi_kind, subjects_keysum, multi_partner_keysum,"
    " multi_kind_keysum FROM hub.stats_repeat_subjects_keyed($1::date, $2::date, $3::text[],"
    " $4::text[], $5::text[])";

/* ---- one request ----------------------------------------------------------- */

typedef struct {
    request_t *r;
    struct evkeyvalq kv;
    stats_query_t q;
    stats_pool_t pool;
    char first[11], last[11], from[8], to[8], partner[24];
    const char *cohort[5]; /* $1..$5 of the functions: period and filters */
} flow_t;

/* Reads the common parameters into f (stats_query.h); false when it has
 * answered. flow_end frees f either way. */
static bool
flow_begin(request_t *r, flow_t *f, const char *what)
{
    memset(f, 0, sizeof(*f));
    f->r = r;
    TAILQ_INIT(&f->kv);
    stats_query_init(&f->q);
    snprintf(r->audit_type, sizeof(r->audit_type), "stats");
    snprintf(r->audit_id, sizeof(r->audit_id), "%s", what);
    if (!http_query(r, &f->kv))
        return false;
    static const char *const not_here[] = {"incident_type", "age_band", "partner_kind", "channel"};
    for (size_t i = 0; i < ARRAY_LEN(not_here); i++)
        if (evhttp_find_header(&f->kv, not_here[i]) != NULL) {
            char detail[200];
            snprintf(detail, sizeof(detail),
                     "%s is not a filter of this report: it takes from, to, scope, area, strand, "
                     "ethnic_group or ethnic_group_high, and group.",
                     not_here[i]);
            return stats_bad_query(r, detail);
        }
    if (!stats_query_parse(r, &f->kv, &f->q, &f->pool))
        return false;
    stats_query_days(&f->q, f->first, f->last);
    stats_query_months(&f->q, f->from, f->to);
    snprintf(f->partner, sizeof(f->partner), "%lld", r->who->partner_id);
    f->cohort[0] = f->first;
    f->cohort[1] = f->last;
    f->cohort[2] = stats_filter_param(&f->q, D_AREA);
    f->cohort[3] = stats_filter_param(&f->q, D_STRAND);
    f->cohort[4] = stats_filter_param(&f->q, D_ETHNIC);
    return true;
}

static void
flow_end(flow_t *f)
{
    stats_query_free(&f->q);
    stats_pool_free(&f->pool);
    evhttp_clear_headers(&f->kv);
}

/* ?group= is one of allowed (or none); else 400 with detail. */
static bool
group_ok(flow_t *f, const dim_t *allowed, int n, const char *detail)
{
    if (f->q.ngroup == 0)
        return true;
    for (int i = 0; f->q.ngroup == 1 && i < n; i++)
        if (f->q.dims[0] == allowed[i])
            return true;
    return stats_bad_query(f->r, detail);
}

/* Own figures are exact: no minimum, no rounding, nothing hidden. */
static const sdc_rules_t *
rules_of(const flow_t *f)
{
    static const sdc_rules_t exact = {SDC_SUPPRESS, 1, 1};
    return f->q.own ? &exact : stats_rules();
}

/* The response's common members. */
static json_t *
flow_json(const flow_t *f, const char *refreshed_at)
{
    json_t *group = json_array();
    for (int i = 0; i < f->q.ngroup; i++)
        json_array_append_new(group, json_string(f->q.names[i]));
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "scope", f->q.own ? "own" : "joint",
                     "from", f->from, "to", f->to, "group", group, "cohort", COHORT, "disclosure",
                     stats_disclosure_json(f->q.own ? OWN_FIGURES : NULL), "freshness",
                     stats_freshness_json(refreshed_at));
}

/* ---- tables ------------------------------------------------------------------ */

/* A table of counts with its margins, as sdc.h protects it. Not to be
 * moved once made (t.total points into it). */
typedef struct {
    int rows, cols;
    sdc_cell_t *cell, *rowt, *colt, total;
    sdc_table_t t;
} table_t;

static void
table_make(table_t *t, int rows, int cols)
{
    memset(t, 0, sizeof(*t));
    t->rows = rows;
    t->cols = cols;
    t->cell = xcalloc((size_t)rows * (size_t)cols, sizeof(*t->cell));
    t->rowt = xcalloc((size_t)rows, sizeof(*t->rowt));
    t->colt = xcalloc((size_t)cols, sizeof(*t->colt));
    t->t = (sdc_table_t){rows, cols, t->cell, t->rowt, t->colt, &t->total};
}

static void
table_free(table_t *t)
{
    free(t->cell);
    free(t->rowt);
    free(t->colt);
}

static void
cell_add(sdc_cell_t *c, long long n, uint64_t key)
{
    c->count += n;
    c->key += key;
}

/* Adds n reports (their keys summing key) at (r, c) and to its margins. */
static void
table_add(table_t *t, int r, int c, long long n, uint64_t key)
{
    hub_assert(r >= 0 && r < t->rows && c >= 0 && c < t->cols && n >= 0);
    cell_add(&t->cell[r * t->cols + c], n, key);
    cell_add(&t->rowt[r], n, key);
    cell_add(&t->colt[c], n, key);
    cell_add(&t->total, n, key);
}

static void
table_protect(const flow_t *f, table_t *t)
{
    sdc_protect(&t->t, rules_of(f));
}

static json_t *
count_json(const sdc_cell_t *c)
{
    json_t *o = json_object();
    stats_put_count(o, c);
    return o;
}

/* A share num / den: {"value": v}; {"value": null} with nothing to divide;
 * {"suppressed": true} when built on a hidden figure or on fewer than
 * HUB_MIN_CELL items (sdc_share). */
static json_t *
share_json(const flow_t *f, const sdc_cell_t *num, const sdc_cell_t *den)
{
    double v;
    if (sdc_share(num, den, rules_of(f), &v))
        return json_pack("{s:f}", "value", v);
    if (den->count == 0)
        return json_pack("{s:n}", "value");
    return json_pack("{s:b}", "suppressed", 1);
}

/* The sum of n protected figures, as a figure (sdc_sum). */
static void
sum_of(const flow_t *f, sdc_cell_t *out, const sdc_cell_t *const *parts, int n)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n; i++)
        cell_add(out, parts[i]->count, parts[i]->key);
    sdc_sum(out, parts, n, rules_of(f));
}

/* The table as /v1/stats/reports publishes one: cells, row_totals,
 * column_totals and total into out, each entry named by its row's value
 * (rname) and column's (cname). */
static void
table_json(json_t *out, const table_t *t, const char *rname, const char *const *rvals,
           const char *cname, const char *const *cvals)
{
    json_t *cells = json_array(), *rows = json_array(), *cols = json_array();
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < t->cols; c++) {
            json_t *o = json_pack("{s:s, s:s}", rname, rvals[r], cname, cvals[c]);
            stats_put_count(o, &t->cell[r * t->cols + c]);
            json_array_append_new(cells, o);
        }
    for (int r = 0; r < t->rows; r++) {
        json_t *o = json_pack("{s:s}", rname, rvals[r]);
        stats_put_count(o, &t->rowt[r]);
        json_array_append_new(rows, o);
    }
    for (int c = 0; c < t->cols; c++) {
        json_t *o = json_pack("{s:s}", cname, cvals[c]);
        stats_put_count(o, &t->colt[c]);
        json_array_append_new(cols, o);
    }
    json_object_set_new(out, "cells", cells);
    json_object_set_new(out, "row_totals", rows);
    json_object_set_new(out, "column_totals", cols);
    json_object_set_new(out, "total", count_json(&t->total));
}

/* Position of s in the n strings of v, or -1. */
static int
index_of(const char *const *v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return i;
    return -1;
}

/* The categories of an ethnic grouping: the list's codes, and not_stated
 * after the high-level groups (which list has none for it). labels holds
 * room for every code of the list plus one. */
static int
ethnic_categories(bool high, const char **labels)
{
    const code_list_t *l =
        codes_list(stats_codes(), high ? "ethnic_high_level_group" : "ethnic_group");
    int n = 0;
    for (size_t row = 0; row < code_list_rows(l); row++)
        labels[n++] = code_list_code(l, row);
    if (high)
        labels[n++] = STATS_NOT_STATED;
    return n;
}

/* The category of a stored ethnic group among labels, or -1. */
static int
ethnic_index(bool high, const char *const *labels, int n, const char *code)
{
    const code_list_t *eg = codes_list(stats_codes(), "ethnic_group");
    int row = code_list_find(eg, code);
    if (row < 0)
        return -1; /* a stored code no longer in its list */
    return index_of(labels, n, high ? stats_ethnic_high_of(eg, (size_t)row) : code);
}

static PGresult *
run(flow_t *f, const db_stmt_t *stmts, int n, PGresult **res)
{
    char state[6];
    if (!access_run(f->r, stmts, n, res, state)) {
        access_fail(f->r, state);
        return NULL;
    }
    return res[0];
}

static void
clear(PGresult **res, int n)
{
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
}

static long long
value_ll(PGresult *res, int row, int col)
{
    return atoll(PQgetvalue(res, row, col));
}

/* ---- GET /v1/stats/repeat ---------------------------------------------------- */

/* Adds a row of report counts (repeat or not) to the table under its
 * category: the ethnic group, each of its strands, or the one row. */
static void
repeat_add(table_t *t, const flow_t *f, const char *const *labels, int n, PGresult *res, int row)
{
    int col = strcmp(PQgetvalue(res, row, COL_A), "yes") == 0 ? 0 : 1;
    long long count = value_ll(res, row, COL_N);
    uint64_t key = (uint64_t)value_ll(res, row, COL_KEY);
    if (f->q.ngroup == 0) {
        table_add(t, 0, col, count, key);
    } else if (f->q.dims[0] == D_ETHNIC) {
        int i = ethnic_index(f->q.ethnic_high, labels, n, PQgetvalue(res, row, COL_ETHNIC));
        if (i >= 0)
            table_add(t, i, col, count, key);
    } else {
        /* A text[] of codes, "{race,religion}": each once. */
        char strands[256];
        snprintf(strands, sizeof(strands), "%s", PQgetvalue(res, row, COL_STRANDS));
        char *save = NULL;
        for (char *s = strtok_r(strands, "{},", &save); s != NULL;
             s = strtok_r(NULL, "{},", &save)) {
            int i = index_of(labels, n, s);
            if (i >= 0)
                table_add(t, i, col, count, key);
        }
    }
}

static json_t *
repeat_line(const flow_t *f, const sdc_cell_t *yes, const sdc_cell_t *other,
            const sdc_cell_t *reports)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "repeat_yes", count_json(yes), "not_repeat",
                     count_json(other), "reports", count_json(reports), "repeat_share",
                     share_json(f, yes, reports));
}

/* Subjects seen by one partner, by several of one kind, by several kinds:
 * a one-row table, so that its total (subjects) and the sum "several
 * partners" never give a hidden part away. */
static json_t *
cross_agency_json(const flow_t *f, PGresult *res)
{
    long long s = value_ll(res, 0, 0), mp = value_ll(res, 0, 1), mk = value_ll(res, 0, 2);
    uint64_t ks = (uint64_t)value_ll(res, 0, 3), kmp = (uint64_t)value_ll(res, 0, 4),
             kmk = (uint64_t)value_ll(res, 0, 5);
    table_t t;
    table_make(&t, 1, 3);
    table_add(&t, 0, 0, s - mp, ks - kmp);
    table_add(&t, 0, 1, mp - mk, kmp - kmk);
    table_add(&t, 0, 2, mk, kmk);
    table_protect(f, &t);
    sdc_cell_t multi;
    const sdc_cell_t *parts[] = {&t.cell[1], &t.cell[2]};
    sum_of(f, &multi, parts, 2);
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "subjects", count_json(&t.total), "one_partner",
        count_json(&t.cell[0]), "multi_partner", count_json(&multi), "multi_partner_one_kind",
        count_json(&t.cell[1]), "multi_kind", count_json(&t.cell[2]), "multi_partner_share",
        share_json(f, &multi, &t.total), "multi_kind_share", share_json(f, &t.cell[2], &t.total),
        "method",
        "Subjects are the distinct pseudonyms (subject_key) of the cohort's reports; one is "
        "matched across partners when reports of more than one partner carry it, within the "
        "cohort. Counted from the reports at the time of the request, not from the rollups.");
    table_free(&t);
    return o;
}

void
stats_repeat(request_t *r)
{
    flow_t f;
    static const dim_t allowed[] = {D_ETHNIC, D_STRAND};
    if (flow_begin(r, &f, "repeat") &&
        group_ok(&f, allowed, 2,
                 "group is one of ethnic_group, ethnic_group_high and strand, or none.")) {
        const char *params[] = {f.cohort[0],
                                f.cohort[1],
                                f.cohort[2],
                                f.cohort[3],
                                f.cohort[4],
                                "{report}",
                                f.q.own ? f.partner : NULL};
        const db_stmt_t stmts[] = {
            {cells_sql, 7, params}, {stats_state_sql, 0, NULL}, {subjects_sql, 5, params}};
        int n = f.q.own ? 2 : 3; /* matching across partners is joint by nature */
        PGresult *res[3];
        if (run(&f, stmts, n, res) != NULL) {
            const code_list_t *list = f.q.ngroup ? stats_grouping_list(f.q.names[0]) : NULL;
            int cap = list ? (int)code_list_rows(list) + 1 : 1, rows = 1;
            const char **labels = xcalloc((size_t)cap, sizeof(*labels));
            if (f.q.ngroup && f.q.dims[0] == D_ETHNIC)
                rows = ethnic_categories(f.q.ethnic_high, labels);
            else if (f.q.ngroup && f.q.filtered[D_STRAND]) /* the strands asked for */
                for (rows = 0; rows < f.q.nfvals[D_STRAND] && rows < cap; rows++)
                    labels[rows] = f.q.fvals[D_STRAND][rows];
            else if (f.q.ngroup)
                for (rows = 0; rows < (int)code_list_rows(list); rows++)
                    labels[rows] = code_list_code(list, (size_t)rows);
            table_t t;
            table_make(&t, rows, 2);
            for (int row = 0; row < PQntuples(res[0]); row++)
                repeat_add(&t, &f, labels, rows, res[0], row);
            table_protect(&f, &t);
            json_t *out = flow_json(&f, PQgetvalue(res[1], 0, 0));
            json_t *as_reported = repeat_line(&f, &t.colt[0], &t.colt[1], &t.total);
            if (f.q.ngroup) {
                json_t *groups = json_array();
                for (int i = 0; i < rows; i++) {
                    json_t *o = repeat_line(&f, &t.cell[i * 2], &t.cell[i * 2 + 1], &t.rowt[i]);
                    json_object_set_new(o, f.q.names[0], json_string(labels[i]));
                    json_array_append_new(groups, o);
                }
                json_object_set_new(as_reported, "groups", groups);
            }
            json_object_set_new(out, "as_reported", as_reported);
            if (f.q.ngroup && f.q.dims[0] == D_STRAND)
                json_object_set_new(out, "note",
                                    json_string("A report with several strands counts once under "
                                                "each; totals are the sums of the groups."));
            json_object_set_new(out, "cross_agency",
                                f.q.own ? json_null() : cross_agency_json(&f, res[2]));
            http_respond_json(r, 200, out);
            table_free(&t);
            free(labels);
            clear(res, n);
        }
    }
    flow_end(&f);
}

/* ---- GET /v1/stats/referrals -------------------------------------------------- */

static const char *const statuses[] = {"accepted", "declined", "open"};
static const char *const timeliness[] = {"in_time", "late", "overdue", "not_yet_due"};

void
stats_referrals(request_t *r)
{
    flow_t f;
    if (flow_begin(r, &f, "referrals") && group_ok(&f, NULL, 0, "referrals take no group.")) {
        const char *params[] = {f.cohort[0],
                                f.cohort[1],
                                f.cohort[2],
                                f.cohort[3],
                                f.cohort[4],
                                "{report,referral}",
                                f.q.own ? f.partner : NULL};
        const db_stmt_t stmts[] = {{cells_sql, 7, params}, {stats_state_sql, 0, NULL}};
        PGresult *res[2];
        if (run(&f, stmts, 2, res) != NULL) {
            /* Reports referred or not; referrals by status and timeliness;
             * accepted ones by whether the receiver recorded an outcome. */
            table_t rep, ref, acc;
            table_make(&rep, 1, 2);
            table_make(&ref, 3, 4);
            table_make(&acc, 1, 2);
            for (int row = 0; row < PQntuples(res[0]); row++) {
                const char *b = PQgetvalue(res[0], row, COL_B);
                long long n = value_ll(res[0], row, COL_N);
                uint64_t key = (uint64_t)value_ll(res[0], row, COL_KEY);
                if (strcmp(PQgetvalue(res[0], row, COL_MEASURE), "report") == 0) {
                    table_add(&rep, 0, strcmp(b, "referred") == 0 ? 0 : 1, n, key);
                    continue;
                }
                int s = index_of(statuses, 3, PQgetvalue(res[0], row, COL_A));
                int w = index_of(timeliness, 4, b);
                hub_assert(s >= 0 && w >= 0); /* sql/010 makes no other */
                table_add(&ref, s, w, n, key);
                if (s == 0)
                    table_add(&acc, 0,
                              strcmp(PQgetvalue(res[0], row, COL_C), "outcome") == 0 ? 0 : 1, n,
                              key);
            }
            table_protect(&f, &rep);
            sdc_cell_t *accepted_ref[] = {&ref.rowt[0]},
                       *accepted_acc[] = {&acc.rowt[0], &acc.total};
            sdc_protect_linked(&ref.t, accepted_ref, 1, &acc.t, accepted_acc, 2, rules_of(&f));
            sdc_cell_t due;
            const sdc_cell_t *due_parts[] = {&ref.colt[0], &ref.colt[1], &ref.colt[2]};
            sum_of(&f, &due, due_parts, 3);

            json_t *out = flow_json(&f, PQgetvalue(res[1], 0, 0));
            json_t *funnel =
                json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "reports",
                          count_json(&rep.total), "referred_reports", count_json(&rep.cell[0]),
                          "referred_share", share_json(&f, &rep.cell[0], &rep.total), "referrals",
                          count_json(&ref.total), "accepted", count_json(&ref.rowt[0]), "declined",
                          count_json(&ref.rowt[1]), "open", count_json(&ref.rowt[2]),
                          "accepted_share", share_json(&f, &ref.rowt[0], &ref.total),
                          "accepted_with_outcome", count_json(&acc.cell[0]),
                          "outcome_recorded_share", share_json(&f, &acc.cell[0], &acc.total));
            json_t *time = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "due", count_json(&due),
                                     "answered_in_time", count_json(&ref.colt[0]), "answered_late",
                                     count_json(&ref.colt[1]), "overdue", count_json(&ref.colt[2]),
                                     "not_yet_due", count_json(&ref.colt[3]), "in_time_share",
                                     share_json(&f, &ref.colt[0], &due));
            json_t *table = json_pack("{s:[s, s]}", "group", "status", "timeliness");
            table_json(table, &ref, "status", statuses, "timeliness", timeliness);
            json_object_set_new(out, "funnel", funnel);
            json_object_set_new(out, "timeliness", time);
            json_object_set_new(out, "table", table);
            json_object_set_new(
                out, "method",
                json_string("reports and referred_reports count reports; the rest counts "
                            "referrals (a report may be referred to several partners). A "
                            "referral is answered in time when answered on or before its due "
                            "date (UTC), overdue when open after it; due counts those answered "
                            "or overdue. accepted_with_outcome: accepted, and the receiver has "
                            "recorded an outcome on the report."));
            http_respond_json(r, 200, out);
            table_free(&rep);
            table_free(&ref);
            table_free(&acc);
            clear(res, 2);
        }
    }
    flow_end(&f);
}

/* ---- GET /v1/stats/outcomes ---------------------------------------------------- */

static const char *const satisfaction[] = {"yes", "no", "unanswered"};

/* The median days to the first outcome: published over HUB_MIN_CELL
 * reports or more (any number for own figures); how many only for own
 * figures, since a count published beside the table would escape it. */
static json_t *
days_json(const flow_t *f, PGresult *res)
{
    long long n = PQntuples(res) ? value_ll(res, 0, 0) : 0;
    json_t *o;
    if (n == 0)
        o = json_pack("{s:n}", "median");
    else if (n < rules_of(f)->min_cell)
        o = json_pack("{s:{s:b, s:s}}", "median", "suppressed", 1, "reason", "small");
    else
        o = json_pack("{s:{s:f}}", "median", "value", atof(PQgetvalue(res, 0, 1)));
    if (f->q.own)
        json_object_set_new(o, "reports", json_integer(n));
    json_object_set_new(o, "method",
                        json_string("Days from the report's reported_on to its first outcome, "
                                    "over the cohort's reports with an outcome (own figures: "
                                    "to your own first outcome on each report)."));
    return o;
}

void
stats_outcomes(request_t *r)
{
    flow_t f;
    static const dim_t allowed[] = {D_ETHNIC};
    if (flow_begin(r, &f, "outcomes") &&
        group_ok(&f, allowed, 1, "group is ethnic_group_high (the default) or ethnic_group.")) {
        if (f.q.ngroup == 0) {
            f.q.ethnic_high = true; /* the default column grouping */
            f.q.names[0] = "ethnic_group_high";
        }
        const char *params[] = {f.cohort[0],
                                f.cohort[1],
                                f.cohort[2],
                                f.cohort[3],
                                f.cohort[4],
                                "{outcome}",
                                f.q.own ? f.partner : NULL};
        const char *dparams[] = {f.cohort[0], f.cohort[1], f.cohort[2],
                                 f.cohort[3], f.cohort[4], f.q.own ? f.partner : NULL};
        const db_stmt_t stmts[] = {
            {cells_sql, 7, params}, {stats_state_sql, 0, NULL}, {days_sql, 6, dparams}};
        PGresult *res[3];
        if (run(&f, stmts, 3, res) != NULL) {
            const code_list_t *ol = codes_list(stats_codes(), "outcome");
            int rows = (int)code_list_rows(ol);
            const char **outcomes = xcalloc((size_t)rows, sizeof(*outcomes));
            for (int i = 0; i < rows; i++)
                outcomes[i] = code_list_code(ol, (size_t)i);
            const char **groups = xcalloc(
                code_list_rows(codes_list(stats_codes(), "ethnic_group")) + 1, sizeof(*groups));
            int cols = ethnic_categories(f.q.ethnic_high, groups);
            /* Outcomes by code and ethnic group; the same outcomes by the
             * victim's satisfaction, linked through their total. */
            table_t oe, sat;
            table_make(&oe, rows, cols);
            table_make(&sat, 1, 3);
            for (int row = 0; row < PQntuples(res[0]); row++) {
                int o = index_of(outcomes, rows, PQgetvalue(res[0], row, COL_A));
                int e = ethnic_index(f.q.ethnic_high, groups, cols,
                                     PQgetvalue(res[0], row, COL_ETHNIC));
                int s = index_of(satisfaction, 3, PQgetvalue(res[0], row, COL_B));
                if (o < 0 || e < 0 || s < 0)
                    continue; /* a stored code no longer in its list */
                long long n = value_ll(res[0], row, COL_N);
                uint64_t key = (uint64_t)value_ll(res[0], row, COL_KEY);
                table_add(&oe, o, e, n, key);
                table_add(&sat, 0, s, n, key);
            }
            sdc_cell_t *total_oe[] = {&oe.total}, *total_sat[] = {&sat.rowt[0], &sat.total};
            sdc_protect_linked(&oe.t, total_oe, 1, &sat.t, total_sat, 2, rules_of(&f));
            sdc_cell_t answered;
            const sdc_cell_t *answer_parts[] = {&sat.cell[0], &sat.cell[1]};
            sum_of(&f, &answered, answer_parts, 2);

            json_t *out = flow_json(&f, PQgetvalue(res[1], 0, 0));
            json_t *group = json_pack("[s, s]", "outcome", f.q.names[0]);
            json_object_set_new(out, "group", group);
            table_json(out, &oe, "outcome", outcomes, f.q.names[0], groups);
            json_object_set_new(out, "satisfaction",
                                json_pack("{s:o, s:o, s:o, s:o, s:o}", "yes",
                                          count_json(&sat.cell[0]), "no", count_json(&sat.cell[1]),
                                          "unanswered", count_json(&sat.cell[2]), "answered",
                                          count_json(&answered), "satisfied_share",
                                          share_json(&f, &sat.cell[0], &answered)));
            json_object_set_new(out, "days_to_outcome", days_json(&f, res[2]));
            http_respond_json(r, 200, out);
            table_free(&oe);
            table_free(&sat);
            free(outcomes);
            free(groups);
            clear(res, 3);
        }
    }
    flow_end(&f);
}
