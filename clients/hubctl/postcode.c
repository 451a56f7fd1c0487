#include "postcode.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
    char postcode[POSTCODE_MAX + 1];
    char area[POSTCODE_AREA_MAX + 1];
} entry_t;

struct postcode_table {
    entry_t *entries; /* sorted by postcode, no two alike */
    size_t n;
};

bool
postcode_normalise(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (o + 1 >= outlen)
            return false;
        out[o++] = (char)toupper((unsigned char)*p);
    }
    if (outlen == 0)
        return false;
    out[o] = '\0';
    return true;
}

static int
by_postcode(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int c = strcmp(x->postcode, y->postcode);
    return c ? c : strcmp(x->area, y->area);
}

/* The index of the first header field named one of names, in order of
 * preference; -1 when none is there. */
static long
find_column(const csv_record_t *h, const char *const *names)
{
    for (const char *const *n = names; *n; n++)
        for (size_t i = 0; i < h->nfields; i++) {
            const char *f = h->fields[i];
            size_t len = h->lens[i];
            while (len > 0 && *f == ' ')
                f++, len--;
            while (len > 0 && f[len - 1] == ' ')
                len--;
            if (len == strlen(*n) && strncasecmp(f, *n, len) == 0)
                return (long)i;
        }
    return -1;
}

/* The field trimmed of spaces, into out; false when it does not fit. */
static bool
trimmed(const char *f, char *out, size_t outlen)
{
    while (*f == ' ')
        f++;
    size_t n = strlen(f);
    while (n > 0 && f[n - 1] == ' ')
        n--;
    if (n >= outlen)
        return false;
    memcpy(out, f, n);
    out[n] = '\0';
    return true;
}

postcode_table_t *
postcode_table_read(csv_reader_t *r, char *err, size_t errlen)
{
    static const char *const pc_names[] = {"pcds", "pcd", "pcd7", "pcd8", NULL};
    static const char *const area_names[] = {"lsoa21cd", "lsoa21", "lsoa11cd", "lsoa11", NULL};
    csv_record_t rec;
    csv_status_t st = csv_next(r, &rec);
    if (st != CSV_RECORD) {
        if (st == CSV_END)
            snprintf(err, errlen, "empty: a header naming pcds and lsoa21cd is expected");
        else
            snprintf(err, errlen, "line %zu: %s", csv_error_line(r), csv_error(r));
        return NULL;
    }
    long pc_col = find_column(&rec, pc_names), area_col = find_column(&rec, area_names);
    if (pc_col < 0 || area_col < 0) {
        snprintf(err, errlen,
                 "line 1: the header names no %s column (expected pcds or pcd, and lsoa21cd or "
                 "lsoa11cd)",
                 pc_col < 0 ? "postcode" : "LSOA");
        return NULL;
    }
    postcode_table_t *t = xcalloc(1, sizeof(*t));
    size_t cap = 0;
    while ((st = csv_next(r, &rec)) == CSV_RECORD) {
        if ((size_t)pc_col >= rec.nfields || (size_t)area_col >= rec.nfields) {
            snprintf(err, errlen, "line %zu: %zu fields, fewer than the header's", rec.line,
                     rec.nfields);
            goto fail;
        }
        entry_t e;
        if (!trimmed(rec.fields[area_col], e.area, sizeof(e.area)) ||
            (e.area[0] != '\0' && strlen(e.area) != POSTCODE_AREA_MAX)) {
            snprintf(err, errlen, "line %zu: the LSOA is not a 9-character GSS code", rec.line);
            goto fail;
        }
        if (e.area[0] == '\0')
            continue; /* no LSOA (e.g. a postcode outside England and Wales) */
        if (!postcode_normalise(rec.fields[pc_col], e.postcode, sizeof(e.postcode)) ||
            e.postcode[0] == '\0') {
            snprintf(err, errlen, "line %zu: the postcode is empty or longer than %d characters",
                     rec.line, POSTCODE_MAX);
            goto fail;
        }
        if (t->n == POSTCODE_ROWS_MAX) {
            snprintf(err, errlen, "line %zu: more than %d postcodes", rec.line, POSTCODE_ROWS_MAX);
            goto fail;
        }
        if (t->n == cap) {
            cap = cap ? 2 * cap : 4096;
            t->entries = xrealloc(t->entries, cap * sizeof(entry_t));
        }
        t->entries[t->n++] = e;
    }
    if (st == CSV_ERROR) {
        snprintf(err, errlen, "line %zu: %s", csv_error_line(r), csv_error(r));
        goto fail;
    }
    qsort(t->entries, t->n, sizeof(entry_t), by_postcode);
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (kept > 0 && strcmp(t->entries[kept - 1].postcode, t->entries[i].postcode) == 0) {
            if (strcmp(t->entries[kept - 1].area, t->entries[i].area) != 0) {
                snprintf(err, errlen, "a postcode is given twice with different LSOAs");
                goto fail;
            }
            continue;
        }
        t->entries[kept++] = t->entries[i];
    }
    t->n = kept;
    return t;
fail:
    postcode_table_free(t);
    return NULL;
}

static ssize_t
fd_read(void *arg, char *buf, size_t len)
{
    return read(*(int *)arg, buf, len);
}

postcode_table_t *
postcode_table_load(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char why[256];
    csv_reader_t *r = csv_open(fd_read, &fd);
    postcode_table_t *t = postcode_table_read(r, why, sizeof(why));
    csv_close(r);
    close(fd);
    if (t == NULL)
        snprintf(err, errlen, "%s: %s", path, why);
    return t;
}

const char *
postcode_lookup(const postcode_table_t *t, const char *postcode)
{
    entry_t key;
    memset(&key, 0, sizeof(key));
    if (!postcode_normalise(postcode, key.postcode, sizeof(key.postcode)))
        return NULL;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->entries[mid].postcode, key.postcode);
        if (c == 0)
            return t->entries[mid].area;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t
postcode_table_size(const postcode_table_t *t)
{
    return t->n;
}

void
postcode_table_free(postcode_table_t *t)
{
    if (t == NULL)
        return;
    free(t->entries);
    free(t);
}
