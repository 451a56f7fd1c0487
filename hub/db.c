#include "db.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Statements are prepared once per connection and named after their slot.
 * They are identified by the address of their SQL text: every statement
 * the hub runs is a string constant, so the set is small and fixed. */
#define DB_PREPARED_MAX 128
#define DB_PREPARE_MIN_LEN 16 /* BEGIN, COMMIT: nothing to gain */

struct db {
    const char *prepared[DB_PREPARED_MAX];
    int nprepared;
    char *conninfo;
    char options[192];
    int retry_ms;
    PGconn *conn;
    int64_t next_attempt_us;
    _Atomic unsigned long errors;              /* read by the metrics page on any worker */
    enum { DB_UNKNOWN, DB_UP, DB_DOWN } state; /* to log changes only */
};

db_t *
db_new(const char *conninfo, int statement_timeout_ms, int retry_ms)
{
    db_t *db = xcalloc(1, sizeof(*db));
    db->conninfo = xstrdup(conninfo);
    db->retry_ms = retry_ms;
    /* Server-side limits on every session: a runaway statement or an
     * abandoned transaction cannot hold a worker or locks for long. No
     * JIT: hubd's statements are short, and compiling them cost more than
     * it saved (a one-report batch took 140 ms with it, 10 ms without).
     * synchronous_commit on whatever the server's default: hubd answers
     * 200/201 after COMMIT, and that answer promises the report survives a
     * crash of PostgreSQL; with it off, commits still in the WAL buffers
     * are lost on a crash (test_durability lost 1-2 of ~350). */
    snprintf(db->options, sizeof(db->options),
             "-c statement_timeout=%d -c idle_in_transaction_session_timeout=%d -c jit=off "
             "-c synchronous_commit=on",
             statement_timeout_ms, statement_timeout_ms * 2);
    return db;
}

void
db_free(db_t *db)
{
    if (db == NULL)
        return;
    PQfinish(db->conn);
    free(db->conninfo);
    free(db);
}

/* Our keywords come after the expanded conninfo so they take precedence. */
static PGconn *
connect_with(const char *conninfo, const char *options)
{
    const char *keys[] = {"dbname", "application_name", "connect_timeout", "options", NULL};
    const char *vals[] = {conninfo, "hubd", "2", options, NULL};
    if (options == NULL)
        keys[3] = NULL;
    return PQconnectdbParams(keys, vals, 1);
}

PGconn *
db_connect_once(const char *conninfo, char *err, size_t errlen)
{
    PGconn *c = connect_with(conninfo, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "database connection failed: %s", PQerrorMessage(c));
        err[strcspn(err, "\n")] = '\0';
        PQfinish(c);
        return NULL;
    }
    return c;
}

static void
mark_down(db_t *db, const char *why)
{
    db->errors++;
    if (db->state != DB_DOWN) {
        char esc[256];
        log_error("database unavailable", "\"reason\":\"%s\"", log_escape(why, esc, sizeof(esc)));
    }
    db->state = DB_DOWN;
    PQfinish(db->conn);
    db->conn = NULL;
    db->nprepared = 0; /* they lived in the old session */
    db->next_attempt_us = now_usec() + (int64_t)db->retry_ms * 1000;
}

/* hubd must be subject to row-level security: a superuser, a BYPASSRLS
 * role or the tables' owner (whose policies see everything) is refused, so
 * a misconfigured HUB_DB fails closed instead of leaking across partners. */
static bool
role_is_unprivileged(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT NOT (rolsuper OR rolbypassrls) AND NOT EXISTS ("
                            " SELECT FROM pg_class t WHERE t.relnamespace = 'hub'::regnamespace"
                            " AND pg_has_role(t.relowner, 'MEMBER'))"
                            " FROM pg_roles WHERE rolname = current_user");
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
              strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return ok;
}

PGconn *
db_conn(db_t *db)
{
    if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
        return db->conn;
    if (db->conn != NULL) {
        mark_down(db, PQerrorMessage(db->conn));
    }
    if (now_usec() < db->next_attempt_us)
        return NULL;
    db->conn = connect_with(db->conninfo, db->options);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", PQerrorMessage(db->conn));
        why[strcspn(why, "\n")] = '\0';
        mark_down(db, why);
        return NULL;
    }
    if (!role_is_unprivileged(db->conn)) {
        mark_down(db, "refusing a role that owns hub tables or bypasses row-level security");
        return NULL;
    }
    if (db->state != DB_UP)
        log_info("database connected", NULL);
    db->state = DB_UP;
    return db->conn;
}

void
db_ensure_idle(db_t *db)
{
    if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
        PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        return;
    /* A request that ended mid-transaction must not leak it to the next. */
    PGresult *r = PQexec(db->conn, "ROLLBACK");
    PQclear(r);
    if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        mark_down(db, "connection not idle after rollback");
}

PGresult *
db_exec(db_t *db, const char *sql, int nparams, const char *const *params)
{
    PGconn *c = db_conn(db);
    if (c == NULL)
        return NULL;
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char esc[256];
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    log_error("database statement failed", "\"sqlstate\":\"%s\",\"error\":\"%s\"",
              state ? state : "", log_escape(PQresultErrorMessage(r), esc, sizeof(esc)));
    PQclear(r);
    if (PQstatus(c) != CONNECTION_OK)
        mark_down(db, "connection lost");
    else
        db->errors++;
    return NULL;
}

