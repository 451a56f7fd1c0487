#include "state.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_MAGIC "hubctl-submit-state 1"

/* The counters, by name, as the file lists them. */
static const struct {
    const char *name;
    size_t offset;
} counters[] = {
    {"rows", offsetof(tally_t, rows)},       {"sent", offsetof(tally_t, sent)},
    {"created", offsetof(tally_t, created)}, {"unchanged", offsetof(tally_t, unchanged)},
    {"valid", offsetof(tally_t, valid)},     {"conflicts", offsetof(tally_t, conflicts)},
    {"invalid", offsetof(tally_t, invalid)}, {"local", offsetof(tally_t, local)},
};

static size_t *
counter(tally_t *t, size_t i)
{
    return (size_t *)((char *)t + counters[i].offset);
}

bool
state_load(const char *path, state_t *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    err[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno != ENOENT)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    char line[256];
    bool magic = false, fp = false, bytes = false;
    unsigned seen = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char name[32], hex[80];
        unsigned long long v;
        if (strcmp(line, STATE_MAGIC) == 0) {
            magic = true;
        } else if (sscanf(line, "fingerprint %79s", hex) == 1 && strlen(hex) == 64) {
            memcpy(st->fingerprint, hex, 65);
            fp = true;
        } else if (sscanf(line, "%31s %llu", name, &v) == 2) {
            if (strcmp(name, "rejects_bytes") == 0) {
                st->rejects_bytes = (long long)v;
                bytes = true;
            }
            for (size_t i = 0; i < ARRAY_LEN(counters); i++)
                if (strcmp(name, counters[i].name) == 0) {
                    *counter(&st->tally, i) = (size_t)v;
                    seen |= 1u << i;
                }
        }
    }
    fclose(f);
    if (!magic || !fp || !bytes || seen != (1u << ARRAY_LEN(counters)) - 1) {
        snprintf(err, errlen, "%s is not a hubctl submit state file", path);
        return false;
    }
    return true;
}

bool
state_save(const char *path, const state_t *st, char *err, size_t errlen)
{
    size_t n = strlen(path) + 8;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL;
    if (ok) {
        fprintf(f, STATE_MAGIC "\nfingerprint %s\nrejects_bytes %lld\n", st->fingerprint,
                st->rejects_bytes);
        tally_t t = st->tally;
        for (size_t i = 0; i < ARRAY_LEN(counters); i++)
            fprintf(f, "%s %zu\n", counters[i].name, *counter(&t, i));
        ok = !ferror(f);
        ok = fclose(f) == 0 && ok;
    }
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        (void)unlink(tmp);
    }
    free(tmp);
    return ok;
}

bool
state_file_digest(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    hub_assert(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        hub_assert(EVP_DigestUpdate(md, buf, n) == 1);
    unsigned char d[32];
    unsigned int dn = 0;
    bool ok = !ferror(f) && EVP_DigestFinal_ex(md, d, &dn) == 1 && dn == 32;
    if (ok)
        hex_encode(d, 32, out);
    EVP_MD_CTX_free(md);
    fclose(f);
    return ok;
}

void
state_text_digest(const char *text, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    hub_assert(EVP_Digest(text, strlen(text), d, &n, EVP_sha256(), NULL) == 1 && n == 32);
    hex_encode(d, 32, out);
}
