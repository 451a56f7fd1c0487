#include "migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "migration.h"

/* An arbitrary constant naming the hub's migration lock. */
#define MIGRATION_LOCK_KEY "7266001"

static bool
exec_ok(PGconn *c, const char *sql, int n, const char *const *params, char *err, size_t errlen)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static bool
load_applied(PGconn *c, applied_migration_t **out, size_t *n, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, "SELECT version, checksum FROM hub.schema_migrations");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
        PQclear(r);
        return false;
    }
    *n = (size_t)PQntuples(r);
    *out = xcalloc(*n + 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].version = atoi(PQgetvalue(r, (int)i, 0));
        snprintf((*out)[i].checksum, sizeof((*out)[i].checksum), "%s", PQgetvalue(r, (int)i, 1));
    }
    PQclear(r);
    return true;
}

/* The file's own statements run through the simple protocol (several
 * statements in one string); they come from the repository, never from
 * a request. */
static bool
apply_one(PGconn *c, const migration_t *m, char *err, size_t errlen)
{
    char version[8];
    snprintf(version, sizeof(version), "%d", m->version);
    const char *params[] = {version, m->name, m->checksum};
    if (!exec_ok(c, "BEGIN", 0, NULL, err, errlen))
        return false;
    PGresult *r = PQexec(c, m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s: %s", m->name, PQresultErrorMessage(r));
        PQclear(r);
        PQclear(PQexec(c, "ROLLBACK"));
        return false;
    }
    PQclear(r);
    if (!exec_ok(c,
                 "INSERT INTO hub.schema_migrations (version, name, checksum) "
                 "VALUES ($1::int, $2, $3)",
                 3, params, err, errlen) ||
        !exec_ok(c, "COMMIT", 0, NULL, err, errlen)) {
        PQclear(PQexec(c, "ROLLBACK"));
        return false;
    }
    return true;
}

int
migrate_run(const char *conninfo, const char *sql_dir)
{
    char err[1024];
    migration_t *files = NULL;
    size_t nfiles = 0, napplied = 0, first = 0;
    applied_migration_t *applied = NULL;
    int status = 1;
    const char *lock[] = {MIGRATION_LOCK_KEY};

    if (!migration_scan(sql_dir, &files, &nfiles, err, sizeof(err))) {
        fprintf(stderr, "hubd migrate: %s\n", err);
        return 1;
    }
    PGconn *c = db_connect_once(conninfo, err, sizeof(err));
    if (c == NULL)
        goto fail;
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    if (!exec_ok(c, "SELECT pg_advisory_lock($1::bigint)", 1, lock, err, sizeof(err)) ||
        !exec_ok(c, "CREATE SCHEMA IF NOT EXISTS hub", 0, NULL, err, sizeof(err)) ||
        !exec_ok(c,
                 "CREATE TABLE IF NOT EXISTS hub.schema_migrations ("
                 " version int PRIMARY KEY,"
                 " name text NOT NULL,"
                 " checksum text NOT NULL,"
                 " applied_at timestamptz NOT NULL DEFAULT now())",
                 0, NULL, err, sizeof(err)) ||
        !load_applied(c, &applied, &napplied, err, sizeof(err)) ||
        !migration_plan(files, nfiles, applied, napplied, &first, err, sizeof(err)))
        goto fail;
    for (size_t i = first; i < nfiles; i++) {
        if (!apply_one(c, &files[i], err, sizeof(err)))
            goto fail;
        log_info("migration applied", "\"name\":\"%s\"", files[i].name);
    }
    if (first == nfiles)
        log_info("migrations up to date", "\"count\":%zu", nfiles);
    status = 0;
    goto done;
fail:
    err[strcspn(err, "\n")] = '\0';
    fprintf(stderr, "hubd migrate: %s\n", err);
done:
    PQfinish(c);
    free(applied);
    migration_free(files, nfiles);
    return status;
}
