#include "conn.h"

#include <stdio.h>
#include <string.h>

#include "hubctl.h"

PGresult *
conn_try(PGconn *c, const char *sql, int nparams, const char *const *params)
{
    return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
}

bool
conn_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

bool
conn_failed_with(const PGresult *res, const char *sqlstate)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return !conn_ok(res) && s != NULL && strcmp(s, sqlstate) == 0;
}

void
conn_report(PGconn *c, PGresult *res, const char *doing)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (msg == NULL) /* no server error: the connection broke, or out of memory */
        msg = PQerrorMessage(c);
    ctl_error("%s: %.*s", doing, (int)strcspn(msg, "\n"), msg);
    PQclear(res);
}

PGresult *
conn_exec(PGconn *c, const char *doing, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = conn_try(c, sql, nparams, params);
    if (!conn_ok(res)) {
        conn_report(c, res, doing);
        return NULL;
    }
    return res;
}

bool
conn_run(PGconn *c, const char *sql)
{
    PGresult *res = conn_exec(c, sql, sql, 0, NULL);
    PQclear(res);
    return res != NULL;
}

void
conn_rollback(PGconn *c)
{
    if (PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
}
