/* cred.c: listing and revoking credentials (tokens and certificates). */
#include "cred.h"

#include <stdio.h>
#include <string.h>

#include "../../hub/credential.h"
#include "args.h"
#include "conn.h"
#include "table.h"

static const char *const kind_names[] = {"token", "certificate", NULL};

/* hub.credential's kind for a cred_kind_t; NULL for any. */
static const char *
kind_sql(cred_kind_t kind)
{
    return kind == CRED_TOKEN ? "token" : kind == CRED_CERTIFICATE ? "certificate" : NULL;
}

bool
cred_partner_roles(const char *text, char *out, size_t len)
{
    unsigned roles;
    if (!roles_parse(text, &roles) || (roles & ~ROLES_PARTNER) != 0)
        return false;
    roles_format(roles, out, len);
    return true;
}

/* The columns of the list query below, as each list shows them: a token
 * list has no fingerprint or subject, a certificate list no expiry (the
 * certificate's own validity governs it). */
static const column_t token_cols[] = {
    {"ID", "credential_id", COL_INT},
    {NULL, NULL, COL_TEXT},
    {"PARTNERSHIP", "partnership_id", COL_INT},
    {"PARTNER", "partner_id", COL_INT},
    {"ROLES", "roles", COL_LIST},
    {"LABEL", "label", COL_TEXT},
    {NULL, NULL, COL_TEXT},
    {NULL, NULL, COL_TEXT},
    {"CREATED", "created_at", COL_TEXT},
    {"EXPIRES", "expires_at", COL_TEXT},
    {"REVOKED", "revoked_at", COL_TEXT},
};
static const column_t cert_cols[] = {
    {"ID", "credential_id", COL_INT},
    {NULL, NULL, COL_TEXT},
    {"PARTNERSHIP", "partnership_id", COL_INT},
    {"PARTNER", "partner_id", COL_INT},
    {"ROLES", "roles", COL_LIST},
    {"LABEL", "label", COL_TEXT},
    {"FINGERPRINT", "fingerprint", COL_TEXT},
    {NULL, "subject", COL_TEXT},
    {"CREATED", "created_at", COL_TEXT},
    {NULL, NULL, COL_TEXT},
    {"REVOKED", "revoked_at", COL_TEXT},
};
static const column_t any_cols[] = {
    {"ID", "credential_id", COL_INT},
    {"KIND", "kind", COL_TEXT},
    {"PARTNERSHIP", "partnership_id", COL_INT},
    {"PARTNER", "partner_id", COL_INT},
    {"ROLES", "roles", COL_LIST},
    {"LABEL", "label", COL_TEXT},
    {NULL, "fingerprint", COL_TEXT},
    {NULL, "subject", COL_TEXT},
    {"CREATED", "created_at", COL_TEXT},
    {"EXPIRES", "expires_at", COL_TEXT},
    {"REVOKED", "revoked_at", COL_TEXT},
};
_Static_assert(ARRAY_LEN(token_cols) == ARRAY_LEN(cert_cols) &&
                   ARRAY_LEN(cert_cols) == ARRAY_LEN(any_cols),
               "one column description per column of the list query");

