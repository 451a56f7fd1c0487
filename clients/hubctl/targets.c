/* hubctl targets [ID]: the partnership's joint targets with their progress
 * (GET /v1/targets), or one target's definition and series. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "read.h"

static const char targets_usage[] =
    "Usage: hubctl targets [ID] [--json | --csv] [connection options]\n"
    "\n"
    "Without ID, the partnership's current targets (GET /v1/targets): id, title,\n"
    "metric, status, current value, expected value on the trajectory, progress %,\n"
    "due date and the lead partner's id. With ID (or --id ID), that target's\n"
    "definition, then its series: each review period's value, or suppressed\n"
    "(disclosure control), or no value and why. Any partner credential reads them\n"
    "(a public one: 403).\n"
    "\n"
    "  --json                 the hub's answer as it is (indented)\n"
    "  --csv                  RFC 4180 with a header: the list, or the series; a\n"
    "                         suppressed value is empty with suppressed true\n"
    "\n" FETCH_USAGE "\n"
    "Exit status: 0 done, 1 failed (unreachable, refused, not found ...), 2 bad usage.\n";

static const char *
member_text(const json_t *o, const char *key, char *buf, size_t len)
{
    return grid_scalar(json_object_get(o, key), buf, len);
}

/* A figure's value, "suppressed", or "no value (reason)"; NULL: none. */
static const char *
figure_text(const json_t *fig, bool csv, char *buf, size_t len)
{
    if (json_is_true(json_object_get(fig, "suppressed")))
        return csv ? NULL : "suppressed";
    if (json_is_true(json_object_get(fig, "no_value"))) {
        if (csv)
            return NULL;
        const char *reason = json_string_value(json_object_get(fig, "reason"));
        snprintf(buf, len, "no value (%s)", reason ? reason : "unknown");
        return buf;
    }
    return member_text(fig, "value", buf, len);
}

/* The list's columns, in order, whether or not there are rows. */
static void
list_columns(grid_t *g, bool csv)
{
    static const struct {
        const char *heading;
        col_type_t type;
        bool csv_only;
    } cols[] = {
        {"id", COL_INT, false},           {"title", COL_TEXT, false},
        {"metric", COL_TEXT, false},      {"status", COL_TEXT, false},
        {"current", COL_INT, false},      {"current_suppressed", COL_TEXT, true},
        {"period", COL_TEXT, false},      {"expected", COL_INT, false},
        {"progress_pct", COL_INT, false}, {"due", COL_TEXT, false},
        {"lead", COL_INT, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cols); i++)
        if (csv || !cols[i].csv_only)
            grid_column(g, cols[i].heading, cols[i].type);
}

static void
list_row(grid_t *g, const json_t *t, bool csv)
{
    char buf[GRID_CELL_MAX];
    const json_t *pr = json_object_get(t, "progress"), *cur = json_object_get(pr, "current");
    grid_row(g);
    grid_put(g, "id", COL_INT, member_text(t, "id", buf, sizeof(buf)));
    grid_put(g, "title", COL_TEXT, member_text(t, "title", buf, sizeof(buf)));
    grid_put(g, "metric", COL_TEXT, member_text(t, "metric", buf, sizeof(buf)));
    grid_put(g, "status", COL_TEXT, member_text(pr, "status", buf, sizeof(buf)));
    grid_put(g, "current", COL_INT, cur ? figure_text(cur, csv, buf, sizeof(buf)) : NULL);
    if (csv)
        grid_put(g, "current_suppressed", COL_TEXT,
                 json_is_true(json_object_get(cur, "suppressed")) ? "true" : "false");
    grid_put(g, "period", COL_TEXT, member_text(cur, "period", buf, sizeof(buf)));
    grid_put(g, "expected", COL_INT, member_text(pr, "expected_value", buf, sizeof(buf)));
    grid_put(g, "progress_pct", COL_INT, member_text(pr, "progress_pct", buf, sizeof(buf)));
    grid_put(g, "due", COL_TEXT,
             member_text(json_object_get(t, "target"), "due", buf, sizeof(buf)));
    grid_put(g, "lead", COL_INT,
             member_text(json_object_get(t, "owners"), "lead", buf, sizeof(buf)));
}

/* One line "name: value" of a definition; a JSON value compact. */
static void
definition_line(const char *name, const json_t *v)
{
    char buf[GRID_CELL_MAX];
    const char *s = grid_scalar(v, buf, sizeof(buf));
    char *dumped =
        s == NULL && v != NULL ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    printf("%-12s ", name);
    grid_line_text(stdout, s ? s : dumped ? dumped : "-");
    putchar('\n');
    free(dumped);
}

