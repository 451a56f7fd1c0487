/* hubctl stats KIND: GET /v1/stats/KIND with the filters as query
 * parameters, printed as one row per figure. */
#include <stdio.h>
#include <string.h>

#include "fetch.h"
#include "period.h"
#include "read.h"

static const char stats_usage[] =
    "Usage: hubctl stats reports|rates|repeat|referrals|outcomes [--from PERIOD --to PERIOD]\n"
    "                    [--area A,...] [--strand S] [--ethnic-group G,...] [--group-by G,...]\n"
    "                    [--scope own|partnership] [--json | --csv] [connection options]\n"
    "\n"
    "The hub's disclosure-controlled statistics (GET /v1/stats/KIND), one row per\n"
    "figure: which figure (cells, total, funnel.accepted ...), its dimensions, and\n"
    "its value; a suppressed figure shows as \"suppressed\", never as 0. The\n"
    "disclosure rule applied follows the table. PERIOD is YYYY, YYYY-Qn or YYYY-MM.\n"
    "--group-by is the API's group (e.g. month,ethnic_group_high); --scope own is\n"
    "the caller's own figures, exact (partnership, the default, is the API's joint).\n"
    "\n"
    "  --json                 the hub's answer as it is (indented)\n"
    "  --csv                  RFC 4180 with a header; a suppressed figure has an empty\n"
    "                         value and suppressed true\n"
    "\n" FETCH_USAGE "\n"
    "Exit status: 0 done, 1 failed (unreachable, refused, ...), 2 bad usage.\n";

enum { PATH_MAX_LEN = 160 };

typedef struct {
    grid_t *g;
    bool csv;
    bool dry;      /* the first pass: only the dimension columns */
    bool interval; /* some figure has low and high */
} flat_t;

static bool
is_figure(const json_t *o)
{
    return json_object_get(o, "count") != NULL || json_object_get(o, "value") != NULL ||
           json_object_get(o, "suppressed") != NULL;
}

static bool
is_measure(const char *key)
{
    return strcmp(key, "count") == 0 || strcmp(key, "value") == 0 || strcmp(key, "lo") == 0 ||
           strcmp(key, "hi") == 0;
}

/* dims with obj's string members added (but the reason for a suppression). */
static json_t *
with_dims(const json_t *dims, const json_t *obj)
{
    json_t *d = json_copy((json_t *)dims);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (json_is_string(v) && strcmp(k, "reason") != 0)
            json_object_set(d, k, v);
    }
    return d;
}

static void
emit(flat_t *f, const char *path, const json_t *dims, const json_t *fig, const json_t *number)
{
    const char *k;
    json_t *v;
    char buf[GRID_CELL_MAX];
    if (f->dry) {
        json_object_foreach((json_t *)dims, k, v)
        {
            /* room for value, low, high and suppressed after them; a
             * dimension beyond that is in --json only */
            if (grid_columns(f->g) < GRID_COLS_MAX - 4)
                grid_column(f->g, k, COL_TEXT);
        }
        if (fig != NULL && json_object_get(fig, "lo") != NULL)
            f->interval = true;
        return;
    }
    grid_row(f->g);
    grid_put(f->g, "figure", COL_TEXT, path);
    json_object_foreach((json_t *)dims, k, v)
    {
        grid_set(f->g, grid_find(f->g, k), json_string_value(v));
    }
    bool suppressed = fig != NULL && json_is_true(json_object_get(fig, "suppressed"));
    const json_t *value = number;
    if (fig != NULL)
        value = json_object_get(fig, "count") ? json_object_get(fig, "count")
                                              : json_object_get(fig, "value");
    if (suppressed)
        grid_put(f->g, "value", COL_INT, f->csv ? NULL : "suppressed");
    else
        grid_put(f->g, "value", COL_INT, grid_scalar(value, buf, sizeof(buf)));
    if (f->interval && fig != NULL) {
        grid_put(f->g, "low", COL_INT, grid_scalar(json_object_get(fig, "lo"), buf, sizeof(buf)));
        grid_put(f->g, "high", COL_INT, grid_scalar(json_object_get(fig, "hi"), buf, sizeof(buf)));
    }
    if (f->csv)
        grid_put(f->g, "suppressed", COL_TEXT, suppressed ? "true" : "false");
}

/* Every figure in v: an object with a count or value (or suppressed), or a
 * number; array elements add their strings to the dimensions. */
static void
walk(flat_t *f, const json_t *v, const char *path, const json_t *dims, bool element)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach((json_t *)v, i, e) walk(f, e, path, dims, true);
        return;
    }
    if (json_is_number(v)) {
        emit(f, path, dims, NULL, v);
        return;
    }
    if (!json_is_object(v))
        return;
    bool figure = is_figure(v);
    json_t *mine = figure || element ? with_dims(dims, v) : json_copy((json_t *)dims);
    if (figure)
        emit(f, path, mine, v, NULL);
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)v, k, m)
    {
        if (strcmp(k, "disclosure") == 0 || strcmp(k, "freshness") == 0 ||
            (figure && is_measure(k)) ||
            !(json_is_object(m) || json_is_array(m) || json_is_number(m)))
            continue;
        char child[PATH_MAX_LEN];
        snprintf(child, sizeof(child), "%s%s%s", path, *path ? "." : "", k);
        walk(f, m, child, mine, false);
    }
    json_decref(mine);
}

