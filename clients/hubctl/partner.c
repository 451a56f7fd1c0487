/* partner.c: hubctl partner add | list | disable | enable. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "conn.h"
#include "hubctl.h"
#include "table.h"

/* The kinds hub.partner accepts (its CHECK constraint). */
static const char *const partner_kinds[] = {"police",    "council",   "health", "housing",
                                            "education", "community", "other",  NULL};

int
partner_add_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *partnership = NULL, *kind = NULL, *name = NULL;
    const arg_t args[] = {
        {.name = "--partnership", .type = ARG_ID, .required = true, .value = &partnership},
        {.name = "--kind",
         .type = ARG_CHOICE,
         .required = true,
         .choices = partner_kinds,
         .value = &kind},
        {.name = "NAME", .type = ARG_TEXT, .min = 1, .max = 200, .value = &name},
    };
    const arg_spec_t spec = {
        "Usage: hubctl partner add --partnership ID --kind KIND NAME\n"
        "\n"
        "Adds a partner to a partnership and prints its id.\n"
        "\n"
        "  --partnership ID   the partnership's id\n"
        "  --kind KIND        police, council, health, housing, education, community or other\n"
        "  NAME               1-200 characters, unique within the partnership\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {partnership, name, kind};
    PGresult *res = conn_try(ctl->conn,
                             "INSERT INTO hub.partner (partnership_id, name, kind) "
                             "VALUES ($1::bigint, $2, $3) RETURNING partner_id",
                             3, params);
    if (conn_failed_with(res, SQLSTATE_FOREIGN_KEY_VIOLATION)) {
        ctl_error("no partnership %s", partnership);
    } else if (conn_failed_with(res, SQLSTATE_UNIQUE_VIOLATION)) {
        ctl_error("partnership %s already has a partner named \"%s\"", partnership, name);
    } else if (!conn_ok(res)) {
        conn_report(ctl->conn, res, "cannot add the partner");
        return CTL_FAIL;
    } else {
        printf("%s\n", PQgetvalue(res, 0, 0));
        PQclear(res);
        return CTL_OK;
    }
    PQclear(res);
    return CTL_FAIL;
}

int
partner_list_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *partnership = NULL;
    bool json = false;
    const arg_t args[] = {
        {.name = "--partnership", .type = ARG_ID, .value = &partnership},
        {.name = "--json", .type = ARG_FLAG, .flag = &json},
    };
    const arg_spec_t spec = {"Usage: hubctl partner list [--partnership ID] [--json]\n"
                             "\n"
                             "Lists the partners (of one partnership), as text or (--json) a\n"
                             "JSON array.\n",
                             args, ARRAY_LEN(args)};
    static const column_t cols[] = {
        {"ID", "partner_id", COL_INT},  {"PARTNERSHIP", "partnership_id", COL_INT},
        {"NAME", "name", COL_TEXT},     {"KIND", "kind", COL_TEXT},
        {"ACTIVE", "active", COL_BOOL}, {NULL, "created_at", COL_TEXT},
    };
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {partnership};
    PGresult *res = conn_exec(
        ctl->conn, "cannot list the partners",
        "SELECT partner_id, partnership_id, name, kind, active, "
        "       " SQL_UTC("created_at") " FROM hub.partner "
                                        " WHERE $1::bigint IS NULL OR partnership_id = $1::bigint "
                                        " ORDER BY partnership_id, partner_id",
        1, params);
    if (res == NULL)
        return CTL_FAIL;
    return table_list(res, cols, ARRAY_LEN(cols), json);
}

/* partner disable | enable ID: sets active. */
static int
partner_set_active(ctl_t *ctl, int argc, char **argv, bool active)
{
    const char *id = NULL;
    const arg_t args[] = {{.name = "ID", .type = ARG_ID, .value = &id}};
    const arg_spec_t spec = {
        active ? "Usage: hubctl partner enable ID\n"
                 "\n"
                 "Lets a disabled partner's credentials authenticate again.\n"
               : "Usage: hubctl partner disable ID\n"
                 "\n"
                 "Stops every credential of the partner from authenticating, until\n"
                 "\"hubctl partner enable ID\". Its data and credentials are kept.\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {id, active ? "true" : "false"};
    PGresult *res =
        conn_exec(ctl->conn, active ? "cannot enable the partner" : "cannot disable the partner",
                  "UPDATE hub.partner SET active = $2::boolean "
                  " WHERE partner_id = $1::bigint RETURNING partner_id",
                  2, params);
    if (res == NULL)
        return CTL_FAIL;
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found) {
        ctl_error("no partner %s", id);
        return CTL_FAIL;
    }
    printf("partner %s %s\n", id, active ? "enabled" : "disabled");
    return CTL_OK;
}

int
partner_disable_cmd(ctl_t *ctl, int argc, char **argv)
{
    return partner_set_active(ctl, argc, argv, false);
}

int
partner_enable_cmd(ctl_t *ctl, int argc, char **argv)
{
    return partner_set_active(ctl, argc, argv, true);
}
