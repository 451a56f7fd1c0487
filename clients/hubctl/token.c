/* token.c: hubctl token issue | list | revoke.
 *
 * A token is shown once, on stdout, when issued; the database keeps only its
 * SHA-256 (hub/credential.h), which hubd compares at authentication. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/credential.h"
#include "args.h"
#include "conn.h"
#include "cred.h"
#include "hubctl.h"

static const char token_usage[] =
    "Usage: hubctl token issue --partner ID --roles ROLES [--label TEXT] [--expires-days N]\n"
    "       hubctl token issue --public --partnership ID [--roles public] [--label TEXT]\n"
    "                          [--expires-days N]\n"
    "\n"
    "Issues a bearer token and prints it on stdout. This is the only time it is\n"
    "shown: the hub keeps only its SHA-256.\n"
    "\n"
    "  --partner ID        the partner the token identifies (its partnership follows)\n"
    "  --public            a public token: no partner, the single role public\n"
    "  --partnership ID    the partnership of a public token\n"
    "  --roles ROLES       comma-separated: submit, read, coordinate\n"
    "  --label TEXT        a note for people (at most 200 characters)\n"
    "  --expires-days N    expires N days from now, 1-3650 (default: never)\n";

/* Inserts the credential; returns its id (caller frees) or NULL after an
 * error. *active is the partner's active flag (true for a public token). */
static char *
token_store(ctl_t *ctl, const char *partner, const char *partnership, const char *roles,
            const char *label, const char *expires_days, const char *hash_hex, bool *active)
{
    const char *params[] = {partner ? partner : partnership, roles, label, hash_hex, expires_days};
    /* The partnership is taken from the partner's row, or the given one for
     * a public token; no row (no such partner or partnership) inserts nothing. */
    PGresult *res = conn_exec(
        ctl->conn, "cannot issue the token",
        partner ? "INSERT INTO hub.credential (partnership_id, partner_id, kind, roles, label,"
                  "                            token_hash, expires_at)"
                  "SELECT p.partnership_id, p.partner_id, 'token', string_to_array($2, ','),"
                  "       coalesce($3, ''), decode($4, 'hex'),"
                  "       now() + make_interval(days => $5::integer)"
                  "  FROM hub.partner p WHERE p.partner_id = $1::bigint"
                  " RETURNING credential_id,"
                  "           (SELECT active FROM hub.partner WHERE partner_id = $1::bigint)"
                : "INSERT INTO hub.credential (partnership_id, partner_id, kind, roles, label,"
                  "                            token_hash, expires_at)"
                  "SELECT ps.partnership_id, NULL, 'token', string_to_array($2, ','),"
                  "       coalesce($3, ''), decode($4, 'hex'),"
                  "       now() + make_interval(days => $5::integer)"
                  "  FROM hub.partnership ps WHERE ps.partnership_id = $1::bigint"
                  " RETURNING credential_id, true",
        5, params);
    if (res == NULL)
        return NULL;
    if (PQntuples(res) == 0) {
        PQclear(res);
        if (partner)
            ctl_error("no partner %s", partner);
        else
            ctl_error("no partnership %s", partnership);
        return NULL;
    }
    char *id = xstrdup(PQgetvalue(res, 0, 0));
    *active = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    return id;
}

int
token_issue_cmd(ctl_t *ctl, int argc, char **argv)
{
    const char *partner = NULL, *partnership = NULL, *roles_text = NULL, *label = NULL,
               *expires_days = NULL;
    bool public = false;
    const arg_t args[] = {
        {.name = "--partner", .type = ARG_ID, .value = &partner},
        {.name = "--public", .type = ARG_FLAG, .flag = &public},
        {.name = "--partnership", .type = ARG_ID, .value = &partnership},
        {.name = "--roles", .type = ARG_TEXT, .min = 1, .max = 100, .value = &roles_text},
        {.name = "--label", .type = ARG_TEXT, .min = 0, .max = 200, .value = &label},
        {.name = "--expires-days", .type = ARG_INT, .min = 1, .max = 3650, .value = &expires_days},
    };
    const arg_spec_t spec = {token_usage, args, ARRAY_LEN(args)};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;

    char roles[64];
    unsigned bits;
    if (public) {
        if (partner != NULL)
            return args_usage_error(&spec, "a public token has no partner: drop --partner");
        if (partnership == NULL)
            return args_usage_error(&spec, "--public needs --partnership ID");
        if (roles_text != NULL && (!roles_parse(roles_text, &bits) || bits != ROLE_PUBLIC))
            return args_usage_error(&spec, "a public token has exactly the role public");
        snprintf(roles, sizeof(roles), "public");
    } else {
        if (partner == NULL)
            return args_usage_error(&spec, "give --partner ID, or --public --partnership ID");
        if (partnership != NULL)
            return args_usage_error(&spec, "--partnership goes with --public; a partner's "
                                           "token belongs to the partner's partnership");
        if (roles_text == NULL)
            return args_usage_error(&spec, "missing --roles");
        if (roles_parse(roles_text, &bits) && (bits & ROLE_PUBLIC))
            return args_usage_error(&spec, "the role public is only for --public tokens");
        if (!cred_partner_roles(roles_text, roles, sizeof(roles)))
            return args_usage_error(&spec, "--roles must be a comma-separated list of submit, "
                                           "read and coordinate");
    }
    if (!ctl_connect(ctl))
        return CTL_FAIL;

    char token[TOKEN_LEN + 1], hash[HEX_SHA256_LEN + 1];
    token_generate(token);
    token_hash_hex(token, hash);
    bool active = true;
    char *id = token_store(ctl, partner, partnership, roles, label, expires_days, hash, &active);
    if (id != NULL) {
        printf("%s\n", token);
        fflush(stdout);
        fprintf(stderr, "hubctl: issued token %s; it is shown only this once\n", id);
        if (!active)
            fprintf(stderr, "hubctl: partner %s is disabled: the token works once it is enabled\n",
                    partner);
    }
    OPENSSL_cleanse(token, sizeof(token));
    rc = id != NULL ? CTL_OK : CTL_FAIL;
    free(id);
    return rc;
}

int
token_list_cmd(ctl_t *ctl, int argc, char **argv)
{
    return cred_list(ctl, argc, argv, CRED_TOKEN);
}

int
token_revoke_cmd(ctl_t *ctl, int argc, char **argv)
{
    return cred_revoke(ctl, argc, argv, CRED_TOKEN);
}
