#include "chain.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Calls emit(piece, len, arg) for each piece of the canonical text in order,
 * so that it is hashed without being assembled. */
static bool
canonical_pieces(const char *const fields[CHAIN_NFIELDS],
                 bool (*emit)(const char *piece, size_t len, void *arg), void *arg)
{
    for (int i = 0; i < CHAIN_NFIELDS; i++) {
        const char *v = fields[i];
        if (v == NULL) {
            if (!emit("-|", 2, arg))
                return false;
            continue;
        }
        char prefix[32];
        int n = snprintf(prefix, sizeof(prefix), "%zu:", text_chars(v));
        if (!emit(prefix, (size_t)n, arg) || !emit(v, strlen(v), arg) || !emit("|", 1, arg))
            return false;
    }
    return true;
}

static bool
digest_update(const char *piece, size_t len, void *arg)
{
    return EVP_DigestUpdate(arg, piece, len) == 1;
}

bool
chain_link(const unsigned char prev[CHAIN_HASH_LEN], const char *const fields[CHAIN_NFIELDS],
           unsigned char out[CHAIN_HASH_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(md, prev, CHAIN_HASH_LEN) == 1 &&
              canonical_pieces(fields, digest_update, md) && EVP_DigestFinal_ex(md, out, &n) == 1 &&
              n == CHAIN_HASH_LEN;
    EVP_MD_CTX_free(md);
    return ok;
}

void
chain_hex(const unsigned char hash[CHAIN_HASH_LEN], char out[2 * CHAIN_HASH_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < CHAIN_HASH_LEN; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[2 * CHAIN_HASH_LEN] = '\0';
}
