#include "credential.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
token_generate(char out[TOKEN_LEN + 1])
{
    unsigned char r[33]; /* 32 random bytes, one pad byte for the last group */
    hub_assert(RAND_bytes(r, 32) == 1);
    r[32] = 0;
    char *o = out + strlen(TOKEN_PREFIX);
    memcpy(out, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
    /* 32 bytes = 10 groups of 3 + 2 bytes: 40 + 3 characters. */
    for (int i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)r[i] << 16 | (unsigned)r[i + 1] << 8 | (i + 2 < 33 ? r[i + 2] : 0);
        *o++ = b64url[(v >> 18) & 63];
        *o++ = b64url[(v >> 12) & 63];
        *o++ = b64url[(v >> 6) & 63];
        if (i + 3 < 33)
            *o++ = b64url[v & 63];
    }
    out[TOKEN_LEN] = '\0';
    OPENSSL_cleanse(r, sizeof(r));
}

bool
token_well_formed(const char *token)
{
    size_t plen = strlen(TOKEN_PREFIX);
    if (strlen(token) != TOKEN_LEN || strncmp(token, TOKEN_PREFIX, plen) != 0)
        return false;
    for (const char *p = token + plen; *p; p++)
        if (strchr(b64url, *p) == NULL)
            return false;
    return true;
}

void
token_hash_hex(const char *token, char out[HEX_SHA256_LEN + 1])
{
    unsigned char md[32];
    unsigned int n = 0;
    hub_assert(EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) == 1 && n == 32);
    hex_encode(md, 32, out);
}

const char *
auth_bearer(const char *authorization)
{
    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    return *t ? t : NULL;
}

bool
cert_fingerprint(X509 *cert, char out[HEX_SHA256_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
        return false;
    hex_encode(md, 32, out);
    return true;
}

bool
cert_subject(X509 *cert, char *out, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return false;
    bool ok = X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0;
    int n = ok ? BIO_read(b, out, (int)len - 1) : -1;
    BIO_free(b);
    if (n < 0 || (size_t)n >= len - 1) /* unreadable, or too long to be exact */
        return false;
    out[n] = '\0';
    return true;
}

static const struct {
    unsigned bit;
    const char *name;
} role_names[] = {{ROLE_SUBMIT, "submit"},
                  {ROLE_READ, "read"},
                  {ROLE_COORDINATE, "coordinate"},
                  {ROLE_PUBLIC, "public"}};

bool
roles_parse(const char *text, unsigned *roles)
{
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '{' && text[n - 1] == '}')
        text++, n -= 2;
    unsigned bits = 0;
    while (n > 0) {
        size_t len = 0;
        while (len < n && text[len] != ',')
            len++;
        unsigned bit = 0;
        for (size_t i = 0; i < ARRAY_LEN(role_names); i++)
            if (strlen(role_names[i].name) == len && memcmp(text, role_names[i].name, len) == 0)
                bit = role_names[i].bit;
        if (bit == 0)
            return false;
        bits |= bit;
        text += len;
        n -= len;
        if (n > 0) { /* the comma */
            text++, n--;
            if (n == 0)
                return false;
        }
    }
    if (bits == 0 || ((bits & ROLE_PUBLIC) && bits != ROLE_PUBLIC))
        return false;
    *roles = bits;
    return true;
}

void
roles_format(unsigned roles, char *buf, size_t len)
{
    size_t o = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(role_names); i++) {
        if (!(roles & role_names[i].bit))
            continue;
        int w = snprintf(buf + o, len - o, "%s%s", o ? "," : "", role_names[i].name);
        if (w < 0 || (size_t)w >= len - o) {
            buf[o] = '\0';
            return;
        }
        o += (size_t)w;
    }
}
