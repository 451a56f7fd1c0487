/* hubctl referrals: the caller's referrals received or sent (GET
 * /v1/referrals), every page, followed by its next cursor. */
#include <stdio.h>
#include <string.h>

#include "fetch.h"
#include "read.h"

enum {
    PAGE_LIMIT = 1000,      /* the API's largest page */
    REFERRALS_MAX = 100000, /* more than this is refused: narrow with --status */
};

static const char referrals_usage[] =
    "Usage: hubctl referrals [--direction in|out] [--status open|accepted|declined]\n"
    "                        [--page-size N] [--json | --csv] [connection options]\n"
    "\n"
    "The caller's referrals (GET /v1/referrals, every page): received (in, the\n"
    "default) or sent (out); needs the role read. At most 100,000 referrals.\n"
    "\n"
    "  --page-size N          referrals per request, 1-1000 (default 1000)\n"
    "  --json                 a JSON array of the referrals as the hub gives them\n"
    "  --csv                  RFC 4180 with a header\n"
    "\n" FETCH_USAGE "\n"
    "Exit status: 0 done, 1 failed (unreachable, refused, too many ...), 2 bad usage.\n";

/* The referrals' columns: heading, the API's member, alignment. */
static const struct {
    const char *heading, *key;
    col_type_t type;
} columns[] = {
    {"id", "id", COL_INT},
    {"report", "report_id", COL_INT},
    {"from", "from_partner", COL_INT},
    {"to", "to_partner", COL_INT},
    {"reason", "reason", COL_TEXT},
    {"urgency", "urgency", COL_TEXT},
    {"status", "status", COL_TEXT},
    {"created_at", "created_at", COL_TEXT},
    {"due_on", "due_on", COL_TEXT},
    {"answered_at", "answered_at", COL_TEXT},
    {"in_time", "answered_in_time", COL_TEXT},
    {"decline_reason", "decline_reason", COL_TEXT},
};

/* Every page into all; false after ctl_error. */
static bool
fetch_all(remote_t *r, const char *direction, const char *status, const char *limit, json_t *all)
{
    long long after = 0;
    for (;;) {
        char path[FETCH_PATH_MAX], cursor[32];
        snprintf(path, sizeof(path), "/v1/referrals");
        snprintf(cursor, sizeof(cursor), "%lld", after);
        hub_assert(fetch_query(path, sizeof(path), "direction", direction) &&
                   fetch_query(path, sizeof(path), "status", status) &&
                   fetch_query(path, sizeof(path), "limit", limit) &&
                   fetch_query(path, sizeof(path), "after", cursor));
        json_t *page = fetch_json(r, path, "the role read");
        if (page == NULL)
            return false;
        json_t *items = json_object_get(page, "referrals"), *next = json_object_get(page, "next");
        if (!json_is_array(items) || !(json_is_null(next) || json_is_integer(next))) {
            ctl_error("the hub's answer to GET /v1/referrals is not a page of referrals");
            json_decref(page);
            return false;
        }
        json_array_extend(all, items);
        long long n = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(page);
        if (n == 0)
            return true;
        if (n <= after) { /* a cursor that does not move on would loop for ever */
            ctl_error("the hub's next cursor does not move on (%lld after %lld)", n, after);
            return false;
        }
        if (json_array_size(all) >= REFERRALS_MAX) {
            ctl_error("more than %d referrals: narrow the list with --status or --direction",
                      REFERRALS_MAX);
            return false;
        }
        after = n;
    }
}

int
referrals_cmd(ctl_t *ctl, int argc, char **argv)
{
    (void)ctl;
    const char *direction = NULL, *status = NULL, *page_size = NULL;
    bool json = false, csv = false;
    fetch_opts_t fo = {0};
    static const char *const directions[] = {"in", "out", NULL};
    static const char *const statuses[] = {"open", "accepted", "declined", NULL};
    arg_t args[5 + FETCH_ARGS] = {
        {.name = "--page-size", .type = ARG_INT, .min = 1, .max = PAGE_LIMIT, .value = &page_size},
        {.name = "--direction", .type = ARG_CHOICE, .choices = directions, .value = &direction},
        {.name = "--status", .type = ARG_CHOICE, .choices = statuses, .value = &status},
        {.name = "--json", .type = ARG_FLAG, .flag = &json},
        {.name = "--csv", .type = ARG_FLAG, .flag = &csv},
    };
    fetch_args(&fo, args + 5);
    const arg_spec_t spec = {referrals_usage, args, ARRAY_LEN(args)};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;
    if (json && csv)
        return args_usage_error(&spec, "--json and --csv exclude each other");

    remote_t *r = fetch_open(&fo);
    if (r == NULL)
        return CTL_FAIL;
    json_t *all = json_array();
    char limit[16];
    snprintf(limit, sizeof(limit), "%d", PAGE_LIMIT);
    bool ok = fetch_all(r, direction, status, page_size ? page_size : limit, all);
    remote_free(r);
    if (!ok) {
        json_decref(all);
        return CTL_FAIL;
    }
    if (json) {
        rc = fetch_print_json(all);
    } else {
        grid_t *g = grid_new();
        char buf[GRID_CELL_MAX];
        for (size_t c = 0; c < ARRAY_LEN(columns); c++)
            grid_column(g, columns[c].heading, columns[c].type);
        size_t i;
        json_t *ref;
        json_array_foreach(all, i, ref)
        {
            grid_row(g);
            for (size_t c = 0; c < ARRAY_LEN(columns); c++)
                grid_put(g, columns[c].heading, columns[c].type,
                         grid_scalar(json_object_get(ref, columns[c].key), buf, sizeof(buf)));
        }
        rc = grid_print(g, csv ? GRID_CSV : GRID_TEXT);
        grid_free(g);
    }
    json_decref(all);
    return rc;
}