int
cred_list(ctl_t *ctl, int argc, char **argv, cred_kind_t kind)
{
    const char *partner = NULL, *partnership = NULL, *kind_opt = NULL;
    bool json = false;
    const arg_t args[] = {
        {.name = "--partner", .type = ARG_ID, .value = &partner},
        {.name = "--partnership", .type = ARG_ID, .value = &partnership},
        {.name = "--json", .type = ARG_FLAG, .flag = &json},
        {.name = "--kind", .type = ARG_CHOICE, .choices = kind_names, .value = &kind_opt},
    };
    static const char *const usages[] = {
        [CRED_TOKEN] = "Usage: hubctl token list [--partner ID] [--partnership ID] [--json]\n"
                       "\n"
                       "Lists bearer tokens (never their hashes), as text or (--json) a JSON\n"
                       "array; a public token has no partner.\n",
        [CRED_CERTIFICATE] =
            "Usage: hubctl cert list [--partner ID] [--partnership ID] [--json]\n"
            "\n"
            "Lists registered client certificates with their SHA-256 fingerprints, as\n"
            "text or (--json) a JSON array, which also has each subject.\n",
        [CRED_ANY] =
            "Usage: hubctl credential list [--kind token|certificate] [--partner ID]\n"
            "                              [--partnership ID] [--json]\n"
            "\n"
            "Lists credentials of both kinds (or one), as text or (--json) a JSON array.\n",
    };
    const arg_spec_t spec = {usages[kind], args,
                             kind == CRED_ANY ? ARRAY_LEN(args) : ARRAY_LEN(args) - 1};
    const column_t *cols = kind == CRED_TOKEN         ? token_cols
                           : kind == CRED_CERTIFICATE ? cert_cols
                                                      : any_cols;
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {kind == CRED_ANY ? kind_opt : kind_sql(kind), partner, partnership};
    PGresult *res = conn_exec(
        ctl->conn, "cannot list the credentials",
        "SELECT credential_id, kind, partnership_id, partner_id,"
        "       array_to_string(roles, ','), label, fingerprint, subject,"
        "       " SQL_UTC(
            "created_at") ","
                          "       " SQL_UTC(
                              "expires_at") ","
                                            "       " SQL_UTC(
                                                "revoked_at") "  FROM hub.credential"
                                                              " WHERE ($1::text IS NULL OR kind = "
                                                              "$1)"
                                                              "   AND ($2::bigint IS NULL OR "
                                                              "partner_id = $2::bigint)"
                                                              "   AND ($3::bigint IS NULL OR "
                                                              "partnership_id = $3::bigint)"
                                                              " ORDER BY credential_id",
        3, params);
    if (res == NULL)
        return CTL_FAIL;
    return table_list(res, cols, ARRAY_LEN(any_cols), json);
}

int
cred_revoke(ctl_t *ctl, int argc, char **argv, cred_kind_t kind)
{
    const char *id = NULL;
    const arg_t args[] = {{.name = "ID", .type = ARG_ID, .value = &id}};
    const arg_spec_t spec = {
        kind == CRED_TOKEN
            ? "Usage: hubctl token revoke ID\n"
              "\n"
              "Revokes a token at once (sets revoked_at). Revoking it again changes nothing.\n"
            : "Usage: hubctl cert revoke ID\n"
              "\n"
              "Revokes a registered certificate in the hub (sets revoked_at), so that it\n"
              "no longer identifies its partner. Add it to the CRL too, with\n"
              "certs/revoke-client.sh, so that TLS refuses it.\n",
        args, ARRAY_LEN(args)};
    const char *what = kind == CRED_TOKEN ? "token" : "certificate";
    int rc;
    if (!ctl_start(ctl, &spec, argc, argv, &rc))
        return rc;

    const char *params[] = {id};
    PGresult *res = NULL;
    rc = CTL_FAIL;
    if (!conn_run(ctl->conn, "BEGIN"))
        goto done;
    res = conn_exec(
        ctl->conn, "cannot revoke the credential",
        "SELECT kind, " SQL_UTC(
            "revoked_at") "  FROM hub.credential WHERE credential_id = $1::bigint FOR UPDATE",
        1, params);
    if (res == NULL)
        goto done;
    if (PQntuples(res) == 0) {
        ctl_error("no %s %s", what, id);
        goto done;
    }
    if (strcmp(PQgetvalue(res, 0, 0), kind_sql(kind)) != 0) {
        ctl_error("credential %s is a %s, not a %s: use \"hubctl %s revoke %s\"", id,
                  PQgetvalue(res, 0, 0), what, kind == CRED_TOKEN ? "cert" : "token", id);
        goto done;
    }
    if (!PQgetisnull(res, 0, 1)) {
        printf("%s %s was already revoked at %s\n", what, id, PQgetvalue(res, 0, 1));
        rc = CTL_OK;
        goto done;
    }
    PQclear(res);
    res = conn_exec(ctl->conn, "cannot revoke the credential",
                    "UPDATE hub.credential SET revoked_at = now() WHERE credential_id = $1::bigint",
                    1, params);
    if (res == NULL || !conn_run(ctl->conn, "COMMIT"))
        goto done;
    printf("%s %s revoked\n", what, id);
    if (kind == CRED_CERTIFICATE)
        fprintf(stderr, "hubctl: add the certificate to the CRL too: certs/revoke-client.sh\n");
    rc = CTL_OK;
done:
    PQclear(res);
    conn_rollback(ctl->conn);
    return rc;
}

int
credential_list_cmd(ctl_t *ctl, int argc, char **argv)
{
    return cred_list(ctl, argc, argv, CRED_ANY);
}
