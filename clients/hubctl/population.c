/* population.c: hubctl population load | summary.
 *
 * load reads a population file line by line (hub/population.h checks each
 * line) and streams the rows, with their line numbers, into a temporary
 * table by COPY, all inside one transaction; the first malformed line
 * abandons the COPY and rolls everything back, so memory stays at one line
 * and a buffer whatever the file's size, and a bad file loads nothing.
 * Duplicates are found in SQL, then one INSERT … ON CONFLICT writes only
 * the rows whose count is new or changed, so a reload of the same file
 * changes nothing, not even loaded_at. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/population.h"
#include "args.h"
#include "conn.h"
#include "hubctl.h"
#include "table.h"

enum { COPY_BUF = 64 * 1024 }; /* bytes of COPY text sent at a time */

/* One load: the file being read and the COPY text not yet sent. */
typedef struct {
    const char *path;
    FILE *f;
    PGconn *conn;
    char buf[COPY_BUF];
    size_t used;
    long rows;
    char summary[160]; /* printed once committed, never before */
} load_t;

/* Sends the buffered COPY text; false after reporting why. */
static bool
load_flush(load_t *ld)
{
    if (ld->used > 0 && PQputCopyData(ld->conn, ld->buf, (int)ld->used) != 1) {
        conn_report(ld->conn, NULL, "cannot send the rows");
        return false;
    }
    ld->used = 0;
    return true;
}

/* Appends one row in COPY text format. The fields need no escaping: the
 * area is nine letters and digits, the rest are integers. */
static bool
load_row(load_t *ld, size_t line, const population_row_t *row)
{
    enum { ROW_MAX = 64 };
    if (COPY_BUF - ld->used < ROW_MAX && !load_flush(ld))
        return false;
    ld->used += (size_t)snprintf(ld->buf + ld->used, ROW_MAX, "%zu\t%s\t%d\t%d\n", line, row->area,
                                 row->ons_number, row->count);
    ld->rows++;
    return true;
}

/* Reads the whole file into the COPY. True when every line was good and
 * sent; false after reporting a malformed line or a failure. */
static bool
load_lines(load_t *ld)
{
    char line[POPULATION_LINE_BUF], err[256];
    size_t len, lineno = 0, empty = 0; /* empty: the first of a run of empty lines */
    population_row_t row;

    for (;;) {
        population_read_t r = population_line_read(ld->f, line, &len);
        if (r == POPULATION_READ_END)
            break;
        if (r == POPULATION_READ_ERROR) {
            ctl_error("%s: %s", ld->path, strerror(errno));
            return false;
        }
        if (++lineno > POPULATION_LINES_MAX) {
            ctl_error("%s line %zu: more than %d lines", ld->path, lineno, POPULATION_LINES_MAX);
            return false;
        }
        if (r == POPULATION_READ_TOO_LONG || r == POPULATION_READ_NUL) {
            if (r == POPULATION_READ_NUL)
                ctl_error("%s line %zu: a NUL byte: the file is not UTF-8 text", ld->path, lineno);
            else
                ctl_error("%s line %zu: longer than %d bytes", ld->path, lineno,
                          POPULATION_LINE_MAX);
            return false;
        }
        population_line_t kind =
            population_line_classify(line, len, lineno == 1, &row, err, sizeof(err));
        if (kind == POPULATION_LINE_EMPTY) {
            if (empty == 0)
                empty = lineno;
            continue;
        }
        /* Empty lines may end a file; elsewhere one is a line gone missing. */
        if (empty != 0) {
            ctl_error("%s line %zu: an empty line before the end of the file", ld->path, empty);
            return false;
        }
        if (kind == POPULATION_LINE_BAD) {
            ctl_error("%s line %zu: %s", ld->path, lineno, err);
            return false;
        }
        if (kind == POPULATION_LINE_ROW && !load_row(ld, lineno, &row))
            return false;
    }
    if (ld->rows == 0) {
        ctl_error("%s: no data lines", ld->path);
        return false;
    }
    return load_flush(ld);
}

