/* hubctl: administration of the Partnership Data Hub on its database, and
 * the partner's client of its API (hubctl submit).
 *
 * hubctl [--db CONNINFO] GROUP VERB [ARGS…]: the global options, then one
 * command from the table below (submit has no verb); each command parses
 * its own arguments (args.h) before anything connects, so --help works
 * without a database or a hub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/db.h"
#include "conn.h"
#include "hubctl.h"
#include "read.h"
#include "retention.h"

static const struct {
    const char *group, *verb;
    ctl_command_fn run;
    const char *synopsis;
} commands[] = {
    {"partnership", "add", partnership_add_cmd,
     "NAME --isa-ref REF --lawful-basis TEXT --retention-months N"},
    {"partnership", "list", partnership_list_cmd, "[--json]"},
    {"partner", "add", partner_add_cmd, "--partnership ID --kind KIND NAME"},
    {"partner", "list", partner_list_cmd, "[--partnership ID] [--json]"},
    {"partner", "disable", partner_disable_cmd, "ID"},
    {"partner", "enable", partner_enable_cmd, "ID"},
    {"token", "issue", token_issue_cmd,
     "(--partner ID | --public --partnership ID) --roles ROLES [--label TEXT] [--expires-days N]"},
    {"token", "list", token_list_cmd, "[--partner ID] [--partnership ID] [--json]"},
    {"token", "revoke", token_revoke_cmd, "ID"},
    {"cert", "register", cert_register_cmd, "--partner ID --roles ROLES FILE.pem [--label TEXT]"},
    {"cert", "list", cert_list_cmd, "[--partner ID] [--partnership ID] [--json]"},
    {"cert", "revoke", cert_revoke_cmd, "ID"},
    {"credential", "list", credential_list_cmd,
     "[--kind token|certificate] [--partner ID] [--partnership ID] [--json]"},
    {"audit", "seal", audit_seal_cmd, "[--max N]"},
    {"audit", "verify", audit_verify_cmd, "[--partnership ID]"},
    {"retention", "run", retention_run_cmd, "[--partnership ID] [--dry-run]"},
    {"population", "load", population_load_cmd, "FILE.csv"},
    {"population", "summary", population_summary_cmd, "[--json]"},
    {"submit", NULL, submit_cmd,
     "FILE [--url URL] [--ca FILE] [--token TOKEN | --cert FILE --key FILE] [--batch N]\n"
     "         [--mapping FILE] [--link-key FILE --identity-columns LIST]\n"
     "         [--postcode-lookup FILE] [--dry-run] [--rejects FILE] ..."},
    {"stats", NULL, stats_cmd,
     "reports|rates|repeat|referrals|outcomes [--from P --to P] [--area A,...]\n"
     "         [--strand S] [--group-by G,...] [--scope own|partnership] [--json|--csv] ..."},
    {"targets", NULL, targets_cmd, "[ID] [--json|--csv] ..."},
    {"referrals", NULL, referrals_cmd, "[--direction in|out] [--status S] [--json|--csv] ..."},
    {"report", NULL, report_cmd, "[--period YYYY-MM|YYYY-Qn|YYYY] [--out FILE] [--pdf] ..."},
};

/* The synopses of every command, or of one group's (group NULL: all). */
static void
list_commands(FILE *out, const char *group)
{
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (group == NULL || strcmp(commands[i].group, group) == 0)
            fprintf(out, "  hubctl %s%s%s %s\n", commands[i].group, commands[i].verb ? " " : "",
                    commands[i].verb ? commands[i].verb : "", commands[i].synopsis);
}

