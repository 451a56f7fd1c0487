/* audit.c: hubctl audit seal | verify.
 *
 * seal runs hub.audit_seal until nothing is left. verify walks each
 * partnership's sealed rows in seal_seq order, in pages, and recomputes the
 * chain in C (chain.h), so that a fault in the SQL sealer, or rows changed
 * behind the triggers' back, show as a broken link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "chain.h"
#include "conn.h"
#include "hubctl.h"

enum { VERIFY_PAGE = 10000 }; /* rows fetched per statement */

int
audit_seal_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *max = NULL;
    const arg_t args[] = {
        {.name = "--max", .type = ARG_INT, .min = 1, .max = 1000000, .value = &max},
    };
    const arg_spec_t spec = {
        "Usage: hubctl audit seal [--max N]\n"
        "\n"
        "Seals the audit rows not yet sealed, chaining each partnership's rows by\n"
        "SHA-256 (hub.audit_seal), and prints how many were sealed. Each batch of\n"
        "at most N rows (default 10000) is one transaction; batches run until none\n"
        "is left.\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {max ? max : "10000"};
    long long total = 0, n;
    do {
        PGresult *res = conn_exec(ctl->conn, "cannot seal the audit log",
                                  "SELECT hub.audit_seal($1::integer)", 1, params);
        if (res == NULL)
            return CTL_FAIL;
        n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        total += n;
    } while (n > 0);
    printf("sealed %lld rows\n", total);

    /* hub.audit_seal also returns 0 when another sealer holds its lock. */
    PGresult *res = conn_exec(ctl->conn, "cannot count unsealed audit rows",
                              "SELECT count(*) FROM hub.audit_log WHERE hash IS NULL", 0, NULL);
    if (res == NULL)
        return CTL_FAIL;
    if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
        fprintf(stderr,
                "hubctl: %s rows are still unsealed (another sealer is running, or they "
                "arrived meanwhile)\n",
                PQgetvalue(res, 0, 0));
    PQclear(res);
    return CTL_OK;
}

/* One partnership's walk along its chain. */
typedef struct {
    const char *partnership;
    unsigned char prev[CHAIN_HASH_LEN]; /* the last verified link */
    long long next_seq;                 /* the seal_seq the next row must have */
    long long sealed;                   /* rows verified */
    bool broken;
} walk_t;

/* The columns of a page, in chain field order, then the stored links. */
#define AUDIT_ROW_SQL                                                                              \
    "SELECT audit_id, partnership_id, partner_id, credential_id, request_id,"                      \
    "       (extract(epoch FROM at) * 1000000)::bigint, action, object_type, object_id,"           \
    "       outcome, isa_reference, seal_seq, encode(prev_hash, 'hex'), encode(hash, 'hex')"       \
    "  FROM hub.audit_log"
enum { COL_PREV_HASH = CHAIN_NFIELDS, COL_HASH };

static void
walk_broken(walk_t *w, const char *audit_id, const char *seal_seq, const char *why)
{
    printf("audit chain BROKEN: partnership %s at audit_id %s (seal_seq %s): %s\n", w->partnership,
           audit_id, seal_seq ? seal_seq : "NULL", why);
    w->broken = true;
}

/* Checks one row against the walk so far; false after reporting a broken
 * link. */
static bool
walk_row(walk_t *w, const PGresult *res, int row)
{
    const char *fields[CHAIN_NFIELDS];
    for (int i = 0; i < CHAIN_NFIELDS; i++)
        fields[i] = PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
    const char *id = fields[CHAIN_AUDIT_ID], *seq = fields[CHAIN_SEAL_SEQ];
    const char *stored_prev =
        PQgetisnull(res, row, COL_PREV_HASH) ? NULL : PQgetvalue(res, row, COL_PREV_HASH);
    const char *stored_hash =
        PQgetisnull(res, row, COL_HASH) ? NULL : PQgetvalue(res, row, COL_HASH);
    char why[160], prev_hex[2 * CHAIN_HASH_LEN + 1], hash_hex[2 * CHAIN_HASH_LEN + 1];
    unsigned char link[CHAIN_HASH_LEN];

    long long s = strtoll(seq, NULL, 10);
    if (s != w->next_seq) {
        snprintf(why, sizeof(why), "seal_seq should be %lld%s", w->next_seq,
                 s > w->next_seq ? " (rows missing or renumbered)" : "");
        walk_broken(w, id, seq, why);
        return false;
    }
    chain_hex(w->prev, prev_hex);
    if (stored_prev == NULL || strcmp(stored_prev, prev_hex) != 0) {
        walk_broken(w, id, seq,
                    w->next_seq == 1 ? "prev_hash of the first row is not 32 zero bytes"
                                     : "prev_hash differs from the previous row's hash");
        return false;
    }
    hub_assert(chain_link(w->prev, fields, link)); /* SHA-256 itself cannot fail */
    chain_hex(link, hash_hex);
    if (stored_hash == NULL || strcmp(stored_hash, hash_hex) != 0) {
        walk_broken(w, id, seq,
                    stored_hash == NULL ? "hash is missing"
                                        : "hash differs from the hash of the row's contents");
        return false;
    }
    memcpy(w->prev, link, CHAIN_HASH_LEN);
    w->next_seq++;
    w->sealed++;
    return true;
}

