/* cert.c: hubctl cert register | list | revoke.
 *
 * A partner's client certificate is registered by its SHA-256 fingerprint
 * and its subject (hub/credential.h computes both, as hubd does when the
 * certificate is presented). The CRL itself is made by certs/revoke-client.sh. */
#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "../../hub/credential.h"
#include "args.h"
#include "conn.h"
#include "cred.h"
#include "hubctl.h"

#define SUBJECT_MAX 1000 /* hub.credential.subject's CHECK */

typedef struct {
    char fingerprint[HEX_SHA256_LEN + 1];
    char subject[SUBJECT_MAX + 2]; /* one spare byte: cert_subject refuses to truncate */
    int expired;                   /* <0 not yet valid, >0 expired, 0 valid now */
} cert_info_t;

/* Reads the first certificate of a PEM file; false after an error. */
static bool
cert_read(const char *path, cert_info_t *info)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        ctl_error("cannot open %s: %s", path, strerror(errno));
        return false;
    }
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    bool ok = false;
    if (cert == NULL) {
        ctl_error("%s: no PEM certificate in it", path);
    } else if (!cert_fingerprint(cert, info->fingerprint)) {
        ctl_error("%s: cannot compute the certificate's fingerprint", path);
    } else if (!cert_subject(cert, info->subject, sizeof(info->subject)) ||
               strlen(info->subject) > SUBJECT_MAX) {
        ctl_error("%s: the certificate's subject is unreadable or over %d characters", path,
                  SUBJECT_MAX);
    } else {
        info->expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0    ? 1
                        : X509_cmp_current_time(X509_get0_notBefore(cert)) > 0 ? -1
                                                                               : 0;
        ok = true;
    }
    X509_free(cert);
    return ok;
}

/* An unrevoked certificate credential matching sql's $1 (and $2), described
 * for an error message in buf; false when there is none or on an error
 * (*failed set). */
static bool
cert_conflict(ctl_t *ctl, const char *sql, int nparams, const char *const *params, char *buf,
              size_t len, bool *failed)
{
    PGresult *res = conn_exec(ctl->conn, "cannot register the certificate", sql, nparams, params);
    if (res == NULL) {
        *failed = true;
        return false;
    }
    bool found = PQntuples(res) > 0;
    if (found)
        snprintf(buf, len, "credential %s of partner %s", PQgetvalue(res, 0, 0),
                 PQgetvalue(res, 0, 1));
    PQclear(res);
    return found;
}

int
cert_register_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *partner = NULL, *roles_text = NULL, *label = NULL, *file = NULL;
    const arg_t args[] = {
        {.name = "--partner", .type = ARG_ID, .required = true, .value = &partner},
        {.name = "--roles",
         .type = ARG_TEXT,
         .required = true,
         .min = 1,
         .max = 100,
         .value = &roles_text},
        {.name = "--label", .type = ARG_TEXT, .min = 0, .max = 200, .value = &label},
        {.name = "FILE.pem", .type = ARG_FILE, .value = &file},
    };
    const arg_spec_t spec = {
        "Usage: hubctl cert register --partner ID --roles ROLES FILE.pem [--label TEXT]\n"
        "\n"
        "Registers a partner's client certificate (its SHA-256 fingerprint and\n"
        "subject) and prints the new credential's id. A certificate already\n"
        "registered and not revoked is refused, and so is one whose subject an\n"
        "unrevoked certificate of another partner has (hubd may identify callers by\n"
        "subject).\n"
        "\n"
        "  --partner ID     the partner the certificate identifies\n"
        "  --roles ROLES    comma-separated: submit, read, coordinate\n"
        "  --label TEXT     a note for people (at most 200 characters)\n"
        "  FILE.pem         the certificate, PEM (the first one in the file is used)\n",
        args, ARRAY_LEN(args)};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;
    char roles[64];
    if (!cred_partner_roles(roles_text, roles, sizeof(roles)))
        return args_usage_error(
            &spec, "--roles must be a comma-separated list of submit, read and coordinate");
    cert_info_t info;
    if (!cert_read(file, &info))
        return CTL_FAIL;
    if (info.expired)
        fprintf(stderr, "hubctl: note: %s is %s\n", file,
                info.expired > 0 ? "expired" : "not valid yet");
    if (!ctl_connect(ctl))
        return CTL_FAIL;

    rc = CTL_FAIL;
    PGresult *res = NULL;
    char partnership[32], conflict[128];
    bool failed = false;
    const char *partner_param[] = {partner};
    const char *by_fingerprint[] = {info.fingerprint};
    const char *by_subject[] = {info.subject, partner};
    const char *params[] = {partnership, partner, roles, label, info.fingerprint, info.subject};
    if (!conn_run(ctl->conn, "BEGIN"))
        goto done;
    res = conn_exec(ctl->conn, "cannot register the certificate",
                    "SELECT partnership_id, active FROM hub.partner WHERE partner_id = $1::bigint",
                    1, partner_param);
    if (res == NULL)
        goto done;
    if (PQntuples(res) == 0) {
        ctl_error("no partner %s", partner);
        goto done;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
        fprintf(stderr, "hubctl: note: partner %s is disabled\n", partner);
    snprintf(partnership, sizeof(partnership), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;

    if (cert_conflict(ctl,
                      "SELECT credential_id, partner_id FROM hub.credential"
                      " WHERE fingerprint = $1 AND revoked_at IS NULL",
                      1, by_fingerprint, conflict, sizeof(conflict), &failed)) {
        ctl_error("this certificate is already registered (%s); revoke that first", conflict);
        goto done;
    }
    if (!failed && cert_conflict(ctl,
                                 "SELECT credential_id, partner_id FROM hub.credential"
                                 " WHERE kind = 'certificate' AND subject = $1"
                                 "   AND revoked_at IS NULL AND partner_id <> $2::bigint"
                                 " ORDER BY credential_id LIMIT 1",
                                 2, by_subject, conflict, sizeof(conflict), &failed)) {
        ctl_error("another partner's certificate has the subject \"%s\" (%s)", info.subject,
                  conflict);
        goto done;
    }
    if (failed)
        goto done;

    res = conn_try(ctl->conn,
                   "INSERT INTO hub.credential (partnership_id, partner_id, kind, roles, label,"
                   "                            fingerprint, subject)"
                   "VALUES ($1::bigint, $2::bigint, 'certificate', string_to_array($3, ','),"
                   "        coalesce($4, ''), $5, $6)"
                   " RETURNING credential_id",
                   6, params);
    if (conn_failed_with(res, SQLSTATE_UNIQUE_VIOLATION)) { /* registered meanwhile */
        ctl_error("this certificate is already registered; revoke that first");
        goto done;
    }
    if (!conn_ok(res)) {
        conn_report(ctl->conn, res, "cannot register the certificate");
        res = NULL;
        goto done;
    }
    if (!conn_run(ctl->conn, "COMMIT"))
        goto done;
    printf("%s\n", PQgetvalue(res, 0, 0));
    rc = CTL_OK;
done:
    PQclear(res);
    conn_rollback(ctl->conn);
    return rc;
}

int
cert_list_cmd(ctl_t *ctl, int argc, char **argv)
{
    return cred_list(ctl, argc, argv, CRED_CERTIFICATE);
}

int
cert_revoke_cmd(ctl_t *ctl, int argc, char **argv)
{
    return cred_revoke(ctl, argc, argv, CRED_CERTIFICATE);
}
