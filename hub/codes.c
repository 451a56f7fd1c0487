#include "codes.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CODES_FILE_MAX (1 << 20)

struct code_list {
    char name[64];
    int ncolumns;
    char columns[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    size_t nrows;
    char (*rows)[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    char *allowed;
    char *json;
};

struct codes {
    size_t nlists;
    code_list_t *lists;
    char *index_json;
};

int
csv_record(const char **p, const char *end, char fields[][CODES_FIELD_MAX], int max)
{
    const char *s = *p;
    if (s >= end)
        return 0;
    int n = 0;
    for (;;) {
        if (n == max)
            return -1;
        size_t len = 0;
        char *out = fields[n];
        if (s < end && *s == '"') {
            for (s++;; s++) {
                if (s >= end)
                    return -1; /* unterminated quote */
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"')
                        s++;
                    else
                        break;
                }
                if (len + 1 >= CODES_FIELD_MAX)
                    return -1;
                out[len++] = *s;
            }
            s++; /* the closing quote */
        } else {
            for (; s < end && *s != ',' && *s != '\n' && *s != '\r'; s++) {
                if (*s == '"' || len + 1 >= CODES_FIELD_MAX)
                    return -1;
                out[len++] = *s;
            }
        }
        out[len] = '\0';
        n++;
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        if (s < end && *s == '\r')
            s++;
        if (s < end && *s == '\n')
            s++;
        else if (s < end)
            return -1; /* text after a closing quote */
        *p = s;
        return n;
    }
}

static char *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) != 0 || st.st_size > CODES_FILE_MAX) {
        snprintf(err, errlen, "%s: %s", path, f ? "larger than 1 MiB" : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static bool
build_json(code_list_t *l)
{
    json_t *cols = json_array(), *codes = json_array();
    for (int c = 0; c < l->ncolumns; c++)
        json_array_append_new(cols, json_string(l->columns[c]));
    for (size_t r = 0; r < l->nrows; r++) {
        json_t *row = json_object();
        for (int c = 0; c < l->ncolumns; c++)
            json_object_set_new(row, l->columns[c], json_string(l->rows[r][c]));
        json_array_append_new(codes, row);
    }
    json_t *doc = json_pack("{s:s, s:o, s:o}", "list", l->name, "columns", cols, "codes", codes);
    l->json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return l->json != NULL;
}

static bool
load_list(code_list_t *l, const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = slurp(path, &len, err, errlen);
    if (text == NULL)
        return false;
    const char *p = text, *end = text + len;
    bool ok = false;
    char fields[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    int n = csv_record(&p, end, l->columns, CODES_FIELDS_MAX);
    if (n < 2 || strcmp(l->columns[0], "code") != 0 || strcmp(l->columns[1], "label") != 0) {
        snprintf(err, errlen, "%s:1: the header must start with code,label", path);
        goto done;
    }
    l->ncolumns = n;
    size_t cap = 0, line = 1;
    while ((n = csv_record(&p, end, fields, CODES_FIELDS_MAX)) != 0) {
        line++;
        if (n == 1 && fields[0][0] == '\0')
            continue; /* a blank line */
        if (n != l->ncolumns || fields[0][0] == '\0') {
            snprintf(err, errlen, "%s:%zu: expected %d fields and a code", path, line, l->ncolumns);
            goto done;
        }
        if (code_list_find(l, fields[0]) >= 0) {
            snprintf(err, errlen, "%s:%zu: code %s appears twice", path, line, fields[0]);
            goto done;
        }
        if (l->nrows == cap) {
            cap = cap ? cap * 2 : 32;
            l->rows = xrealloc(l->rows, cap * sizeof(*l->rows));
        }
        memcpy(l->rows[l->nrows++], fields, sizeof(fields));
    }
    if (p < end) {
        snprintf(err, errlen, "%s:%zu: malformed CSV", path, line + 1);
        goto done;
    }
    size_t alen = 1;
    for (size_t r = 0; r < l->nrows; r++)
        alen += strlen(l->rows[r][0]) + 1;
    l->allowed = xcalloc(1, alen);
    for (size_t r = 0; r < l->nrows; r++) {
        if (r)
            strcat(l->allowed, " ");
        strcat(l->allowed, l->rows[r][0]);
    }
    ok = build_json(l);
done:
    free(text);
    return ok;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(((const code_list_t *)a)->name, ((const code_list_t *)b)->name);
}

bool
codes_load(const char *dir, codes_t **out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "HUB_API_DIR: %s: %s", dir, strerror(errno));
        return false;
    }
    codes_t *c = xcalloc(1, sizeof(*c));
    struct dirent *e;
    size_t cap = 0;
    bool ok = true;
    while (ok && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || len > 60 || strcmp(e->d_name + len - 4, ".csv") != 0)
            continue;
        if (c->nlists == cap) {
            cap = cap ? cap * 2 : 16;
            c->lists = xrealloc(c->lists, cap * sizeof(*c->lists));
        }
        code_list_t *l = &c->lists[c->nlists++];
        memset(l, 0, sizeof(*l));
        memcpy(l->name, e->d_name, len - 4);
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        ok = load_list(l, path, err, errlen);
    }
    closedir(d);
    if (ok && c->nlists == 0) {
        snprintf(err, errlen, "HUB_API_DIR: no code lists (*.csv) in %s", dir);
        ok = false;
    }
    if (!ok) {
        codes_free(c);
        return false;
    }
    qsort(c->lists, c->nlists, sizeof(*c->lists), by_name);
    json_t *names = json_array();
    for (size_t i = 0; i < c->nlists; i++)
        json_array_append_new(names, json_pack("{s:s, s:I}", "list", c->lists[i].name, "codes",
                                               (json_int_t)c->lists[i].nrows));
    json_t *doc = json_pack("{s:s, s:o}", "protocol", "harassment-report/1", "lists", names);
    c->index_json = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    *out = c;
    return true;
}

void
codes_free(codes_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nlists; i++) {
        free(c->lists[i].rows);
        free(c->lists[i].allowed);
        free(c->lists[i].json);
    }
    free(c->lists);
    free(c->index_json);
    free(c);
}

const code_list_t *
codes_list(const codes_t *c, const char *name)
{
    for (size_t i = 0; i < c->nlists; i++)
        if (strcmp(c->lists[i].name, name) == 0)
            return &c->lists[i];
    return NULL;
}

int
code_list_find(const code_list_t *l, const char *code)
{
    for (size_t r = 0; r < l->nrows; r++)
        if (strcmp(l->rows[r][0], code) == 0)
            return (int)r;
    return -1;
}

size_t
code_list_rows(const code_list_t *l)
{
    return l->nrows;
}

const char *
code_list_code(const code_list_t *l, size_t row)
{
    return l->rows[row][0];
}

const char *
code_list_value(const code_list_t *l, size_t row, const char *column)
{
    for (int c = 0; c < l->ncolumns; c++)
        if (strcmp(l->columns[c], column) == 0)
            return l->rows[row][c];
    return NULL;
}

const char *
code_list_allowed(const code_list_t *l)
{
    return l->allowed;
}

const char *
code_list_json(const code_list_t *l)
{
    return l->json;
}

const char *
codes_index_json(const codes_t *c)
{
    return c->index_json;
}
