/* credential.h: what identifies a caller: bearer tokens, client
 * certificates, roles. Shared by hubd and hubctl; no database here.
 *
 * A token is "hub_" followed by 43 base64url characters (256 random bits).
 * Only its SHA-256 is ever stored or sent to the database. */
#ifndef HUB_CREDENTIAL_H
#define HUB_CREDENTIAL_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define TOKEN_PREFIX "hub_"
#define TOKEN_LEN 47 /* prefix + 43 */
#define HEX_SHA256_LEN 64

enum {
    ROLE_SUBMIT = 1 << 0,
    ROLE_READ = 1 << 1,
    ROLE_COORDINATE = 1 << 2,
    ROLE_PUBLIC = 1 << 3,
};
/* Any role a partner's credential can hold. */
#define ROLES_PARTNER (ROLE_SUBMIT | ROLE_READ | ROLE_COORDINATE)

/* The authenticated caller, as hub.authenticate found it. */
typedef struct identity {
    long long credential_id;
    long long partnership_id;
    long long partner_id; /* 0 for a public credential */
    unsigned roles;
    char kind[16]; /* token or certificate */
    char partner_name[201];
    char partner_kind[16];
    char partnership_name[201];
    char isa_reference[101];
} identity_t;

/* A fresh random token. */
void token_generate(char out[TOKEN_LEN + 1]);

/* Has the token the right shape? (Checked before any database work.) */
bool token_well_formed(const char *token);

/* Lower-case hex SHA-256 of the token text. */
void token_hash_hex(const char *token, char out[HEX_SHA256_LEN + 1]);

/* The value of an "Authorization: Bearer <token>" header, or NULL. */
const char *auth_bearer(const char *authorization);

/* Lower-case hex SHA-256 of the certificate's DER encoding. */
HUB_MUST_CHECK bool cert_fingerprint(X509 *cert, char out[HEX_SHA256_LEN + 1]);

/* The certificate's subject in RFC 2253 form. */
HUB_MUST_CHECK bool cert_subject(X509 *cert, char *out, size_t len);

/* "submit,read" or PostgreSQL's "{submit,read}" -> bits; false on an
 * unknown role, an empty list, or 'public' mixed with others. */
HUB_MUST_CHECK bool roles_parse(const char *text, unsigned *roles);

/* bits -> "submit,read" (also a valid PostgreSQL array body). */
void roles_format(unsigned roles, char *buf, size_t len);

#endif
