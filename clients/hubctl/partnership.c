/* partnership.c: hubctl partnership add | list. */
#include <stdio.h>

#include "args.h"
#include "conn.h"
#include "hubctl.h"
#include "table.h"

int
partnership_add_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *name = NULL, *isa = NULL, *basis = NULL, *months = NULL;
    const arg_t args[] = {
        {.name = "NAME", .type = ARG_TEXT, .min = 1, .max = 200, .value = &name},
        {.name = "--isa-ref",
         .type = ARG_TEXT,
         .required = true,
         .min = 1,
         .max = 100,
         .value = &isa},
        {.name = "--lawful-basis",
         .type = ARG_TEXT,
         .required = true,
         .min = 1,
         .max = 300,
         .value = &basis},
        {.name = "--retention-months",
         .type = ARG_INT,
         .required = true,
         .min = 1,
         .max = 1200,
         .value = &months},
    };
    const arg_spec_t spec = {
        "Usage: hubctl partnership add NAME --isa-ref REF --lawful-basis TEXT\n"
        "                              --retention-months N\n"
        "\n"
        "Creates a partnership and prints its id.\n"
        "\n"
        "  NAME                    1-200 characters, unique\n"
        "  --isa-ref REF           the information sharing agreement (1-100 characters)\n"
        "  --lawful-basis TEXT     the lawful basis for sharing (1-300 characters)\n"
        "  --retention-months N    how long data is kept, 1-1200 months\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {name, isa, basis, months};
    PGresult *res = conn_try(ctl->conn,
                             "INSERT INTO hub.partnership (name, isa_reference, lawful_basis, "
                             "retention_months) VALUES ($1, $2, $3, $4::integer) "
                             "RETURNING partnership_id",
                             4, params);
    if (conn_failed_with(res, SQLSTATE_UNIQUE_VIOLATION)) {
        PQclear(res);
        ctl_error("a partnership named \"%s\" already exists", name);
        return CTL_FAIL;
    }
    if (!conn_ok(res)) {
        conn_report(ctl->conn, res, "cannot add the partnership");
        return CTL_FAIL;
    }
    printf("%s\n", PQgetvalue(res, 0, 0));
    PQclear(res);
    return CTL_OK;
}

int
partnership_list_cmd(ctl_t *ctl, int argc, char **argv)
{
    bool json = false;
    const arg_t args[] = {{.name = "--json", .type = ARG_FLAG, .flag = &json}};
    const arg_spec_t spec = {"Usage: hubctl partnership list [--json]\n"
                             "\n"
                             "Lists the partnerships, as text or (--json) a JSON array.\n",
                             args, ARRAY_LEN(args)};
    static const column_t cols[] = {
        {"ID", "partnership_id", COL_INT},
        {"NAME", "name", COL_TEXT},
        {"ISA", "isa_reference", COL_TEXT},
        {NULL, "lawful_basis", COL_TEXT},
        {"RETENTION_MONTHS", "retention_months", COL_INT},
        {"PARTNERS", "partners", COL_INT},
        {"CREATED", "created_at", COL_TEXT},
    };
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    PGresult *res = conn_exec(
        ctl->conn, "cannot list the partnerships",
        "SELECT ps.partnership_id, ps.name, ps.isa_reference, ps.lawful_basis, "
        "       ps.retention_months, "
        "       (SELECT count(*) FROM hub.partner p WHERE p.partnership_id = ps.partnership_id), "
        "       " SQL_UTC("ps.created_at") " FROM hub.partnership ps ORDER BY ps.partnership_id",
        0, NULL);
    if (res == NULL)
        return CTL_FAIL;
    return table_list(res, cols, ARRAY_LEN(cols), json);
}
