#include "pseudonym.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

static unsigned char key[32];
static bool loaded;

static int
nibble(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : (tolower((unsigned char)c) - 'a' + 10);
}

static bool
decode_hex(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++)
        if (!isxdigit((unsigned char)hex[i]))
            return false;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return true;
}

bool
pseudonym_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "HUB_PSEUDONYM_KEY_FILE: %s: %s", path, strerror(errno));
        return false;
    }
    /* Read the whole file (a key file is small): anything but the key and
     * a line ending makes it invalid. */
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof(buf), f);
    bool whole = feof(f) && !ferror(f);
    fclose(f);
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    bool ok = whole && n == 64 && decode_hex(buf, key, sizeof(key));
    OPENSSL_cleanse(buf, sizeof(buf));
    if (!ok) {
        snprintf(err, errlen,
                 "HUB_PSEUDONYM_KEY_FILE: %s must hold 64 hex characters (openssl rand -hex 32)",
                 path);
        return false;
    }
    loaded = true;
    return true;
}

void
pseudonym_rekey(const char *subject_hex, char out[65])
{
    hub_assert(loaded);
    unsigned char subject[32], md[32];
    unsigned int mdlen = 0;
    hub_assert(decode_hex(subject_hex, subject, sizeof(subject)));
    hub_assert(HMAC(EVP_sha256(), key, sizeof(key), subject, sizeof(subject), md, &mdlen) != NULL &&
               mdlen == 32);
    hex_encode(md, 32, out);
}

void
pseudonym_forget(void)
{
    OPENSSL_cleanse(key, sizeof(key));
    loaded = false;
}
