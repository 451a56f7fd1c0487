/* chain.h: the audit log's hash chain, computed in C independently of
 * hub.audit_canonical and hub.audit_seal (sql/002_registry.sql).
 *
 * A row's link is SHA-256(previous link || canonical text), the first
 * previous link being 32 zero bytes. The canonical text is every field below,
 * in this order, as "<length>:<value>|" with the length in characters (code
 * points, as PostgreSQL's length() counts), and a NULL field as "-|". */
#ifndef HUBCTL_CHAIN_H
#define HUBCTL_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

enum {
    CHAIN_AUDIT_ID,
    CHAIN_PARTNERSHIP_ID,
    CHAIN_PARTNER_ID,
    CHAIN_CREDENTIAL_ID,
    CHAIN_REQUEST_ID,
    CHAIN_AT_USEC, /* (extract(epoch FROM at) * 1000000)::bigint */
    CHAIN_ACTION,
    CHAIN_OBJECT_TYPE,
    CHAIN_OBJECT_ID,
    CHAIN_OUTCOME,
    CHAIN_ISA_REFERENCE,
    CHAIN_SEAL_SEQ,
    CHAIN_NFIELDS
};

#define CHAIN_HASH_LEN 32

/* out = SHA-256(prev || canonical text of fields). */
HUB_MUST_CHECK bool chain_link(const unsigned char prev[CHAIN_HASH_LEN],
                               const char *const fields[CHAIN_NFIELDS],
                               unsigned char out[CHAIN_HASH_LEN]);

/* Lower-case hex of a link (2 * CHAIN_HASH_LEN characters and a NUL). */
void chain_hex(const unsigned char hash[CHAIN_HASH_LEN], char out[2 * CHAIN_HASH_LEN + 1]);

#endif
