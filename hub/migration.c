#include "migration.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MIGRATION_MAX_BYTES (16 << 20)

bool
migration_parse_name(const char *f, int *version)
{
    size_t len = strlen(f);
    if (len < 9 || len >= MIGRATION_NAME_MAX || strcmp(f + len - 4, ".sql") != 0)
        return false;
    for (int i = 0; i < 3; i++)
        if (!isdigit((unsigned char)f[i]))
            return false;
    if (f[3] != '_')
        return false;
    for (size_t i = 4; i < len - 4; i++)
        if (!(islower((unsigned char)f[i]) || isdigit((unsigned char)f[i]) || f[i] == '_'))
            return false;
    *version = (f[0] - '0') * 100 + (f[1] - '0') * 10 + (f[2] - '0');
    return true;
}

void
sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    hub_assert(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32);
    hex_encode(md, 32, out);
}

static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > MIGRATION_MAX_BYTES) {
        snprintf(err, errlen, "%s: unreadable or larger than 16 MiB", path);
        fclose(f);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    bool bad = ferror(f) || n != (size_t)st.st_size;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: unreadable or larger than 16 MiB", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int
by_version(const void *a, const void *b)
{
    return ((const migration_t *)a)->version - ((const migration_t *)b)->version;
}

bool
migration_scan(const char *dir, migration_t **out, size_t *n, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return false;
    }
    migration_t *list = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int version;
        if (!migration_parse_name(e->d_name, &version))
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            list = xrealloc(list, cap * sizeof(*list));
        }
        migration_t *m = &list[count];
        memset(m, 0, sizeof(*m));
        m->version = version;
        memcpy(m->name, e->d_name, strlen(e->d_name) + 1); /* parse_name bounded it */
        count++;
    }
    closedir(d);
    if (count > 1)
        qsort(list, count, sizeof(*list), by_version);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && list[i].version == list[i - 1].version) {
            snprintf(err, errlen, "%s and %s share version %03d", list[i - 1].name, list[i].name,
                     list[i].version);
            goto fail;
        }
        char path[4096];
        size_t len;
        snprintf(path, sizeof(path), "%s/%s", dir, list[i].name);
        if ((list[i].sql = read_file(path, &len, err, errlen)) == NULL)
            goto fail;
        sha256_hex(list[i].sql, len, list[i].checksum);
    }
    *out = list;
    *n = count;
    return true;
fail:
    migration_free(list, count);
    return false;
}

void
migration_free(migration_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(m[i].sql);
    free(m);
}

static const migration_t *
find_file(const migration_t *files, size_t n, int version)
{
    for (size_t i = 0; i < n; i++)
        if (files[i].version == version)
            return &files[i];
    return NULL;
}

bool
migration_plan(const migration_t *files, size_t n, const applied_migration_t *applied,
               size_t napplied, size_t *first_new, char *err, size_t errlen)
{
    int newest = 0;
    for (size_t i = 0; i < napplied; i++) {
        const migration_t *f = find_file(files, n, applied[i].version);
        if (f == NULL) {
            snprintf(err, errlen, "migration %03d was applied but its file is missing",
                     applied[i].version);
            return false;
        }
        if (strcmp(f->checksum, applied[i].checksum) != 0) {
            snprintf(err, errlen,
                     "%s was changed after it was applied (applied sha256 %.12s…, file %.12s…); "
                     "add a new migration instead",
                     f->name, applied[i].checksum, f->checksum);
            return false;
        }
        if (applied[i].version > newest)
            newest = applied[i].version;
    }
    size_t first = n;
    for (size_t i = 0; i < n; i++) {
        bool done = false;
        for (size_t j = 0; j < napplied && !done; j++)
            done = applied[j].version == files[i].version;
        if (done)
            continue;
        if (files[i].version < newest) {
            snprintf(err, errlen, "%s is older than applied migration %03d; renumber it",
                     files[i].name, newest);
            return false;
        }
        if (first == n)
            first = i;
    }
    *first_new = first;
    return true;
}