/* COPY FROM STDIN into the temporary table; false after reporting why. */
static bool
load_copy(load_t *ld)
{
    PGresult *res = PQexec(ld->conn, "COPY pg_temp.population_load (line, area, ons_number, count)"
                                     " FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        conn_report(ld->conn, res, "cannot start the COPY");
        return false;
    }
    PQclear(res);

    bool ok = load_lines(ld);
    /* Ending the COPY with a message makes the server fail it, and with it
     * the transaction: nothing sent so far can be committed. */
    if (PQputCopyEnd(ld->conn, ok ? NULL : "load abandoned") != 1 && ok) {
        conn_report(ld->conn, NULL, "cannot end the COPY");
        ok = false;
    }
    while ((res = PQgetResult(ld->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_COPY_IN) { /* the end never left: the connection is gone */
            PQclear(res);
            return false;
        }
        if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
            conn_report(ld->conn, res, "cannot load the rows");
            ok = false;
            continue;
        }
        PQclear(res);
    }
    return ok;
}

/* The first line whose (area, ethnic group) an earlier line has; true when
 * there is none. */
static bool
load_check_duplicates(load_t *ld)
{
    PGresult *res =
        conn_exec(ld->conn, "cannot check for duplicates",
                  "SELECT line, first, area, ons_number"
                  "  FROM (SELECT line, area, ons_number,"
                  "               min(line) OVER (PARTITION BY area, ons_number) AS first"
                  "          FROM pg_temp.population_load) d"
                  " WHERE line <> first ORDER BY line LIMIT 1",
                  0, NULL);
    if (res == NULL)
        return false;
    bool none = PQntuples(res) == 0;
    if (!none)
        ctl_error("%s line %s: area %s ethnic group %s is also on line %s", ld->path,
                  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
                  PQgetvalue(res, 0, 1));
    PQclear(res);
    return none;
}

/* Writes the new and changed rows and keeps the summary line. The lock
 * lets readers on but makes a second load wait, so that the tally (taken in
 * the statement's one snapshot) is what the statement did. */
static bool
load_upsert(load_t *ld)
{
    if (!conn_run(ld->conn, "LOCK TABLE hub.population IN SHARE ROW EXCLUSIVE MODE"))
        return false;
    PGresult *res = conn_exec(
        ld->conn, "cannot write the population",
        "WITH cmp AS MATERIALIZED ("
        "    SELECT l.area, l.ons_number, l.count, p.count AS old"
        "      FROM pg_temp.population_load l"
        "      LEFT JOIN hub.population p USING (area, ons_number)),"
        "  up AS ("
        "    INSERT INTO hub.population AS p (area, ons_number, count, loaded_at)"
        "    SELECT area, ons_number, count, now() FROM cmp WHERE old IS DISTINCT FROM count"
        "    ON CONFLICT (area, ons_number) DO UPDATE"
        "       SET count = excluded.count, loaded_at = excluded.loaded_at"
        "     WHERE p.count <> excluded.count"
        "    RETURNING 1)"
        "SELECT count(*), count(DISTINCT area), count(*) FILTER (WHERE old IS NULL),"
        "       count(*) FILTER (WHERE old <> count), count(*) FILTER (WHERE old = count),"
        "       (SELECT count(*) FROM up)"
        "  FROM cmp",
        0, NULL);
    if (res == NULL)
        return false;
    long long changed = strtoll(PQgetvalue(res, 0, 2), NULL, 10) +
                        strtoll(PQgetvalue(res, 0, 3), NULL, 10),
              written = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    if (written != changed) { /* the lock says this cannot happen */
        ctl_error("wrote %lld rows, expected %lld: nothing loaded", written, changed);
        PQclear(res);
        return false;
    }
    snprintf(ld->summary, sizeof(ld->summary),
             "loaded %s rows for %s areas: %s new, %s changed, %s unchanged", PQgetvalue(res, 0, 0),
             PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
             PQgetvalue(res, 0, 4));
    PQclear(res);
    return true;
}