void
stats_flatten(const json_t *answer, grid_t *g, bool csv)
{
    flat_t f = {g, csv, true, false};
    json_t *none = json_object();
    grid_column(g, "figure", COL_TEXT);
    walk(&f, answer, "", none, false);
    grid_column(g, "value", COL_INT);
    if (f.interval) {
        grid_column(g, "low", COL_INT);
        grid_column(g, "high", COL_INT);
    }
    if (csv)
        grid_column(g, "suppressed", COL_TEXT);
    f.dry = false;
    walk(&f, answer, "", none, false);
    json_decref(none);
}

/* Codes separated by commas: letters, digits, _ and -. */
static bool
code_list(const char *s)
{
    return s == NULL ||
           (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-,") == strlen(s));
}

int
stats_cmd(ctl_t *ctl, int argc, char **argv)
{
    (void)ctl; /* the API's, not the database's */
    const char *kind = NULL, *from = NULL, *to = NULL, *area = NULL, *strand = NULL, *ethnic = NULL,
               *group = NULL, *scope = NULL;
    bool json = false, csv = false;
    fetch_opts_t fo = {0};
    static const char *const kinds[] = {"reports",   "rates",    "repeat",
                                        "referrals", "outcomes", NULL};
    static const char *const scopes[] = {"own", "partnership", "joint", NULL};
    arg_t args[10 + FETCH_ARGS] = {
        {.name = "KIND", .type = ARG_CHOICE, .choices = kinds, .value = &kind},
        {.name = "--from", .type = ARG_TEXT, .min = 4, .max = 7, .value = &from},
        {.name = "--to", .type = ARG_TEXT, .min = 4, .max = 7, .value = &to},
        {.name = "--area", .type = ARG_TEXT, .min = 1, .max = 1000, .value = &area},
        {.name = "--strand", .type = ARG_TEXT, .min = 1, .max = 200, .value = &strand},
        {.name = "--ethnic-group", .type = ARG_TEXT, .min = 1, .max = 1000, .value = &ethnic},
        {.name = "--group-by", .type = ARG_TEXT, .min = 1, .max = 200, .value = &group},
        {.name = "--scope", .type = ARG_CHOICE, .choices = scopes, .value = &scope},
        {.name = "--json", .type = ARG_FLAG, .flag = &json},
        {.name = "--csv", .type = ARG_FLAG, .flag = &csv},
    };
    fetch_args(&fo, args + 10);
    const arg_spec_t spec = {stats_usage, args, 10 + FETCH_ARGS};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;
    period_t p;
    if (json && csv)
        return args_usage_error(&spec, "--json and --csv exclude each other");
    if ((from != NULL && !period_parse(from, &p)) || (to != NULL && !period_parse(to, &p)))
        return args_usage_error(&spec, "--from and --to are YYYY, YYYY-Qn or YYYY-MM");
    if (!code_list(area) || !code_list(strand) || !code_list(ethnic) || !code_list(group))
        return args_usage_error(&spec, "--area, --strand, --ethnic-group and --group-by are "
                                       "codes separated by commas");
    if (scope != NULL && strcmp(scope, "partnership") == 0)
        scope = "joint";

    char path[FETCH_PATH_MAX];
    snprintf(path, sizeof(path), "/v1/stats/%s", kind);
    if (!fetch_query(path, sizeof(path), "from", from) ||
        !fetch_query(path, sizeof(path), "to", to) ||
        !fetch_query(path, sizeof(path), "area", area) ||
        !fetch_query(path, sizeof(path), "strand", strand) ||
        !fetch_query(path, sizeof(path), "ethnic_group", ethnic) ||
        !fetch_query(path, sizeof(path), "group", group) ||
        !fetch_query(path, sizeof(path), "scope", scope))
        return args_usage_error(&spec, "the filters are too long");

    remote_t *r = fetch_open(&fo);
    if (r == NULL)
        return CTL_FAIL;
    json_t *answer = fetch_json(r, path, "the role read (or public)");
    remote_free(r);
    if (answer == NULL)
        return CTL_FAIL;
    if (json) {
        rc = fetch_print_json(answer);
        json_decref(answer);
        return rc;
    }
    grid_t *g = grid_new();
    stats_flatten(answer, g, csv);
    rc = grid_print(g, csv ? GRID_CSV : GRID_TEXT);
    grid_free(g);
    const char *rule =
        json_string_value(json_object_get(json_object_get(answer, "disclosure"), "rule"));
    const char *fresh =
        json_string_value(json_object_get(json_object_get(answer, "freshness"), "refreshed_at"));
    if (!csv && rc == CTL_OK) {
        if (rule != NULL) {
            fputs("Disclosure: ", stdout);
            grid_line_text(stdout, rule);
            fputc('\n', stdout);
        }
        if (fresh != NULL) {
            fputs("Figures as of ", stdout);
            grid_line_text(stdout, fresh);
            fputs(".\n", stdout);
        }
    }
    json_decref(answer);
    return rc;
}
