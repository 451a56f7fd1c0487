/* retention.c: hubctl retention run.
 *
 * Each partnership (or the one given), in id order, in a transaction of its
 * own: hub.retention_purge (sql/012_retention.sql) finds the reports whose
 * retention period ended before today, adds their cells to the purged
 * cells the statistics keep, deletes them with their earlier versions,
 * referrals and outcomes, and writes one audit row with the counts, all
 * committed together. One date (the database's UTC date when the run
 * starts) applies to every partnership, and one request id to every audit
 * row of the run. --dry-run counts in the same way and rolls back. The
 * output holds ids, names and counts, never anything of a report. */
#include "retention.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "conn.h"

typedef struct {
    long long reports, withdrawn, versions, referrals, outcomes, months;
} purge_counts_t;

/* One run: what every partnership's purge shares, and the totals. */
typedef struct {
    const char *today;   /* YYYY-MM-DD, UTC */
    char request_id[32]; /* "retention-" and 16 hex digits */
    bool dry_run;
    purge_counts_t total;
    int partnerships_due; /* partnerships with at least one report due */
} purge_run_t;

static const char *
plural(long long n)
{
    return n == 1 ? "" : "s";
}

static long long
count_at(const PGresult *res, int col)
{
    return strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

/* Purges (or, dry, counts) one partnership in one transaction and prints
 * its line; false after reporting an error, with nothing of this
 * partnership changed. */
static bool
purge_partnership(ctl_t *ctl, purge_run_t *run, const char *id, const char *name,
                  const char *months)
{
    const char *params[] = {id, run->today, run->request_id, run->dry_run ? "true" : "false"};
    char doing[64];
    snprintf(doing, sizeof(doing), "partnership %s: cannot %s", id,
             run->dry_run ? "count the reports due" : "purge");
    int64_t started = now_usec();

    if (!conn_run(ctl->conn, "BEGIN"))
        return false;
    PGresult *res = conn_exec(ctl->conn, doing,
                              "SELECT reports, withdrawn, versions, referrals, outcomes, months"
                              "  FROM hub.retention_purge($1::bigint, $2::date, $3, $4::boolean)",
                              4, params);
    if (res == NULL) {
        conn_rollback(ctl->conn);
        return false;
    }
    purge_counts_t c = {count_at(res, 0), count_at(res, 1), count_at(res, 2),
                        count_at(res, 3), count_at(res, 4), count_at(res, 5)};
    PQclear(res);
    if (!conn_run(ctl->conn, run->dry_run ? "ROLLBACK" : "COMMIT")) {
        conn_rollback(ctl->conn);
        return false;
    }
    double secs = (double)(now_usec() - started) / 1e6;

    printf("partnership %s \"%s\" (%s months): ", id, name, months);
    if (c.reports == 0)
        printf("nothing due\n");
    else
        printf("%s %lld report%s (%lld withdrawn), %lld earlier version%s, %lld referral%s, "
               "%lld outcome%s; the statistics of %lld month%s keep them (%.2f s)\n",
               run->dry_run ? "would purge" : "purged", c.reports, plural(c.reports), c.withdrawn,
               c.versions, plural(c.versions), c.referrals, plural(c.referrals), c.outcomes,
               plural(c.outcomes), c.months, plural(c.months), secs);
    fflush(stdout);

    run->total.reports += c.reports;
    run->total.withdrawn += c.withdrawn;
    run->total.versions += c.versions;
    run->total.referrals += c.referrals;
    run->total.outcomes += c.outcomes;
    run->total.months += c.months;
    run->partnerships_due += c.reports > 0;
    return true;
}

int
retention_run_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *partnership = NULL;
    bool dry_run = false;
    const arg_t args[] = {
        {.name = "--partnership", .type = ARG_ID, .value = &partnership},
        {.name = "--dry-run", .type = ARG_FLAG, .flag = &dry_run},
    };
    const arg_spec_t spec = {
        "Usage: hubctl retention run [--partnership ID] [--dry-run]\n"
        "\n"
        "Purges the reports whose retention period has ended, with their earlier\n"
        "versions, referrals and outcomes, in each partnership (or the one given),\n"
        "one transaction per partnership. A report is kept for the partnership's\n"
        "retention months after the latest of: the end of the incident, the day it\n"
        "was reported, its withdrawal, and its referrals' and outcomes' dates. The\n"
        "joint statistics keep counting purged reports. Each partnership gets an\n"
        "audit row (retention.purge) with the counts, also when nothing was due.\n"
        "Prints a line per partnership and a summary.\n"
        "\n"
        "  --partnership ID   only this partnership\n"
        "  --dry-run          count what would be purged; change nothing\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    purge_run_t run = {.dry_run = dry_run};
    unsigned char rnd[8];
    char hex[2 * sizeof(rnd) + 1];
    hub_assert(RAND_bytes(rnd, sizeof(rnd)) == 1);
    hex_encode(rnd, sizeof(rnd), hex);
    snprintf(run.request_id, sizeof(run.request_id), "retention-%s", hex);

    const char *params[] = {partnership};
    PGresult *res = conn_exec(ctl->conn, "cannot list the partnerships",
                              "SELECT p.partnership_id, p.name, p.retention_months,"
                              "       ((now() AT TIME ZONE 'UTC')::date)::text"
                              "  FROM hub.partnership p"
                              " WHERE $1::bigint IS NULL OR p.partnership_id = $1::bigint"
                              " ORDER BY p.partnership_id",
                              1, params);
    if (res == NULL)
        return CTL_FAIL;
    int n = PQntuples(res);
    if (partnership != NULL && n == 0) {
        PQclear(res);
        ctl_error("no partnership %s", partnership);
        return CTL_FAIL;
    }
    int64_t started = now_usec();
    int done = 0;
    for (; done < n; done++) {
        run.today = PQgetvalue(res, done, 3);
        if (!purge_partnership(ctl, &run, PQgetvalue(res, done, 0), PQgetvalue(res, done, 1),
                               PQgetvalue(res, done, 2)))
            break;
    }
    PQclear(res);
    double secs = (double)(now_usec() - started) / 1e6;

    if (done < n) {
        ctl_error("stopped: %d of %d partnerships done%s", done, n,
                  dry_run || done == 0 ? "" : " (their purges are committed)");
        return CTL_FAIL;
    }
    if (dry_run)
        printf("retention run (dry run): %lld report%s due in %d of %d partnership%s; nothing "
               "changed (%.2f s)\n",
               run.total.reports, plural(run.total.reports), run.partnerships_due, n, plural(n),
               secs);
    else
        printf("retention run: purged %lld report%s in %d of %d partnership%s, with %lld earlier "
               "version%s, %lld referral%s, %lld outcome%s; audited as %s (%.2f s)\n",
               run.total.reports, plural(run.total.reports), run.partnerships_due, n, plural(n),
               run.total.versions, plural(run.total.versions), run.total.referrals,
               plural(run.total.referrals), run.total.outcomes, plural(run.total.outcomes),
               run.request_id, secs);
    return CTL_OK;
}
