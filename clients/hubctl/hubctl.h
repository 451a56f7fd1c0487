/* hubctl.h: what every hubctl command shares: exit codes, error output,
 * the session, and the command entry points.
 *
 * hubctl administers the hub directly on the database as the owner role
 * (hub_owner), which row-level security lets see everything through the
 * owner_all policies. Every statement is parameterised. */
#ifndef HUBCTL_H
#define HUBCTL_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "../../hub/util.h"
#include "args.h"

enum {
    CTL_OK = 0,       /* done */
    CTL_FAIL = 1,     /* a clear error on stderr, or a check failed */
    CTL_USAGE = 2,    /* bad usage; the command's usage follows the error */
    CTL_REJECTED = 2, /* hubctl submit: some rows were refused (see the rejects file) */
};

typedef struct {
    const char *conninfo; /* --db, else $HUB_DB */
    PGconn *conn;         /* NULL until ctl_connect */
} ctl_t;

/* Prints "hubctl: <message>" as one line on stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connects as the owner role; false after ctl_error. */
HUB_MUST_CHECK bool ctl_connect(ctl_t *ctl);

/* How most commands begin: args_parse, then ctl_connect. True: go on.
 * False: stop and exit with *exit_code (args_parse's, or CTL_FAIL when the
 * connection failed). */
HUB_MUST_CHECK bool ctl_start(ctl_t *ctl, const arg_spec_t *spec, int argc, char **argv,
                              int *exit_code);

/* The commands: argv[0] is the verb ("add", "list" …). Each returns an exit
 * code. */
typedef int (*ctl_command_fn)(ctl_t *ctl, int argc, char **argv);

int partnership_add_cmd(ctl_t *ctl, int argc, char **argv);
int partnership_list_cmd(ctl_t *ctl, int argc, char **argv);
int partner_add_cmd(ctl_t *ctl, int argc, char **argv);
int partner_list_cmd(ctl_t *ctl, int argc, char **argv);
int partner_disable_cmd(ctl_t *ctl, int argc, char **argv);
int partner_enable_cmd(ctl_t *ctl, int argc, char **argv);
int token_issue_cmd(ctl_t *ctl, int argc, char **argv);
int token_list_cmd(ctl_t *ctl, int argc, char **argv);
int token_revoke_cmd(ctl_t *ctl, int argc, char **argv);
int cert_register_cmd(ctl_t *ctl, int argc, char **argv);
int cert_list_cmd(ctl_t *ctl, int argc, char **argv);
int cert_revoke_cmd(ctl_t *ctl, int argc, char **argv);
int credential_list_cmd(ctl_t *ctl, int argc, char **argv);
int audit_seal_cmd(ctl_t *ctl, int argc, char **argv);
int audit_verify_cmd(ctl_t *ctl, int argc, char **argv);
int population_load_cmd(ctl_t *ctl, int argc, char **argv);
int population_summary_cmd(ctl_t *ctl, int argc, char **argv);
int submit_cmd(ctl_t *ctl, int argc, char **argv);

#endif