static int
print_one(const json_t *t, bool csv)
{
    const json_t *pr = json_object_get(t, "progress");
    if (!csv) {
        static const char *const keys[] = {"id",      "version",   "title",     "metric",
                                           "filters", "direction", "baseline",  "target",
                                           "owners",  "review",    "tolerance", "state"};
        for (size_t i = 0; i < ARRAY_LEN(keys); i++)
            if (json_object_get(t, keys[i]) != NULL)
                definition_line(keys[i], json_object_get(t, keys[i]));
        definition_line("status", json_object_get(pr, "status"));
        definition_line("as_of", json_object_get(pr, "as_of"));
        definition_line("progress %", json_object_get(pr, "progress_pct"));
        definition_line("expected %", json_object_get(pr, "expected_progress_pct"));
        definition_line("expected", json_object_get(pr, "expected_value"));
        putchar('\n');
    }
    grid_t *g = grid_new();
    char buf[GRID_CELL_MAX];
    size_t i;
    json_t *fig;
    grid_column(g, "period", COL_TEXT);
    grid_column(g, "start", COL_TEXT);
    grid_column(g, "end", COL_TEXT);
    grid_column(g, "value", COL_INT);
    json_array_foreach(json_object_get(pr, "series"), i, fig)
    {
        grid_row(g);
        grid_put(g, "period", COL_TEXT, member_text(fig, "period", buf, sizeof(buf)));
        grid_put(g, "start", COL_TEXT, member_text(fig, "start", buf, sizeof(buf)));
        grid_put(g, "end", COL_TEXT, member_text(fig, "end", buf, sizeof(buf)));
        grid_put(g, "value", COL_INT, figure_text(fig, csv, buf, sizeof(buf)));
        if (csv) {
            grid_put(g, "suppressed", COL_TEXT,
                     json_is_true(json_object_get(fig, "suppressed")) ? "true" : "false");
            grid_put(g, "no_value_reason", COL_TEXT, member_text(fig, "reason", buf, sizeof(buf)));
        }
    }
    int rc = grid_print(g, csv ? GRID_CSV : GRID_TEXT);
    grid_free(g);
    return rc;
}

int
targets_cmd(ctl_t *ctl, int argc, char **argv)
{
    (void)ctl;
    const char *id = NULL;
    bool json = false, csv = false;
    fetch_opts_t fo = {0};
    arg_t args[3 + FETCH_ARGS] = {
        {.name = "--id", .type = ARG_ID, .value = &id},
        {.name = "--json", .type = ARG_FLAG, .flag = &json},
        {.name = "--csv", .type = ARG_FLAG, .flag = &csv},
    };
    fetch_args(&fo, args + 3);
    const arg_spec_t spec = {targets_usage, args, ARRAY_LEN(args)};
    /* ID is an optional operand, which args.h does not have: the first
     * operand (not an option's value) is passed on as --id ID. */
    char *shifted[argc + 2];
    int n = 0;
    bool found = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i > 0 && !found && a[0] != '-') {
            shifted[n++] = "--id";
            found = true;
        }
        shifted[n++] = argv[i];
        if (i > 0 && strncmp(a, "--", 2) == 0 && strchr(a, '=') == NULL &&
            strcmp(a, "--json") != 0 && strcmp(a, "--csv") != 0 && strcmp(a, "--help") != 0 &&
            i + 1 < argc) /* an option's value follows */
            shifted[n++] = argv[++i];
        if (strcmp(a, "--") == 0)
            found = true; /* what follows is args.h's to refuse */
    }
    shifted[n] = NULL;
    int rc;
    if (!args_parse(&spec, n, shifted, &rc))
        return rc;
    if (json && csv)
        return args_usage_error(&spec, "--json and --csv exclude each other");

    char path[FETCH_PATH_MAX];
    snprintf(path, sizeof(path), id ? "/v1/targets/%s" : "/v1/targets", id ? id : "");
    remote_t *r = fetch_open(&fo);
    if (r == NULL)
        return CTL_FAIL;
    json_t *answer = fetch_json(r, path, "a partner's credential (public ones cannot see targets)");
    remote_free(r);
    if (answer == NULL)
        return CTL_FAIL;
    if (json) {
        rc = fetch_print_json(answer);
    } else if (id != NULL) {
        rc = print_one(answer, csv);
    } else {
        grid_t *g = grid_new();
        size_t i;
        json_t *t;
        list_columns(g, csv);
        json_array_foreach(json_object_get(answer, "targets"), i, t) list_row(g, t, csv);
        rc = grid_print(g, csv ? GRID_CSV : GRID_TEXT);
        grid_free(g);
    }
    json_decref(answer);
    return rc;
}
