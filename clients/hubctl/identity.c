#include "identity.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "postcode.h"

typedef struct {
    char *name;
    identity_kind_t kind;
} column_t;

struct identity {
    column_t columns[IDENTITY_COLUMNS_MAX];
    size_t n;
    unsigned char key[IDENTITY_KEY_MAX];
    size_t keylen;
};

/* ---- normalisation ---------------------------------------------------- */

/* The length of a space at p (C0 controls, space, DEL, U+0080-U+00A0
 * encoded C2 80-C2 A0), or 0. */
static size_t
space_at(const unsigned char *p)
{
    if (*p <= 0x20 || *p == 0x7F)
        return 1;
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0xA0)
        return 2;
    return 0;
}

static void
normalise_text(const char *in, char *out)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    bool gap = false; /* spaces seen since the last character kept */
    while (*p) {
        size_t s = space_at(p);
        if (s > 0) {
            gap = o > 0;
            p += s;
            continue;
        }
        if (gap)
            out[o++] = ' ';
        gap = false;
        if (*p >= 'a' && *p <= 'z') {
            out[o++] = (char)(*p - 'a' + 'A');
        } else if (p[0] == 0xC3 && p[1] >= 0xA0 && p[1] <= 0xBE && p[1] != 0xB7) {
            out[o++] = (char)0xC3; /* à-þ to À-Þ, but ÷ */
            out[o++] = (char)(p[1] - 0x20);
            p++;
        } else {
            out[o++] = (char)*p;
        }
        p++;
    }
    out[o] = '\0';
}

/* Reads 1 to max digits at *s; -1 when there are none or too many. */
static int
digits(const char **s, int min, int max)
{
    int v = 0, n = 0;
    while (isdigit((unsigned char)**s)) {
        if (++n > max)
            return -1;
        v = v * 10 + (**s - '0');
        (*s)++;
    }
    return n < min ? -1 : v;
}

static bool
date_exists(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days[m - 1] + (m == 2 && leap);
}

/* A time after a date: [ T]HH:MM[:SS[.fff]][Z], ignored. */
static bool
time_rest(const char *s)
{
    if (*s == '\0')
        return true;
    if (*s != ' ' && *s != 'T')
        return false;
    s++;
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':')
        return false;
    s += strspn(s, "0123456789:.");
    return *s == '\0' || (s[0] == 'Z' && s[1] == '\0');
}

static bool
normalise_date(const char *in, char *out)
{
    char buf[64];
    out[0] = '\0';
    if (strlen(in) >= sizeof(buf))
        return false;
    normalise_text(in, buf);
    if (buf[0] == '\0')
        return true; /* empty stays empty */
    const char *s = buf;
    int a = digits(&s, 1, 4);
    char sep = *s;
    if (a < 0 || (sep != '-' && sep != '/' && sep != '.'))
        return false;
    size_t alen = (size_t)(s - buf);
    s++;
    int b = digits(&s, 1, 2);
    if (b < 0 || *s != sep)
        return false;
    s++;
    const char *c_start = s;
    int c = digits(&s, 1, 4);
    size_t clen = (size_t)(s - c_start);
    int y, m, d;
    if (alen == 4 && sep != '.' && clen <= 2) { /* YYYY-MM-DD, YYYY/MM/DD */
        y = a, m = b, d = c;
    } else if (alen <= 2 && clen == 4) { /* DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY */
        d = a, m = b, y = c;
    } else {
        return false;
    }
    if (c < 0 || !time_rest(s) || !date_exists(y, m, d))
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u); /* the ranges are checked: % only tells the compiler */
    return true;
}

bool
identity_normalise(identity_kind_t kind, const char *in, char *out, size_t outlen)
{
    hub_assert(outlen >= strlen(in) + 11);
    switch (kind) {
    case IDENTITY_TEXT:
        normalise_text(in, out);
        return true;
    case IDENTITY_DATE:
        return normalise_date(in, out);
    case IDENTITY_POSTCODE:
        normalise_text(in, out);
        hub_assert(postcode_normalise(out, out, outlen));
        return true;
    }
    return false;
}

/* ---- the key and the columns ------------------------------------------ */

static identity_kind_t
default_kind(const char *name)
{
    static const char *const dates[] = {"dob", "date_of_birth", "birth_date", "birthdate"};
    static const char *const postcodes[] = {"postcode", "post_code", "pcd"};
    for (size_t i = 0; i < ARRAY_LEN(dates); i++)
        if (strcasecmp(name, dates[i]) == 0)
            return IDENTITY_DATE;
    for (size_t i = 0; i < ARRAY_LEN(postcodes); i++)
        if (strcasecmp(name, postcodes[i]) == 0)
            return IDENTITY_POSTCODE;
    return IDENTITY_TEXT;
}