static void
log_failure(const PGresult *r, char sqlstate[6])
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(sqlstate, 6, "%s", state ? state : "XX000");
    char esc[256];
    /* Constraint and privilege failures are the caller's doing, not ours. */
    log_write(sqlstate[0] == '2' || sqlstate[0] == '4' ? LOG_INFO : LOG_ERROR,
              "database statement failed", "\"sqlstate\":\"%s\",\"error\":\"%s\"", sqlstate,
              log_escape(PQresultErrorMessage(r), esc, sizeof(esc)));
}

/* The prepared slot of sql, or -1 when it is not prepared (yet). */
static int
prepared_slot(const db_t *db, const char *sql)
{
    for (int i = 0; i < db->nprepared; i++)
        if (db->prepared[i] == sql)
            return i;
    return -1;
}

bool
db_pipeline(db_t *db, const db_stmt_t *stmts, int n, PGresult **results, char sqlstate[6])
{
    enum { RUN, PREPARE_AND_RUN, UNNAMED } how[16];
    char name[16];
    hub_assert(n <= 16);
    snprintf(sqlstate, 6, "08006");
    for (int i = 0; i < n; i++)
        results[i] = NULL;
    PGconn *c = db_conn(db);
    if (c == NULL)
        return false;
    if (PQenterPipelineMode(c) != 1)
        goto broken;
    int pending = db->nprepared; /* slots this pipeline would fill */
    for (int i = 0; i < n; i++) {
        const db_stmt_t *st = &stmts[i];
        int slot = prepared_slot(db, st->sql);
        for (int j = db->nprepared; slot < 0 && j < pending; j++)
            if (db->prepared[j] == st->sql)
                slot = j; /* the same statement twice in one pipeline */
        if (slot >= 0) {
            how[i] = RUN;
        } else if (strlen(st->sql) >= DB_PREPARE_MIN_LEN && pending < DB_PREPARED_MAX) {
            slot = pending;
            db->prepared[pending++] = st->sql;
            how[i] = PREPARE_AND_RUN;
        } else {
            how[i] = UNNAMED;
        }
        int ok = 1;
        snprintf(name, sizeof(name), "hub%d", slot);
        if (how[i] == PREPARE_AND_RUN)
            ok = PQsendPrepare(c, name, st->sql, st->nparams, NULL);
        if (ok && how[i] == UNNAMED)
            ok = PQsendQueryParams(c, st->sql, st->nparams, NULL, st->params, NULL, NULL, 0);
        else if (ok)
            ok = PQsendQueryPrepared(c, name, st->nparams, st->params, NULL, NULL, 0);
        if (ok != 1)
            goto broken;
    }
    if (PQpipelineSync(c) != 1)
        goto broken;
    bool ok = true;
    int prepared_ok = db->nprepared;
    for (int i = 0; i < n; i++) {
        if (how[i] == PREPARE_AND_RUN) {
            PGresult *p = PQgetResult(c);
            if (p == NULL)
                goto broken;
            if (PQresultStatus(p) == PGRES_COMMAND_OK && ok)
                prepared_ok++; /* slots fill in order, so this one is next */
            else if (PQresultStatus(p) != PGRES_PIPELINE_ABORTED && ok) {
                log_failure(p, sqlstate);
                ok = false;
            }
            PQclear(p);
            while ((p = PQgetResult(c)) != NULL)
                PQclear(p);
        }
        PGresult *r = PQgetResult(c);
        if (r == NULL)
            goto broken;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            results[i] = r;
        } else {
            if (ok && st != PGRES_PIPELINE_ABORTED)
                log_failure(r, sqlstate);
            ok = false;
            PQclear(r);
        }
        /* Each statement's results end with a NULL. */
        while ((r = PQgetResult(c)) != NULL)
            PQclear(r);
    }
    /* Keep only the slots whose Prepare succeeded (a prefix, in order). */
    db->nprepared = prepared_ok;
    PGresult *sync = PQgetResult(c);
    bool synced = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced || PQexitPipelineMode(c) != 1)
        goto broken;
    if (!ok) {
        db->errors++;
        for (int i = 0; i < n; i++) {
            PQclear(results[i]);
            results[i] = NULL;
        }
    }
    return ok;
broken:
    for (int i = 0; i < n; i++) {
        PQclear(results[i]);
        results[i] = NULL;
    }
    snprintf(sqlstate, 6, "08006");
    mark_down(db, "pipeline failed: connection lost");
    return false;
}

void
db_array_init(db_array_t *a)
{
    a->cap = 256;
    a->text = xmalloc(a->cap);
    a->text[0] = '{';
    a->len = 1;
    a->n = 0;
}

static void
array_put(db_array_t *a, char c)
{
    if (a->len + 2 >= a->cap) { /* room for the closing brace and NUL */
        a->cap *= 2;
        a->text = xrealloc(a->text, a->cap);
    }
    a->text[a->len++] = c;
}

void
db_array_add(db_array_t *a, const char *value)
{
    if (a->n++ > 0)
        array_put(a, ',');
    if (value == NULL) {
        for (const char *p = "NULL"; *p; p++)
            array_put(a, *p);
        return;
    }
    array_put(a, '"');
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            array_put(a, '\\');
        array_put(a, *p);
    }
    array_put(a, '"');
}

const char *
db_array_text(db_array_t *a)
{
    a->text[a->len] = '}';
    a->text[a->len + 1] = '\0';
    return a->text;
}

void
db_array_free(db_array_t *a)
{
    free(a->text);
    a->text = NULL;
}

unsigned long
db_error_count(const db_t *db)
{
    return db->errors;
}