static void
usage(FILE *out)
{
    fputs("Usage: hubctl [--db CONNINFO] COMMAND [ARGS...]\n"
          "\n"
          "Administers the Partnership Data Hub directly on its database, as the owner\n"
          "role (hub_owner). CONNINFO is a libpq keyword conninfo; the default is the\n"
          "environment variable HUB_DB. submit, stats, targets, referrals and report are\n"
          "a partner's commands instead: they speak to the hub's API over HTTPS (HUB_URL,\n"
          "HUB_CA, HUB_TOKEN or HUB_CERT and HUB_KEY).\n"
          "\n"
          "Commands:\n",
          out);
    list_commands(out, NULL);
    fputs("\n"
          "ROLES is a comma-separated list of submit, read, coordinate (or public for\n"
          "a public token). KIND is police, council, health, housing, education,\n"
          "community or other. FILE.csv of population load holds Census 2021 counts:\n"
          "area,ethnic_group,count per line. \"hubctl COMMAND --help\" describes a\n"
          "command.\n"
          "\n"
          "Exit status: 0 done, 1 failed (or a broken audit chain), 2 bad usage (or, for\n"
          "submit, some rows refused), 3 report --pdf without a PDF converter.\n",
          out);
}

bool
ctl_connect(ctl_t *ctl)
{
    if (ctl->conninfo == NULL || *ctl->conninfo == '\0') {
        ctl_error("no database: set HUB_DB or pass --db CONNINFO (the owner role's conninfo)");
        return false;
    }
    char err[512];
    ctl->conn = db_connect_once(ctl->conninfo, err, sizeof(err));
    if (ctl->conn == NULL) {
        ctl_error("%s", err);
        return false;
    }
    /* Row-level security shows the owner everything through its owner_all
     * policies; any other role would see (and change) nothing, silently. */
    PGresult *res =
        conn_exec(ctl->conn, "checking the database role",
                  "SELECT current_user::text,"
                  "       EXISTS (SELECT FROM pg_roles r WHERE r.rolname = 'hub_owner'"
                  "                  AND pg_has_role(r.oid, 'MEMBER'))"
                  "       OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
                  "       set_config('application_name', 'hubctl', false)",
                  0, NULL);
    if (res == NULL)
        return false;
    bool owner = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    if (!owner)
        ctl_error("connected as %s, which is not hub_owner: give the owner's conninfo in HUB_DB "
                  "or --db",
                  PQgetvalue(res, 0, 0));
    PQclear(res);
    return owner;
}

bool
ctl_start(ctl_t *ctl, const arg_spec_t *spec, int argc, char **argv, int *exit_code)
{
    if (!args_parse(spec, argc, argv, exit_code))
        return false;
    *exit_code = CTL_FAIL;
    return ctl_connect(ctl);
}

int
main(int argc, char **argv)
{
    ctl_t ctl = {.conninfo = getenv("HUB_DB")};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CTL_OK;
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            ctl.conninfo = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            ctl.conninfo = argv[i] + 5;
        } else {
            ctl_error("%s", strcmp(argv[i], "--db") == 0 ? "--db needs a value"
                                                         : "unknown option before the command");
            usage(stderr);
            return CTL_USAGE;
        }
    }
    if (i == argc) {
        ctl_error("no command given");
        usage(stderr);
        return CTL_USAGE;
    }

    const char *group = argv[i], *verb = i + 1 < argc ? argv[i + 1] : NULL;
    bool group_known = false;
    for (size_t k = 0; k < ARRAY_LEN(commands); k++) {
        if (strcmp(commands[k].group, group) != 0)
            continue;
        group_known = true;
        if (commands[k].verb == NULL) { /* a command of one word: its arguments follow */
            int rc = commands[k].run(&ctl, argc - i, argv + i);
            PQfinish(ctl.conn);
            return rc;
        }
        if (verb != NULL && strcmp(commands[k].verb, verb) == 0) {
            int rc = commands[k].run(&ctl, argc - i - 1, argv + i + 1);
            PQfinish(ctl.conn);
            return rc;
        }
    }
    if (!group_known) {
        ctl_error("unknown command \"%s\"", group);
        usage(stderr);
        return CTL_USAGE;
    }
    if (verb != NULL && (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)) {
        printf("Usage:\n");
        list_commands(stdout, group);
        printf("\"hubctl %s VERB --help\" describes one of them.\n", group);
        return CTL_OK;
    }
    if (verb == NULL)
        ctl_error("\"%s\" needs a verb", group);
    else
        ctl_error("unknown command \"%s %s\"", group, verb);
    fprintf(stderr, "Usage:\n");
    list_commands(stderr, group);
    return CTL_USAGE;
}