static bool
parse_columns(identity_t *id, const char *spec, char *err, size_t errlen)
{
    const char *p = spec;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            snprintf(err, errlen, "--identity-columns: an empty column name");
            return false;
        }
        if (id->n == IDENTITY_COLUMNS_MAX) {
            snprintf(err, errlen, "--identity-columns: more than %d columns", IDENTITY_COLUMNS_MAX);
            return false;
        }
        char *item = strndup(p, len);
        hub_assert(item != NULL);
        char *colon = strrchr(item, ':');
        identity_kind_t kind;
        if (colon != NULL) {
            *colon = '\0';
            if (strcmp(colon + 1, "text") == 0) {
                kind = IDENTITY_TEXT;
            } else if (strcmp(colon + 1, "date") == 0) {
                kind = IDENTITY_DATE;
            } else if (strcmp(colon + 1, "postcode") == 0) {
                kind = IDENTITY_POSTCODE;
            } else {
                snprintf(err, errlen,
                         "--identity-columns: %s: the kind after ':' must be text, date or "
                         "postcode",
                         item);
                free(item);
                return false;
            }
        } else {
            kind = default_kind(item);
        }
        if (item[0] == '\0') {
            snprintf(err, errlen, "--identity-columns: an empty column name");
            free(item);
            return false;
        }
        for (size_t i = 0; i < id->n; i++)
            if (strcmp(id->columns[i].name, item) == 0) {
                snprintf(err, errlen, "--identity-columns: %s is given twice", item);
                free(item);
                return false;
            }
        id->columns[id->n++] = (column_t){item, kind};
        p += len;
        if (*p == '\0')
            return true;
        p++;
    }
}

identity_t *
identity_new(const char *columns, const char *key, size_t keylen, char *err, size_t errlen)
{
    identity_t *id = xcalloc(1, sizeof(*id));
    bool key_ok = keylen >= IDENTITY_KEY_MIN && keylen <= IDENTITY_KEY_MAX;
    for (size_t i = 0; key_ok && i < keylen; i++)
        key_ok = key[i] > 0x20 && key[i] < 0x7F;
    if (!key_ok) {
        snprintf(err, errlen,
                 "the link key must be one line of %d to %d printable ASCII characters without "
                 "spaces (openssl rand -hex 32 makes one)",
                 IDENTITY_KEY_MIN, IDENTITY_KEY_MAX);
        identity_free(id);
        return NULL;
    }
    memcpy(id->key, key, keylen);
    id->keylen = keylen;
    if (!parse_columns(id, columns, err, errlen)) {
        identity_free(id);
        return NULL;
    }
    return id;
}

identity_t *
identity_load(const char *columns, const char *key_path, char *err, size_t errlen)
{
    FILE *f = fopen(key_path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "--link-key %s: %s", key_path, strerror(errno));
        return NULL;
    }
    char buf[IDENTITY_KEY_MAX + 4];
    size_t n = fread(buf, 1, sizeof(buf), f);
    bool whole = feof(f) && !ferror(f);
    fclose(f);
    /* The first line; the file may end there, or go on with more lines. */
    size_t len = 0;
    while (len < n && buf[len] != '\n' && buf[len] != '\r')
        len++;
    char why[200];
    identity_t *id = NULL;
    if (!whole && len == n)
        snprintf(err, errlen, "--link-key %s: the first line is longer than %d characters",
                 key_path, IDENTITY_KEY_MAX);
    else if ((id = identity_new(columns, buf, len, why, sizeof(why))) == NULL)
        snprintf(err, errlen, "--link-key %s: %s", key_path, why);
    OPENSSL_cleanse(buf, sizeof(buf));
    return id;
}

void
identity_free(identity_t *id)
{
    if (id == NULL)
        return;
    for (size_t i = 0; i < id->n; i++)
        free(id->columns[i].name);
    OPENSSL_cleanse(id->key, sizeof(id->key));
    free(id);
}

void
identity_describe(const identity_t *id, char *out, size_t len)
{
    static const char *const kinds[] = {"text", "date", "postcode"};
    size_t o = 0;
    for (size_t i = 0; i < id->n && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s:%s,", id->columns[i].name,
                              kinds[id->columns[i].kind]);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char label[] = "hubctl submit state";
    hub_assert(HMAC(EVP_sha256(), id->key, (int)id->keylen, (const unsigned char *)label,
                    sizeof(label) - 1, md, &mdlen) != NULL &&
               mdlen == 32);
    char hex[65];
    hex_encode(md, 32, hex);
    if (o < len)
        snprintf(out + o, len - o, " %s", hex);
}

size_t
identity_count(const identity_t *id)
{
    return id->n;
}

const char *
identity_column(const identity_t *id, size_t i)
{
    return id->columns[i].name;
}

identity_kind_t
identity_kind(const identity_t *id, size_t i)
{
    return id->columns[i].kind;
}

/* ---- the subject key -------------------------------------------------- */

identity_result_t
identity_subject_key(const identity_t *id, const char *const *values, char out[65], size_t *bad)
{
    size_t cap = 1;
    for (size_t i = 0; i < id->n; i++)
        cap += (values[i] ? strlen(values[i]) : 0) + 12;
    char *text = xmalloc(cap);
    size_t o = 0;
    bool any = false;
    identity_result_t result = IDENTITY_MADE;
    for (size_t i = 0; i < id->n; i++) {
        const char *v = values[i] ? values[i] : "";
        if (i > 0)
            text[o++] = IDENTITY_SEPARATOR;
        if (!identity_normalise(id->columns[i].kind, v, text + o, cap - o)) {
            *bad = i;
            result = IDENTITY_INVALID;
            break;
        }
        any = any || text[o] != '\0';
        o += strlen(text + o);
    }
    if (result == IDENTITY_MADE && !any)
        result = IDENTITY_EMPTY;
    if (result == IDENTITY_MADE) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        hub_assert(HMAC(EVP_sha256(), id->key, (int)id->keylen, (const unsigned char *)text, o, md,
                        &mdlen) != NULL &&
                   mdlen == 32);
        hex_encode(md, 32, out);
    }
    OPENSSL_cleanse(text, cap); /* identity does not linger in memory */
    free(text);
    return result;
}