/* Walks the chain of one partnership in keyset pages; false on a database
 * error (a broken link returns true with w->broken set). */
static bool
walk_chain(ctl_t *ctl, walk_t *w)
{
    char after[32] = "", limit[16];
    snprintf(limit, sizeof(limit), "%d", VERIFY_PAGE);
    for (;;) {
        /* The first page starts below any seal_seq, so that a tampered 0 or
         * negative one is seen too. */
        const char *params[] = {w->partnership, after[0] ? after : NULL, limit};
        PGresult *res =
            conn_exec(ctl->conn, "cannot read the audit log",
                      AUDIT_ROW_SQL " WHERE partnership_id = $1::bigint"
                                    "   AND seal_seq IS NOT NULL"
                                    "   AND ($2::bigint IS NULL OR seal_seq > $2::bigint)"
                                    " ORDER BY seal_seq LIMIT $3::integer",
                      3, params);
        if (res == NULL)
            return false;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            if (!walk_row(w, res, r)) {
                PQclear(res);
                return true;
            }
        }
        if (n > 0)
            snprintf(after, sizeof(after), "%s", PQgetvalue(res, n - 1, CHAIN_SEAL_SEQ));
        PQclear(res);
        if (n < VERIFY_PAGE)
            return true;
    }
}

/* Verifies one partnership inside one snapshot; false on a database error. */
static bool
verify_partnership(ctl_t *ctl, const char *partnership, bool *broken)
{
    walk_t w = {.partnership = partnership, .next_seq = 1};
    const char *params[] = {partnership};
    PGresult *res = NULL;
    bool ok = false;

    if (!conn_run(ctl->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") ||
        !walk_chain(ctl, &w))
        goto done;
    if (w.broken) {
        *broken = true;
        ok = true;
        goto done;
    }
    /* Chain columns on a row outside the chain: a seal_seq was removed. */
    res = conn_exec(ctl->conn, "cannot read the audit log",
                    "SELECT audit_id FROM hub.audit_log WHERE partnership_id = $1::bigint"
                    "   AND seal_seq IS NULL AND (hash IS NOT NULL OR prev_hash IS NOT NULL)"
                    " ORDER BY audit_id LIMIT 1",
                    1, params);
    if (res == NULL)
        goto done;
    if (PQntuples(res) > 0) {
        walk_broken(&w, PQgetvalue(res, 0, 0), NULL, "hash set on a row without seal_seq");
        *broken = true;
        ok = true;
        goto done;
    }
    PQclear(res);
    res = conn_exec(ctl->conn, "cannot read the audit log",
                    "SELECT count(*) FROM hub.audit_log"
                    " WHERE partnership_id = $1::bigint AND seal_seq IS NULL",
                    1, params);
    if (res == NULL)
        goto done;
    printf("audit chain OK: partnership %s: %lld rows sealed, %s not yet sealed\n", partnership,
           w.sealed, PQgetvalue(res, 0, 0));
    ok = true;
done:
    PQclear(res);
    conn_rollback(ctl->conn);
    return ok;
}

int
audit_verify_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *partnership = NULL;
    const arg_t args[] = {{.name = "--partnership", .type = ARG_ID, .value = &partnership}};
    const arg_spec_t spec = {
        "Usage: hubctl audit verify [--partnership ID]\n"
        "\n"
        "Recomputes the hash chain of each partnership's sealed audit rows (or one\n"
        "partnership's) independently of the database, and prints for each either\n"
        "  audit chain OK: partnership N: M rows sealed, K not yet sealed\n"
        "or the first broken link:\n"
        "  audit chain BROKEN: partnership N at audit_id X (seal_seq S): <check>\n"
        "Exits 1 if any chain is broken. Deleting the newest sealed rows leaves no\n"
        "broken link: compare the sealed count with an earlier run.\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {partnership};
    PGresult *res = conn_exec(ctl->conn, "cannot list the partnerships",
                              "SELECT partnership_id FROM hub.partnership"
                              " WHERE $1::bigint IS NULL OR partnership_id = $1::bigint"
                              " ORDER BY partnership_id",
                              1, params);
    if (res == NULL)
        return CTL_FAIL;
    if (partnership != NULL && PQntuples(res) == 0) {
        PQclear(res);
        ctl_error("no partnership %s", partnership);
        return CTL_FAIL;
    }
    if (PQntuples(res) == 0)
        printf("audit chain: no partnerships\n");
    bool broken = false;
    rc = CTL_OK;
    for (int i = 0; i < PQntuples(res) && rc == CTL_OK; i++)
        if (!verify_partnership(ctl, PQgetvalue(res, i, 0), &broken))
            rc = CTL_FAIL;
    PQclear(res);
    return rc == CTL_OK && broken ? CTL_FAIL : rc;
}