int
population_load_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *path = NULL;
    const arg_t args[] = {{.name = "FILE.csv", .type = ARG_FILE, .value = &path}};
    const arg_spec_t spec = {
        "Usage: hubctl population load FILE.csv\n"
        "\n"
        "Loads Census 2021 counts by area and ethnic group, one per line:\n"
        "  area,ethnic_group,count     e.g. E01000001,3,125\n"
        "area is the GSS code of an LSOA (E01, W01), a ward (E05, W05) or a local\n"
        "authority (E06-E10, W06); ethnic_group the ONS 2021 number, 1-19 (the\n"
        "ons_number of api/codes/ethnic_group.csv); count a whole number from 0 to\n"
        "20000000. UTF-8 CSV, LF or CRLF, at most 2000000 lines of at most 1024\n"
        "bytes; the first line may be a header.\n"
        "\n"
        "All or nothing, in one transaction: the first malformed line, or an\n"
        "(area, ethnic group) given twice, stops the load with its line number and\n"
        "nothing is loaded. Rows already loaded with the same count are left alone,\n"
        "so loading the same file again changes nothing. Prints\n"
        "  loaded R rows for A areas: N new, C changed, U unchanged\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;

    /* The file first: a wrong name needs no database. */
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        ctl_error("%s: %s", path, strerror(errno));
        return CTL_FAIL;
    }
    if (!ctl_connect(ctl)) {
        fclose(f);
        return CTL_FAIL;
    }
    load_t *ld = xcalloc(1, sizeof(*ld)); /* the COPY buffer is too big for the stack */
    ld->path = path;
    ld->f = f;
    ld->conn = ctl->conn;
    bool ok = conn_run(ctl->conn, "BEGIN") &&
              conn_run(ctl->conn,
                       "CREATE TEMPORARY TABLE population_load (line integer NOT NULL,"
                       " area text NOT NULL, ons_number smallint NOT NULL, count integer NOT NULL)"
                       " ON COMMIT DROP") &&
              load_copy(ld) && load_check_duplicates(ld) && load_upsert(ld) &&
              conn_run(ctl->conn, "COMMIT");
    if (ok)
        puts(ld->summary);
    else
        conn_rollback(ctl->conn);
    fclose(f);
    free(ld);
    return ok ? CTL_OK : CTL_FAIL;
}

int
population_summary_cmd(ctl_t *ctl, int argc, char **argv)
{
    bool json = false;
    const arg_t args[] = {{.name = "--json", .type = ARG_FLAG, .flag = &json}};
    const arg_spec_t spec = {
        "Usage: hubctl population summary [--json]\n"
        "\n"
        "What hub.population holds, one line per kind of area (lsoa, ward,\n"
        "local_authority): areas, rows, persons (the sum of the counts) and when a\n"
        "count was last written. The kinds overlap geographically, so their persons\n"
        "are not added up.\n",
        args, ARRAY_LEN(args)};
    static const column_t cols[] = {
        {"LEVEL", "level", COL_TEXT},
        {"AREAS", "areas", COL_INT},
        {"ROWS", "rows", COL_INT},
        {"PERSONS", "persons", COL_INT},
        {"LAST_LOADED", "last_loaded_at", COL_TEXT},
    };
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    PGresult *res = conn_exec(
        ctl->conn, "cannot summarise the population",
        "SELECT (array['lsoa', 'ward', 'local_authority'])[level],"
        "       count(DISTINCT area), count(*), sum(count),"
        "       " SQL_UTC(
            "max(loaded_at)") " FROM ("
                              "  SELECT CASE WHEN area ~ '^[EW]01' THEN 1"
                              "              WHEN area ~ '^[EW]05' THEN 2 ELSE 3 END AS level,"
                              "         area, count, loaded_at"
                              "    FROM hub.population) p"
                              " GROUP BY level ORDER BY level",
        0, NULL);
    if (res == NULL)
        return CTL_FAIL;
    return table_list(res, cols, ARRAY_LEN(cols), json);
}
